"""Preset `hf`: a local checkpoint of a supported VLM family, served as its own processor serves it.

Loaded with transformers' own classes from safetensors only, never with remote code;
the family (export/families/, detected by config.json's model_type) reads what the
checkpoint's processor reads and describes it in the manifest.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from bluev.errors import BadInput
from bluev.export.built_model import BuiltModel
from bluev.export.families import Family, detect
from bluev.export.families.checkpoint import read_json
from bluev.export.presets import Preset
from bluev.fileio import sha256_file


def check_checkpoint(path: Path, tiler: str = "family") -> Family:
    """Refuse what we cannot load safely, or cannot reproduce, before transformers touches weights."""
    if not path.is_dir():
        raise BadInput(f"{path}: no such checkpoint directory")
    config_path = path / "config.json"
    if not config_path.is_file():
        raise BadInput(f"{config_path}: missing; not a Hugging Face checkpoint directory")
    if not list(path.glob("*.safetensors")):
        pickles = [p.name for p in path.glob("*.bin")] + [p.name for p in path.glob("*.pt")]
        why = f"only pickled weights ({', '.join(pickles)})" if pickles else "no *.safetensors files"
        raise BadInput(f"{path}: {why}; bluev loads safetensors checkpoints only")
    return detect(config_path, read_json(config_path), tiler)


def sha256_tree(folder: Path) -> str:
    """One hash over a checkpoint directory's files (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + sha256_file(path).encode())
    return digest.hexdigest()


def build_from_checkpoint(preset: Preset, checkpoint: Path, tiler: str = "family") -> BuiltModel:
    checkpoint = Path(checkpoint)
    model = check_checkpoint(checkpoint, tiler).build(preset, checkpoint, tiler)
    model.source = replace(model.source, sha256=sha256_tree(checkpoint))
    return model
