"""The eager modules of a preset, built, and the facts about them the manifest records."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn
from transformers import PretrainedConfig, PreTrainedTokenizerBase

from bluev.export.llm import Transformer
from bluev.export.presets import Preset
from bluev.export.vision import Projector, VisionTower
from bluev.runtime.manifest import ChatTemplate, ImageLayout, Normalize, Source
from bluev.runtime.tiler import TilerConfig

PROMPT_MARK = "\x00PROMPT\x00"


@dataclass
class BuiltModel:
    """Eager modules and the facts the manifest records about them."""

    preset: Preset
    llm: Transformer | None  # None when built with with_llm=False (vision-only work)
    tokenizer: PreTrainedTokenizerBase  # saved as tokenizer.json
    chat: ChatTemplate
    eos_ids: list[int]
    bos_id: int | None
    source: Source
    tower: VisionTower | None = None
    projector: Projector | None = None
    tiler: TilerConfig | None = None
    hf_llm: nn.Module | None = None  # the HF reference, kept for parity tests and the eager baseline
    layout: ImageLayout | None = None  # how a picture reaches the LLM (multimodal models)
    normalize: Normalize = field(default_factory=lambda: Normalize(mean=[0.5] * 3, std=[0.5] * 3))
    data_files: dict[str, bytes] = field(default_factory=dict)  # written beside the programs (the
    # layout's image_newline), named by the manifest with their sha256
    extra: dict = field(default_factory=dict)


def chat_template_of(tokenizer: PreTrainedTokenizerBase) -> ChatTemplate:
    """Render the tokenizer's Jinja chat template once around a marker: the runtime needs no Jinja."""
    if not getattr(tokenizer, "chat_template", None):
        return ChatTemplate(prefix="", suffix="")
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": PROMPT_MARK}], add_generation_prompt=True, tokenize=False
    )
    prefix, _, suffix = text.partition(PROMPT_MARK)
    return ChatTemplate(prefix=prefix, suffix=suffix)


def eos_ids_of(tokenizer: PreTrainedTokenizerBase, config: PretrainedConfig) -> list[int]:
    """End-of-turn ids: the tokenizer's eos plus the model config's (SmolLM2: <|im_end|>)."""
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    cfg_eos = getattr(config, "eos_token_id", None)
    ids |= (
        set(cfg_eos) if isinstance(cfg_eos, list | tuple) else ({cfg_eos} if cfg_eos is not None else set())
    )
    if "<|im_end|>" in tokenizer.get_vocab():
        ids.add(tokenizer.convert_tokens_to_ids("<|im_end|>"))
    return sorted(i for i in ids if i is not None)
