"""Image layouts by manifest ``layout.kind``: how a picture reaches the LLM, per model family.

``bluelm-v`` (bluev's presets), ``llava-anyres`` (LLaVA-OneVision, LLaVA-NeXT), ``idefics3``
(SmolVLM, Idefics3) and ``internvl`` (InternVL, HF format); see base.py for what each
provides and docs/families.md for what each reproduces.
"""

from __future__ import annotations

from pathlib import Path

from bluev.errors import BadInput
from bluev.runtime.layouts.base import EncodedImage, ImagePlan, Layout, PromptIds, prompt_ids
from bluev.runtime.layouts.bluelm_v import BlueLmVLayout
from bluev.runtime.layouts.idefics3 import Idefics3Layout, plan_split
from bluev.runtime.layouts.internvl import InternVLLayout
from bluev.runtime.layouts.llava_anyres import AnyresLayout, plan_anyres
from bluev.runtime.manifest import Manifest
from bluev.runtime.tiler import plan_tiles

__all__ = ["EncodedImage", "ImagePlan", "Layout", "PromptIds", "open_layout", "plan_for", "prompt_ids"]


def open_layout(manifest: Manifest, root: Path) -> Layout:
    """The reader of a multimodal manifest's layout (its data files are read from ``root``)."""
    spec, vision = manifest.layout, manifest.vision
    if spec is None or vision is None:
        raise BadInput(f"{root}: the {manifest.preset} artifacts are text-only (no image layout)")
    if spec.kind == "llava-anyres":
        return AnyresLayout(spec, vision, root)
    if spec.kind == "idefics3":
        return Idefics3Layout(spec, vision)
    if spec.kind == "internvl":
        return InternVLLayout(spec, vision)
    return BlueLmVLayout(spec, vision)


def plan_for(manifest: Manifest, width: int, height: int) -> ImagePlan:
    """The plan of a ``width`` x ``height`` picture from the manifest alone (no files read)."""
    spec, vision = manifest.layout, manifest.vision
    if spec is None or vision is None:
        raise BadInput(f"preset {manifest.preset}: text-only artifacts have no image layout")
    if spec.anyres is not None:
        return plan_anyres(width, height, vision.tiler, spec.anyres)
    if spec.idefics3 is not None:
        return plan_split(width, height, vision.tiler.tile_size, vision.tiler.tokens_per_tile, spec.idefics3)
    return plan_tiles(width, height, vision.tiler)  # bluelm-v and internvl: the tiler's own plan
