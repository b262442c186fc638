"""Layout ``bluelm-v``: bluev's own presets (BlueLM-V-3B's paper layout).

The tiler of runtime/tiler.py (relaxed matching by default), the thumbnail first and then
the tiles row-major, each tile's tokens as the projector returns them (196 after the 2x2
downsampler), spliced between the chat template's text before the image and the prompt.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import torch
from PIL import Image

from bluev.runtime.image import open_for_tiling, tile_stages
from bluev.runtime.manifest import ImageLayout, Vision
from bluev.runtime.tiler import TilePlan, plan_tiles


class BlueLmVLayout:
    def __init__(self, spec: ImageLayout, vision: Vision) -> None:
        self.spec, self.tiler = spec, vision.tiler

    def plan(self, width: int, height: int) -> TilePlan:
        return plan_tiles(width, height, self.tiler)

    def open(self, path: str | os.PathLike) -> tuple[Image.Image, TilePlan]:
        return open_for_tiling(path, self.tiler)

    def stages(self, img: Image.Image, plan: TilePlan) -> list[Callable[[], np.ndarray]]:
        return tile_stages(img, plan)

    def pack(self, plan: TilePlan, features: torch.Tensor) -> torch.Tensor:
        return features

    def image_text(self, plan: TilePlan) -> str | None:
        return None
