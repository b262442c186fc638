"""Layout ``internvl``: InternVL (HF format), as ``GotOcr2ImageProcessor`` and ``InternVLProcessor`` do it.

Pixels: InternVL 1.5's grid (the ``internvl`` policy of runtime/tiler.py over
``min_tiles``..``max_tiles``), the picture stretched onto it (Pillow, the processor's
filter) and cut row-major, then the thumbnail (the picture stretched to one tile) LAST,
only when the grid has more than one tile. Embeddings: the projector's per tile, in
tile order. Prompt: ``<img>`` + ``<IMG_CONTEXT>`` once per embedding + ``</img>``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

import numpy as np
import torch
from PIL import Image

from bluev.errors import BadInput
from bluev.runtime.image import normalise_as, open_image
from bluev.runtime.manifest import ImageLayout, Vision
from bluev.runtime.tiler import TilePlan, plan_tiles


class InternVLLayout:
    def __init__(self, spec: ImageLayout, vision: Vision) -> None:
        assert spec.internvl is not None  # ImageLayout checks kind and section together
        self.spec, self.vision, self.wrap = spec, vision, spec.internvl
        self.proc = spec.processor
        self.resample = Image.Resampling[self.proc.resample.upper()]

    def plan(self, width: int, height: int) -> TilePlan:
        return plan_tiles(width, height, self.vision.tiler)

    def open(self, path: str | os.PathLike) -> tuple[Image.Image, TilePlan]:
        img = open_image(path)  # decoded whole: the processor resizes the full-size pixels
        return img, self.plan(img.width, img.height)

    def normalise(self, tiles: list[Image.Image]) -> np.ndarray:
        norm = self.vision.normalize
        return normalise_as(tiles, norm.mean, norm.std, self.proc.rescale_factor, self.proc.rescale_dtype)

    def stages(self, img: Image.Image, plan: TilePlan) -> list[Callable[[], np.ndarray]]:
        t = plan.tile_size

        @functools.cache
        def canvas() -> Image.Image:
            return img.resize(plan.canvas, self.resample)

        stages = [lambda: self.normalise([canvas().crop(box) for box in plan.tile_boxes])]
        if plan.thumbnail:  # after the tiles: InternVL's order
            stages.append(lambda: self.normalise([img.resize((t, t), self.resample)]))
        return stages

    def pack(self, plan: TilePlan, features: torch.Tensor) -> torch.Tensor:
        if features.shape[0] != plan.image_tokens:
            raise BadInput(
                f"image features {list(features.shape)} do not fit the layout: "
                f"{plan.images_to_encode} tiles of {plan.tokens_per_tile}"
            )
        return features  # tile order is prompt order

    def image_text(self, plan: TilePlan) -> str | None:
        token = self.spec.prompt.image_token
        assert token is not None  # the family adapter refuses a checkpoint without one
        return self.wrap.start_token + token * plan.image_tokens + self.wrap.end_token
