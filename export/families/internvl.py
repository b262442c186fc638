"""InternVL in transformers' format (InternVLForConditionalGeneration, InternVL3-*-hf): layout internvl.

Read as the checkpoint's processor and model read it: ``GotOcr2ImageProcessor``'s Pil
backend (tile side, min / max patches, filter, ImageNet normalisation),
processor_config.json (``image_seq_length``), the tokenizer's named image tokens
(``<img>``, ``</img>``, ``<IMG_CONTEXT>``), the processor's chat template, and config.json
(feature layer and strategy, ``downsample_ratio``). The runtime reproduces them from the
manifest (runtime/layouts/internvl.py). Refused, with the reason: a tower or LLM of another
kind, several feature layers, the "full" strategy (its CLS row does not pixel-shuffle), a
ratio that is not 1 / integer, tiles of another size than the tower's, token counts that
disagree with the projector, image tokens the tokenizer does not have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from transformers import AutoModelForImageTextToText, AutoTokenizer, PretrainedConfig, PreTrainedTokenizerBase
from transformers.models.got_ocr2.image_processing_pil_got_ocr2 import GotOcr2ImageProcessorPil

from bluev.errors import BadInput
from bluev.export.built_model import BuiltModel
from bluev.export.families.checkpoint import (
    image_processor_of,
    load_config,
    processor_chat_template,
    processor_settings,
    render_turns,
    text_fields,
)
from bluev.export.presets import Preset
from bluev.export.towers.internvit import InternViTTower, InternVLProjector
from bluev.runtime.manifest import ChatTemplate, ImageLayout, ImagePrompt, InternVLWrap, Normalize
from bluev.runtime.tiler import TilerConfig

SUPPORTED_LLMS = ("qwen2", "llama")
# InternVLProcessor's names for its tokens, read off the tokenizer (tokenizer_config.json's
# extra_special_tokens)
TOKEN_NAMES = ("start_image_token", "end_image_token", "context_image_token")
TEXT_MARGIN = 1024  # context for the text beside the largest image


class InternVLFamily:
    name = "internvl"
    model_types = ("internvl",)
    tilers = ("family",)

    def check(self, config_path: Path, config: dict) -> None:
        cfg = load_config(config_path)
        vision, text = cfg.vision_config, cfg.text_config
        if vision.model_type != "internvl_vision":
            raise BadInput(
                f"{config_path}: vision tower {vision.model_type!r}: InternVL needs internvl_vision"
            )
        if text.model_type not in SUPPORTED_LLMS:
            raise BadInput(f"{config_path}: LLM {text.model_type!r}: bluev exports Llama and Qwen2 LLMs only")
        if not isinstance(cfg.vision_feature_layer, int):
            raise BadInput(
                f"{config_path}: vision_feature_layer {cfg.vision_feature_layer}: several feature layers "
                "(concatenated) are not supported, only one"
            )
        if cfg.vision_feature_select_strategy != "default":
            raise BadInput(
                f"{config_path}: vision_feature_select_strategy {cfg.vision_feature_select_strategy!r}: its "
                "CLS row does not pixel-shuffle; only 'default' is supported"
            )
        factor = round(1 / cfg.downsample_ratio)
        if abs(factor * cfg.downsample_ratio - 1) > 1e-6:
            raise BadInput(
                f"{config_path}: downsample_ratio {cfg.downsample_ratio}: only 1 / integer is supported"
            )
        if not vision.use_absolute_position_embeddings:
            raise BadInput(
                f"{config_path}: an InternViT without absolute position embeddings is not supported"
            )
        if cfg.projector_hidden_act != "gelu":
            raise BadInput(f"{config_path}: projector activation {cfg.projector_hidden_act!r}: only gelu")
        read_processor(config_path.parent)  # the processor's files too, before any weight is read

    def build(self, preset: Preset, checkpoint: Path, tiler: str) -> BuiltModel:
        proc = read_processor(checkpoint)
        cfg, image_proc = proc.config, proc.image_processor
        model = AutoModelForImageTextToText.from_pretrained(
            checkpoint, use_safetensors=True, dtype=torch.float32
        ).eval()
        inner = model.model
        tiler_cfg = proc.tiler
        preset = replace(preset, tiler=tiler_cfg, max_seq_len=context_for(cfg.text_config, tiler_cfg, preset))
        layout = ImageLayout(
            kind="internvl",
            family=cfg.model_type,
            tiler="family",
            processor=image_processor_of(image_proc, str(checkpoint), "stretch", thumbnail_always=False),
            prompt=proc.turn,
            anyres=None,
            internvl=proc.wrap,
        )
        mean, std = ([float(v) for v in values] for values in (image_proc.image_mean, image_proc.image_std))
        tower = InternViTTower(
            inner.vision_tower, cfg.vision_feature_layer, cfg.vision_feature_select_strategy
        )
        return BuiltModel(
            **text_fields(preset, model, inner.language_model, proc, checkpoint),
            tower=tower.eval(),
            projector=InternVLProjector(inner.multi_modal_projector, cfg.downsample_ratio).eval(),
            tiler=tiler_cfg,
            layout=layout,
            normalize=Normalize(mean=mean, std=std),
        )


@dataclass
class ProcessorFiles:
    """What the checkpoint's processor reads, read and checked against its model's config."""

    config: PretrainedConfig
    image_processor: object  # GotOcr2ImageProcessorPil
    tokenizer: PreTrainedTokenizerBase
    chat: ChatTemplate
    turn: ImagePrompt
    wrap: InternVLWrap
    tiler: TilerConfig


def read_processor(checkpoint: Path) -> ProcessorFiles:
    cfg = load_config(checkpoint / "config.json")
    image_proc = GotOcr2ImageProcessorPil.from_pretrained(checkpoint)
    side = square_side(cfg.vision_config.image_size, checkpoint / "config.json")
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    vocab = tokenizer.get_vocab()
    start, end, context = (getattr(tokenizer, name, None) for name in TOKEN_NAMES)
    for name, token in zip(TOKEN_NAMES, (start, end, context), strict=True):
        if token is None or token not in vocab:
            raise BadInput(f"{checkpoint}: the tokenizer names no {name} it has (tokenizer_config.json)")
    if vocab[context] != cfg.image_token_id:
        raise BadInput(
            f"{checkpoint}: {context} is id {vocab[context]}, config.json says {cfg.image_token_id}"
        )
    tokens = check_processor(cfg, image_proc, processor_settings(checkpoint), checkpoint)
    chat, turn = render_turns(
        tokenizer, processor_chat_template(checkpoint), context, vocab[context], str(checkpoint)
    )
    tiler = TilerConfig(
        policy="internvl",
        tile_size=side,
        min_tiles=int(image_proc.min_patches),
        max_tiles=int(image_proc.max_patches),
        thumbnail=True,  # GotOcr2's use_thumbnail: beside a grid of more than one tile
        tokens_per_tile=tokens,
    )
    return ProcessorFiles(cfg, image_proc, tokenizer, chat, turn, InternVLWrap(start, end), tiler)


def check_processor(cfg: PretrainedConfig, proc: object, settings: dict, where: Path) -> int:
    """The processor must make the tiles and token counts its model expects; returns tokens per tile."""
    side = square_side(cfg.vision_config.image_size, where / "config.json")
    patch = square_side(cfg.vision_config.patch_size, where / "config.json")
    if (proc.size.height, proc.size.width) != (side, side):
        raise BadInput(f"{where}: image processor size {dict(proc.size)} does not make {side}px tiles")
    if not proc.do_normalize or not proc.do_resize:
        raise BadInput(f"{where}: an image processor without resize or normalisation is not supported")
    tokens = round((side // patch) ** 2 * cfg.downsample_ratio**2)
    if settings.get("image_seq_length", tokens) != tokens:
        raise BadInput(
            f"{where / 'processor_config.json'}: image_seq_length {settings['image_seq_length']}, "
            f"the projector makes {tokens} per tile"
        )
    return tokens


def square_side(size: int | list[int], where: Path) -> int:
    """InternVL's configs give sizes as [height, width] (or one int)."""
    height, width = size if isinstance(size, list | tuple) else (size, size)
    if height != width:
        raise BadInput(f"{where}: {height}x{width} tiles or patches: only square ones are supported")
    return int(height)


def context_for(text: PretrainedConfig, tiler: TilerConfig, preset: Preset) -> int:
    """KV-cache length: the most tiles (plus the thumbnail) plus room for text."""
    largest = (tiler.max_tiles + 1) * tiler.tokens_per_tile
    chunk = preset.chunk_size
    wanted = math.ceil((largest + 2 + TEXT_MARGIN) / chunk) * chunk
    return min(wanted, int(getattr(text, "max_position_embeddings", wanted)))
