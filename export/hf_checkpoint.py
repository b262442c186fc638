"""Preset `hf`: a local LLaVA-family checkpoint (SigLIP tower + MLP projector + Llama/Qwen2 LLM).

Loaded with transformers' own classes from safetensors only, never with remote
code. The checkpoint's projector was trained without BlueLM-V's 2x2 token
downsampler, so it is exported as is: 729 tokens per tile. LLaVA-OneVision's
"unpad + image_newline" layout of anyres features is not reproduced; tiles are
spliced in order (thumbnail first), which is what our tiler produces.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import torch
from transformers import AutoModelForImageTextToText, AutoTokenizer

from bluev.errors import BadInput
from bluev.export.built_model import BuiltModel, chat_template_of, eos_ids_of
from bluev.export.llm import from_hf_state_dict
from bluev.export.presets import Preset
from bluev.export.vision import Projector, VisionTower
from bluev.fileio import sha256_file
from bluev.runtime.manifest import Source

SUPPORTED = {"llava_onevision", "llava_next", "llava"}
SUPPORTED_LLMS = {"llama", "qwen2"}


def check_checkpoint(path: Path) -> dict:
    """Refuse what we cannot load safely before transformers touches it."""
    if not path.is_dir():
        raise BadInput(f"{path}: no such checkpoint directory")
    config_path = path / "config.json"
    if not config_path.is_file():
        raise BadInput(f"{config_path}: missing; not a Hugging Face checkpoint directory")
    if not list(path.glob("*.safetensors")):
        pickles = [p.name for p in path.glob("*.bin")] + [p.name for p in path.glob("*.pt")]
        why = f"only pickled weights ({', '.join(pickles)})" if pickles else "no *.safetensors files"
        raise BadInput(f"{path}: {why}; bluev loads safetensors checkpoints only")
    try:
        config = json.loads(config_path.read_text())
    except ValueError as exc:
        raise BadInput(f"{config_path}: unreadable JSON ({exc})") from None
    kind = config.get("model_type")
    if kind not in SUPPORTED:
        raise BadInput(
            f"{config_path}: model_type {kind!r} is not a LLaVA-family model ({', '.join(sorted(SUPPORTED))})"
        )
    vision = (config.get("vision_config") or {}).get("model_type")
    text = (config.get("text_config") or {}).get("model_type")
    if vision != "siglip_vision_model" or text not in SUPPORTED_LLMS:
        raise BadInput(
            f"{config_path}: needs a SigLIP tower and a Llama/Qwen2 LLM, found {vision!r} + {text!r}"
        )
    return config


def sha256_tree(folder: Path) -> str:
    """One hash over a checkpoint directory's files (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + sha256_file(path).encode())
    return digest.hexdigest()


def build_from_checkpoint(preset: Preset, checkpoint: Path) -> BuiltModel:
    checkpoint = Path(checkpoint)
    check_checkpoint(checkpoint)
    model = AutoModelForImageTextToText.from_pretrained(checkpoint, use_safetensors=True, dtype=torch.float32)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    inner = model.model
    config = model.config
    feature_layer = config.vision_feature_layer
    if not isinstance(feature_layer, int):
        raise BadInput(f"{checkpoint}: several vision feature layers {feature_layer} are not supported")
    tower = VisionTower(inner.vision_tower, feature_layer).eval()
    mmp = inner.multi_modal_projector
    projector = Projector(mmp.linear_1.in_features, mmp.linear_2.out_features, downsample=False)
    projector.linear_1.load_state_dict(mmp.linear_1.state_dict())
    projector.linear_2.load_state_dict(mmp.linear_2.state_dict())
    llm_weights = {f"model.{k}": v for k, v in inner.language_model.state_dict().items()}
    llm_weights["lm_head.weight"] = model.lm_head.weight
    llm = from_hf_state_dict(config.text_config, llm_weights, preset.max_seq_len)
    vcfg = config.vision_config
    patches = (vcfg.image_size // vcfg.patch_size) ** 2
    tiler = replace(preset.tiler, tile_size=vcfg.image_size, tokens_per_tile=patches)
    return BuiltModel(
        preset=preset,
        llm=llm,
        tokenizer=tokenizer,
        chat=chat_template_of(tokenizer),
        eos_ids=eos_ids_of(tokenizer, config.text_config),
        bos_id=tokenizer.bos_token_id,
        tower=tower,
        projector=projector.eval(),
        tiler=tiler,
        source=Source(
            kind="hf-checkpoint",
            checkpoint=str(checkpoint),
            model_type=config.model_type,
            sha256=sha256_tree(checkpoint),
        ),
    )
