"""LLaVA-OneVision, and LLaVA-NeXT with a SigLIP tower: the ``llava-anyres`` layout.

Read as the checkpoint's processor and model read it: the image processor (its Pil
backend's settings, defaults resolved by transformers' own class), processor_config.json
(image token, feature strategy, ``vision_aspect_ratio``), the processor's chat template,
and config.json (pinpoints, feature layer, ``anyres_max_N``). The runtime reproduces them
from the manifest (runtime/layouts/llava_anyres.py). Refused, with the reason: a tower that
is not SigLIP, several feature layers, the "default" strategy (it drops a CLS token SigLIP
does not have), pinpoints that are not whole tiles, a processor that disagrees with its model.
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from transformers import (
    AutoModelForImageTextToText,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedTokenizerBase,
)
from transformers.models.llava_next.image_processing_pil_llava_next import LlavaNextImageProcessorPil
from transformers.models.llava_onevision.image_processing_pil_llava_onevision import (
    LlavaOnevisionImageProcessorPil,
)

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
from bluev.export.vision import Projector, VisionTower
from bluev.runtime.layouts.llava_anyres import pinpoint_grids, plan_anyres
from bluev.runtime.manifest import (
    Anyres,
    ChatTemplate,
    FileEntry,
    ImageLayout,
    ImagePrompt,
    Normalize,
)
from bluev.runtime.tiler import TilerConfig

SUPPORTED_LLMS = ("llama", "qwen2")
IMAGE_PROCESSORS = {
    "llava_onevision": LlavaOnevisionImageProcessorPil,
    "llava_next": LlavaNextImageProcessorPil,
}
NEWLINE_FILE = "image_newline.bin"
TEXT_MARGIN = 1024  # context for the text beside the largest image
ANYRES_MAX = re.compile(r"anyres_max_(\d+)")


class LlavaAnyres:
    name = "llava-anyres"
    model_types = ("llava_onevision", "llava_next")
    tilers = ("family", "relaxed")

    def check(self, config_path: Path, config: dict) -> None:
        cfg = load_config(config_path)
        vision, text = cfg.vision_config, cfg.text_config
        if vision.model_type != "siglip_vision_model":
            raise BadInput(
                f"{config_path}: vision tower {vision.model_type!r}: bluev exports SigLIP towers "
                "(siglip_vision_model) only"
            )
        if text.model_type not in SUPPORTED_LLMS:
            raise BadInput(f"{config_path}: LLM {text.model_type!r}: bluev exports Llama and Qwen2 LLMs only")
        if not isinstance(cfg.vision_feature_layer, int):
            raise BadInput(
                f"{config_path}: vision_feature_layer {cfg.vision_feature_layer}: several feature layers "
                "(concatenated) are not supported, only one"
            )
        if cfg.vision_feature_select_strategy != "full":
            raise BadInput(
                f"{config_path}: vision_feature_select_strategy {cfg.vision_feature_select_strategy!r} drops "
                "a CLS token that SigLIP does not have; only 'full' is supported"
            )
        if cfg.projector_hidden_act != "gelu":
            raise BadInput(f"{config_path}: projector activation {cfg.projector_hidden_act!r}: only gelu")
        tile = vision.image_size
        for h, w in cfg.image_grid_pinpoints:
            if h % tile or w % tile:
                raise BadInput(f"{config_path}: image_grid_pinpoints [{h}, {w}] is not whole {tile}px tiles")
        max_tiles_of(cfg, config_path)
        read_processor(config_path.parent)  # the processor's files too, before any weight is read

    def build(self, preset: Preset, checkpoint: Path, tiler: str) -> BuiltModel:
        proc = read_processor(checkpoint)
        cfg, image_proc = proc.config, proc.image_processor
        if tiler == "relaxed":
            print(
                f"bluev: warning: --tiler relaxed: {cfg.model_type} was trained on its processor's own grid "
                "choice (LLaVA-NeXT's over image_grid_pinpoints); its answers may differ from the model's",
                file=sys.stderr,
            )
        model = AutoModelForImageTextToText.from_pretrained(
            checkpoint, use_safetensors=True, dtype=torch.float32
        ).eval()
        inner = model.model
        newline = inner.image_newline.detach().to(torch.float32).numpy().astype("<f4").tobytes()
        anyres = anyres_of(cfg, image_proc.image_grid_pinpoints, newline, checkpoint)
        tiler_cfg = tiler_of(anyres, cfg.vision_config.image_size, tiler)
        context = context_for(cfg.text_config, tiler_cfg, anyres, preset)
        preset = replace(preset, tiler=tiler_cfg, max_seq_len=context)
        layout = ImageLayout(
            kind="llava-anyres",
            family=cfg.model_type,
            tiler=tiler,
            processor=image_processor_of(image_proc, str(checkpoint), "stretch", thumbnail_always=True),
            prompt=proc.turn,
            anyres=anyres,
        )
        mean, std = ([float(v) for v in values] for values in (image_proc.image_mean, image_proc.image_std))
        return BuiltModel(
            **text_fields(preset, model, inner.language_model, proc, checkpoint),
            tower=VisionTower(inner.vision_tower, cfg.vision_feature_layer).eval(),
            projector=projector_of(inner.multi_modal_projector),
            tiler=tiler_cfg,
            layout=layout,
            normalize=Normalize(mean=mean, std=std),
            data_files={NEWLINE_FILE: newline},
        )


def anyres_of(cfg: PretrainedConfig, pinpoints: list, newline: bytes, checkpoint: Path) -> Anyres:
    vision = cfg.vision_config
    return Anyres(
        pinpoints=[[int(h), int(w)] for h, w in pinpoints],
        feature_side=vision.image_size // vision.patch_size,
        max_tiles=max_tiles_of(cfg, checkpoint / "config.json"),
        newline=FileEntry(file=NEWLINE_FILE, sha256=hashlib.sha256(newline).hexdigest(), bytes=len(newline)),
    )


def tiler_of(anyres: Anyres, tile: int, tiler: str) -> TilerConfig:
    """The grid policy over the pinpoints' grids: LLaVA-NeXT's rule (the family's) or relaxed."""
    grids = pinpoint_grids(anyres, tile)
    return TilerConfig(
        policy="llava-next" if tiler == "family" else "relaxed",
        tile_size=tile,
        max_tiles=max(m * n for m, n in grids),
        grids=tuple(grids),
        tokens_per_tile=anyres.feature_side**2,
    )


@dataclass
class ProcessorFiles:
    """What the checkpoint's processor reads, read and checked against its model's config."""

    config: PretrainedConfig
    image_processor: object  # the family's transformers Pil image processor
    tokenizer: PreTrainedTokenizerBase
    chat: ChatTemplate
    turn: ImagePrompt


def read_processor(checkpoint: Path) -> ProcessorFiles:
    cfg = load_config(checkpoint / "config.json")
    image_proc = IMAGE_PROCESSORS[cfg.model_type].from_pretrained(checkpoint)
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    settings = processor_settings(checkpoint)
    check_processor(cfg, image_proc, settings, checkpoint)
    token = settings.get("image_token") or getattr(tokenizer, "image_token", None) or "<image>"
    token_id = tokenizer.convert_tokens_to_ids(token)
    if token_id != cfg.image_token_id:
        raise BadInput(
            f"{checkpoint}: image token {token!r} is id {token_id} in the tokenizer, "
            f"{cfg.image_token_id} in config.json"
        )
    template = processor_chat_template(checkpoint)
    chat, turn = render_turns(tokenizer, template, token, token_id, str(checkpoint))
    return ProcessorFiles(cfg, image_proc, tokenizer, chat, turn)


def max_tiles_of(cfg: PretrainedConfig, where: object) -> int | None:
    """OneVision's ``anyres_max_N`` (its N); None for LLaVA-NeXT, which never shrinks."""
    if cfg.model_type != "llava_onevision":
        return None
    found = ANYRES_MAX.fullmatch(str(cfg.vision_aspect_ratio))
    if found is None:
        ratio = cfg.vision_aspect_ratio
        raise BadInput(f"{where}: vision_aspect_ratio {ratio!r}: only anyres_max_N is supported")
    return int(found.group(1))


def check_processor(cfg: PretrainedConfig, proc: object, settings: dict, where: Path) -> None:
    """The processor must describe the pixels and tokens its model expects, or HF itself would fail."""
    tile = cfg.vision_config.image_size
    size, crop = proc.size, proc.crop_size
    sides = {size.height, size.width} if size.height else {size.shortest_edge}
    if sides != {tile} or (getattr(proc, "do_center_crop", False) and {crop.height, crop.width} != {tile}):
        raise BadInput(f"{where}: image processor size {dict(size)} does not make {tile}px tiles")
    pinpoints = [list(p) for p in proc.image_grid_pinpoints]
    if pinpoints != [list(p) for p in cfg.image_grid_pinpoints]:
        raise BadInput(f"{where}: the image processor's image_grid_pinpoints differ from config.json's")
    side = tile // cfg.vision_config.patch_size
    expect = {
        "num_image_tokens": side * side,
        "patch_size": cfg.vision_config.patch_size,
        "vision_feature_select_strategy": cfg.vision_feature_select_strategy,
        "num_additional_image_tokens": 0,
    }
    if cfg.model_type == "llava_onevision":
        expect["vision_aspect_ratio"] = cfg.vision_aspect_ratio
    for key, value in expect.items():
        if settings.get(key, value) != value:
            raise BadInput(
                f"{where / 'processor_config.json'}: {key} {settings[key]!r}, the model needs {value!r}"
            )


def context_for(text: PretrainedConfig, tiler: TilerConfig, anyres: Anyres, preset: Preset) -> int:
    """KV-cache length: the largest image's tokens (a picture exactly filling the largest canvas)
    plus room for text, in whole prefill chunks, at most the LLM's own context."""
    largest = max(plan_anyres(w, h, tiler, anyres).image_tokens for h, w in anyres.pinpoints)
    chunk = preset.chunk_size
    wanted = math.ceil((largest + TEXT_MARGIN) / chunk) * chunk
    return min(wanted, int(getattr(text, "max_position_embeddings", wanted)))


def projector_of(mmp: torch.nn.Module) -> Projector:
    """The checkpoint's 2-layer GELU MLP (no token downsampler: its features are 27x27 per tile)."""
    projector = Projector(mmp.linear_1.in_features, mmp.linear_2.out_features, downsample=False)
    with torch.no_grad():
        for ours, theirs in ((projector.linear_1, mmp.linear_1), (projector.linear_2, mmp.linear_2)):
            ours.weight.copy_(theirs.weight)
            if theirs.bias is not None:
                ours.bias.copy_(theirs.bias)
            else:  # multimodal_projector_bias false
                ours.bias.zero_()
    return projector.eval()
