"""SmolVLM and Idefics3: the ``idefics3`` layout.

Read as the checkpoint's processor and model read it: the image processor (its Pil
backend's settings: longest edge, tile side, filter, splitting, normalisation),
processor_config.json (``image_seq_len``), the processor's chat template and token
strings, and config.json (``scale_factor``, the tower's size). The runtime reproduces
them from the manifest (runtime/layouts/idefics3.py). Refused, with the reason: a tower
or LLM of another kind, tiles of another size than the tower's, a processor whose
tokens per tile disagree with the connector, tokens the tokenizer does not have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from transformers import (
    AutoModelForImageTextToText,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedTokenizerBase,
)
from transformers.models.idefics3.image_processing_pil_idefics3 import (
    MAX_IMAGE_SIZE,
    Idefics3ImageProcessorPil,
)
from transformers.models.smolvlm.image_processing_pil_smolvlm import SmolVLMImageProcessorPil

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
from bluev.export.towers.idefics3 import Idefics3Projector, Idefics3Tower
from bluev.runtime.layouts.idefics3 import plan_split
from bluev.runtime.manifest import ChatTemplate, Idefics3Split, ImageLayout, ImagePrompt, Normalize
from bluev.runtime.tiler import TilerConfig

IMAGE_PROCESSORS = {"idefics3": Idefics3ImageProcessorPil, "smolvlm": SmolVLMImageProcessorPil}
TOWERS = {"idefics3": "idefics3_vision", "smolvlm": "smolvlm_vision"}
# Idefics3Processor's fixed strings; SmolVLMProcessor reads the same names off its tokenizer
TOKENS = {
    "fake_image_token": "<fake_token_around_image>",
    "image_token": "<image>",
    "global_image_token": "<global-img>",
}
TILE_TOKEN = "<row_{row}_col_{col}>"
TEXT_MARGIN = 1024  # context for the text beside the largest image


class Idefics3Family:
    name = "idefics3"
    model_types = ("idefics3", "smolvlm")
    tilers = ("family",)  # the grid follows the longest-edge resize: there is no grid choice to relax

    def check(self, config_path: Path, config: dict) -> None:
        cfg = load_config(config_path)
        tower = cfg.vision_config.model_type
        if tower != TOWERS[cfg.model_type]:
            raise BadInput(
                f"{config_path}: vision tower {tower!r}: {cfg.model_type} needs {TOWERS[cfg.model_type]}"
            )
        if cfg.text_config.model_type != "llama":
            raise BadInput(
                f"{config_path}: LLM {cfg.text_config.model_type!r}: SmolVLM / Idefics3 export Llama only"
            )
        side = cfg.vision_config.image_size // cfg.vision_config.patch_size
        if side % cfg.scale_factor:
            raise BadInput(
                f"{config_path}: scale_factor {cfg.scale_factor} does not divide the {side}x{side} patches"
            )
        read_processor(config_path.parent)  # the processor's files too, before any weight is read

    def build(self, preset: Preset, checkpoint: Path, tiler: str) -> BuiltModel:
        proc = read_processor(checkpoint)
        cfg, image_proc = proc.config, proc.image_processor
        model = AutoModelForImageTextToText.from_pretrained(
            checkpoint, use_safetensors=True, dtype=torch.float32
        ).eval()
        inner = model.model
        tiler_cfg = tiler_of(proc.split, cfg.vision_config.image_size, proc.tokens_per_tile)
        preset = replace(
            preset, tiler=tiler_cfg, max_seq_len=context_for(cfg.text_config, tiler_cfg, proc, preset)
        )
        layout = ImageLayout(
            kind="idefics3",
            family=cfg.model_type,
            tiler="family",
            processor=image_processor_of(image_proc, str(checkpoint), "stretch", thumbnail_always=True),
            prompt=proc.turn,
            anyres=None,
            idefics3=proc.split,
        )
        mean, std = ([float(v) for v in values] for values in (image_proc.image_mean, image_proc.image_std))
        return BuiltModel(
            **text_fields(preset, model, inner.text_model, proc, checkpoint),
            tower=Idefics3Tower(inner.vision_model).eval(),
            projector=Idefics3Projector(inner.connector).eval(),
            tiler=tiler_cfg,
            layout=layout,
            normalize=Normalize(mean=mean, std=std),
        )


@dataclass
class ProcessorFiles:
    """What the checkpoint's processor reads, read and checked against its model's config."""

    config: PretrainedConfig
    image_processor: object  # the family's transformers Pil image processor
    tokenizer: PreTrainedTokenizerBase
    chat: ChatTemplate
    turn: ImagePrompt
    split: Idefics3Split
    tokens_per_tile: int


def read_processor(checkpoint: Path) -> ProcessorFiles:
    cfg = load_config(checkpoint / "config.json")
    image_proc = IMAGE_PROCESSORS[cfg.model_type].from_pretrained(checkpoint)
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    tokens = {k: getattr(tokenizer, k, v) if cfg.model_type == "smolvlm" else v for k, v in TOKENS.items()}
    vocab = tokenizer.get_vocab()
    for token in tokens.values():
        if token not in vocab:  # the processor would add it, with an id the model never saw
            raise BadInput(f"{checkpoint}: the tokenizer has no {token} token")
    image_id = vocab[tokens["image_token"]]
    if image_id != cfg.image_token_id:
        raise BadInput(
            f"{checkpoint}: {tokens['image_token']} is id {image_id}, config.json says {cfg.image_token_id}"
        )
    tokens_per_tile = check_processor(cfg, image_proc, processor_settings(checkpoint), checkpoint)
    template = processor_chat_template(checkpoint)
    chat, turn = render_turns(tokenizer, template, tokens["image_token"], image_id, str(checkpoint))
    size = image_proc.size
    split = Idefics3Split(
        longest_edge=int(size["longest_edge"]),
        max_side=MAX_IMAGE_SIZE,
        splitting=bool(image_proc.do_image_splitting),
        fake_token=tokens["fake_image_token"],
        global_token=tokens["global_image_token"],
        tile_token=TILE_TOKEN,
    )
    return ProcessorFiles(cfg, image_proc, tokenizer, chat, turn, split, tokens_per_tile)


def check_processor(cfg: PretrainedConfig, proc: object, settings: dict, where: Path) -> int:
    """The processor must make the tiles and token counts its model expects; returns tokens per tile."""
    tile = cfg.vision_config.image_size
    if (proc.max_image_size or {}).get("longest_edge") != tile:
        raise BadInput(
            f"{where}: image processor max_image_size {proc.max_image_size} does not make {tile}px tiles"
        )
    if not proc.do_resize or "longest_edge" not in (proc.size or {}):
        raise BadInput(f"{where}: image processor size {proc.size}: only a longest_edge resize is supported")
    if not proc.do_normalize:
        raise BadInput(f"{where}: image processor without normalisation is not supported")
    side = tile // cfg.vision_config.patch_size
    tokens = side * side // cfg.scale_factor**2
    if settings.get("image_seq_len", tokens) != tokens:
        raise BadInput(
            f"{where / 'processor_config.json'}: image_seq_len {settings['image_seq_len']}, "
            f"the connector makes {tokens} per tile"
        )
    return tokens


def most_per_side(split: Idefics3Split, tile: int) -> int:
    """The most tiles along a side: the long side after the resize, in whole tiles."""
    longest = min(split.longest_edge, split.max_side)
    return max(1, math.ceil(longest / tile))


def tiler_of(split: Idefics3Split, tile: int, tokens: int) -> TilerConfig:
    """Only tile side, most tiles and tokens per tile are read for this layout (the grid is the
    resize's, runtime/layouts/idefics3.py); the policy named is the nearest of the tiler's."""
    side = most_per_side(split, tile) if split.splitting else 1
    grids = tuple((c, r) for r in range(1, side + 1) for c in range(1, side + 1))
    return TilerConfig(
        policy="llava-next", tile_size=tile, max_tiles=side * side, grids=grids, tokens_per_tile=tokens
    )


def context_for(text: PretrainedConfig, tiler: TilerConfig, proc: ProcessorFiles, preset: Preset) -> int:
    """KV-cache length: a square picture's tokens (the largest grid) plus room for text."""
    longest = proc.split.longest_edge
    # the run's pieces: its image tokens and the fake, tile and newline tokens around them
    largest = plan_split(longest, longest, tiler.tile_size, tiler.tokens_per_tile, proc.split).run_pieces
    chunk = preset.chunk_size
    wanted = math.ceil((largest + TEXT_MARGIN) / chunk) * chunk
    return min(wanted, int(getattr(text, "max_position_embeddings", wanted)))
