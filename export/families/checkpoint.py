"""What a checkpoint's processor reads, read the same way for every family.

transformers' ``ProcessorMixin.from_pretrained`` takes the processor's settings from
``processor_config.json`` (its image processor's from ``preprocessor_config.json``, or
nested in ``processor_config.json`` since transformers 5) and the chat template from
``processor_config.json``'s ``chat_template``, then ``chat_template.json``, then
``chat_template.jinja``; these helpers follow the same order, so the export sees the
processor the checkpoint's users get.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers import AutoConfig, PretrainedConfig, PreTrainedTokenizerBase

from bluev.errors import BadInput
from bluev.export.built_model import PROMPT_MARK, eos_ids_of
from bluev.export.llm import Transformer, from_hf_state_dict
from bluev.runtime.manifest import ChatTemplate, ImageProcessor, ImagePrompt, Source

PIL_FILTERS = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}


def read_json(path: Path) -> dict:
    """A JSON object from a checkpoint file ({} when the file is absent)."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"{path}: unreadable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadInput(f"{path}: expected a JSON object")
    return data


def load_config(config_path: Path) -> PretrainedConfig:
    """config.json through transformers' own config class (defaults resolved; no remote code)."""
    try:
        return AutoConfig.from_pretrained(config_path.parent)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadInput(f"{config_path}: transformers cannot read it ({str(exc).splitlines()[0]})") from None


def eos_ids(tokenizer: object, text: PretrainedConfig, checkpoint: Path) -> list[int]:
    """The tokenizer's and config's end tokens, and generation_config.json's (what generate stops on)."""
    ids = set(eos_ids_of(tokenizer, text))
    generation = read_json(checkpoint / "generation_config.json").get("eos_token_id")
    if isinstance(generation, int):
        generation = [generation]
    ids |= {i for i in generation or () if isinstance(i, int)}
    return sorted(ids)


def processor_settings(checkpoint: Path) -> dict:
    """processor_config.json without its nested sub-processors: num_image_tokens, image_token, ..."""
    data = read_json(checkpoint / "processor_config.json")
    return {k: v for k, v in data.items() if not isinstance(v, dict)}


def processor_chat_template(checkpoint: Path) -> str:
    """The processor's chat template, in transformers' order of precedence."""
    inline = read_json(checkpoint / "processor_config.json").get("chat_template")
    if isinstance(inline, str):
        return inline
    legacy = read_json(checkpoint / "chat_template.json").get("chat_template")
    if isinstance(legacy, str):
        return legacy
    raw = checkpoint / "chat_template.jinja"
    if raw.is_file():
        return raw.read_text(encoding="utf-8")
    raise BadInput(
        f"{checkpoint}: no processor chat template (chat_template.jinja, chat_template.json or "
        "processor_config.json): where the image goes in the prompt is unknown"
    )


def resample_name(value: object, where: str) -> str:
    if isinstance(value, int) and value in PIL_FILTERS:
        return PIL_FILTERS[value]
    raise BadInput(f"{where}: resample {value!r} is not a Pillow filter (0..5)")


def image_processor_of(
    proc: object, where: str, thumbnail_resize: str, thumbnail_always: bool
) -> ImageProcessor:
    """The manifest's pixel recipe from a transformers Pil image processor (its defaults resolved)."""
    return ImageProcessor(
        resample=resample_name(getattr(proc, "resample", None), where),
        rescale_factor=float(proc.rescale_factor) if getattr(proc, "do_rescale", True) else 1.0,
        rescale_dtype="float64",
        thumbnail_resize=thumbnail_resize,
        thumbnail_always=thumbnail_always,
        jpeg_draft=False,
    )


def render_turns(
    tokenizer: PreTrainedTokenizerBase, template: str, image_token: str, image_token_id: int, where: str
) -> tuple[ChatTemplate, ImagePrompt]:
    """The template rendered once around a marker, as ``[{"role": "user", "content": [...]}]`` with
    the generation prompt: text-only, and with one image before the text (the issue's turn)."""

    def render(content: list[dict]) -> str:
        turn = [{"role": "user", "content": content}]
        return tokenizer.apply_chat_template(
            turn, chat_template=template, add_generation_prompt=True, tokenize=False
        )

    text = {"type": "text", "text": PROMPT_MARK}
    prefix, _, suffix = render([text]).partition(PROMPT_MARK)
    head, _, image_suffix = render([{"type": "image"}, text]).partition(PROMPT_MARK)
    if image_suffix != suffix or head.count(image_token) != 1:
        raise BadInput(
            f"{where}: the chat template does not put one {image_token} before the prompt "
            "with the same ending as a text turn; this layout is not supported"
        )
    before, _, after = head.partition(image_token)
    chat = ChatTemplate(prefix=prefix, suffix=suffix, add_special_tokens=True)
    turn = ImagePrompt(
        before_image=before, after_image=after, image_token=image_token, image_token_id=image_token_id
    )
    return chat, turn


def llm_of(model: torch.nn.Module, text_model: torch.nn.Module, max_seq_len: int) -> Transformer:
    """Our Transformer from a VLM's language model (its decoder stack) and its ``lm_head``."""
    weights = {f"model.{k}": v for k, v in text_model.state_dict().items()}
    weights["lm_head.weight"] = model.lm_head.weight
    return from_hf_state_dict(model.config.text_config, weights, max_seq_len)


def text_fields(
    preset: object, model: torch.nn.Module, text_model: torch.nn.Module, proc: object, checkpoint: Path
) -> dict:
    """The BuiltModel fields every family fills alike: the LLM, its tokenizer, chat template,
    special tokens and where it came from (``proc``: the family's ProcessorFiles)."""
    cfg = proc.config
    return {
        "preset": preset,
        "llm": llm_of(model, text_model, preset.max_seq_len),
        "tokenizer": proc.tokenizer,
        "chat": proc.chat,
        "eos_ids": eos_ids(proc.tokenizer, cfg.text_config, checkpoint),
        "bos_id": proc.tokenizer.bos_token_id,
        "source": Source(kind="hf-checkpoint", checkpoint=str(checkpoint), model_type=cfg.model_type),
    }
