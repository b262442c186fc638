"""Model families: one module per family reads a checkpoint as its own processor and model would.

A family turns a checkpoint directory into the eager modules we export (vision tower,
projector, our Transformer) and the manifest's description of its processor: the image
layout (runtime/layouts/ reads it), the chat template and special tokens. ``check`` refuses,
from config.json alone and before any weight is read, what the family cannot reproduce.
bluev's own presets are the ``bluelm-v`` layout (bluelm_v.py); checkpoints are detected
by config.json's ``model_type``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from bluev.errors import BadInput
from bluev.export.built_model import BuiltModel
from bluev.export.families.idefics3 import Idefics3Family
from bluev.export.families.internvl import InternVLFamily
from bluev.export.families.llava_onevision import LlavaAnyres
from bluev.export.presets import Preset


class Family(Protocol):
    name: str
    model_types: tuple[str, ...]
    tilers: tuple[str, ...]  # the --tiler choices it serves: "family" and maybe "relaxed"

    def check(self, config_path: Path, config: dict) -> None:
        """Refuse (BadInput, one line) what config.json shows the family cannot reproduce."""
        ...

    def build(self, preset: Preset, checkpoint: Path, tiler: str) -> BuiltModel:
        """The eager modules and the manifest's facts; ``tiler`` "family" or "relaxed"."""
        ...


FAMILIES: list[Family] = [LlavaAnyres(), Idefics3Family(), InternVLFamily()]


def detect(config_path: Path, config: dict, tiler: str = "family") -> Family:
    """The family of a checkpoint by its config.json ``model_type``, checked (``tiler`` too)."""
    kind = config.get("model_type")
    for family in FAMILIES:
        if kind in family.model_types:
            if tiler not in family.tilers:
                raise BadInput(
                    f"{config_path}: --tiler {tiler}: {kind} is served with its processor's own "
                    "grid only (docs/families.md); export without --tiler"
                )
            family.check(config_path, config)
            return family
    known = ", ".join(sorted(t for f in FAMILIES for t in f.model_types))
    raise BadInput(f"{config_path}: model_type {kind!r} is not a supported VLM family ({known})")
