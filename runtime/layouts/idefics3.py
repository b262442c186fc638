"""Layout ``idefics3``: SmolVLM and Idefics3, as their image processor and processor do it.

Pixels (``Idefics3ImageProcessor``'s Pil backend): the picture is resized so that its
longest edge is ``longest_edge`` (the short side truncated, then made even), capped at
``max_side``; then resized to whole multiples of the tile side (the long side rounded up,
the short side derived from the new long side and rounded up too) and cut into tiles
row-major, the global image (that picture stretched to one tile) last. A picture that is
one tile by then is the global image alone. Every resize is Pillow's, on 8-bit RGB.

Embeddings: the connector's N per frame, in frame order, which is also prompt order.
Prompt: per tile ``<fake_token_around_image><row_r_col_c>`` + N ``<image>``, a newline
after each row, then ``\\n<fake_token_around_image><global-img>`` + N ``<image>`` +
``<fake_token_around_image>``.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from bluev.errors import BadInput
from bluev.runtime.image import normalise_as, open_image
from bluev.runtime.manifest import Idefics3Split, ImageLayout, Vision

POLICY = "longest-edge"


@dataclass(frozen=True)
class SplitPlan:
    image_size: tuple[int, int]  # (width, height)
    resized: tuple[int, int]  # after the longest-edge resize
    canvas: tuple[int, int]  # after the resize to whole tiles (= resized without splitting)
    grid: tuple[int, int]  # (columns, rows) as the processor counts them: (0, 0) for the global image alone
    tile_size: int
    tokens_per_tile: int
    policy: str = POLICY

    @property
    def tiles(self) -> int:
        return self.grid[0] * self.grid[1]

    @property
    def images_to_encode(self) -> int:
        return self.tiles + 1  # the global image, always

    @property
    def image_tokens(self) -> int:
        return self.images_to_encode * self.tokens_per_tile  # the <image> tokens: one per embedding

    @property
    def run_pieces(self) -> int:
        """The run's pieces of text: the image tokens, a fake token and a tile token per tile, a
        newline per row, "\n" + fake + global + fake around the global image. The tokenizer may
        join the last row's newline and the next one (SmolLM2's "\n\n")."""
        cols, rows = self.grid
        n = self.tokens_per_tile
        if not rows:
            return n + 3
        return rows * (cols * (n + 2) + 1) + n + 4

    @property
    def tile_boxes(self) -> list[tuple[int, int, int, int]]:
        cols, rows, t = *self.grid, self.tile_size
        return [(c * t, r * t, (c + 1) * t, (r + 1) * t) for r in range(rows) for c in range(cols)]

    def summary(self) -> dict:
        return {
            "policy": self.policy,
            "image": list(self.image_size),
            "resized": list(self.resized),
            "canvas": list(self.canvas),
            "grid": list(self.grid),
            "tiles": self.tiles,
            "thumbnail": True,
            "images_to_encode": self.images_to_encode,
            "tokens_per_tile": self.tokens_per_tile,
            "image_tokens": self.image_tokens,
            "run_pieces": self.run_pieces,
        }


def longest_edge_size(width: int, height: int, longest: int, max_side: int) -> tuple[int, int]:
    """transformers' ``_resize_output_size_rescale_to_max_len`` then ``..._scale_below_upper_bound``."""
    aspect = width / height
    if width >= height:
        width, height = longest, int(longest / aspect)
        height += height % 2
    else:
        height, width = longest, int(longest * aspect)
        width += width % 2
    width, height = max(width, 1), max(height, 1)
    aspect = width / height
    if width >= height and width > max_side:
        width, height = max_side, int(max_side / aspect)
    elif height > width and height > max_side:
        height, width = max_side, int(max_side * aspect)
    return max(width, 1), max(height, 1)


def whole_tiles_size(width: int, height: int, tile: int) -> tuple[int, int]:
    """``resize_for_vision_encoder``: the short side follows the long side's new length."""
    aspect = width / height
    if width >= height:
        width = math.ceil(width / tile) * tile
        height = math.ceil(int(width / aspect) / tile) * tile
    else:
        height = math.ceil(height / tile) * tile
        width = math.ceil(int(height * aspect) / tile) * tile
    return width, height


def plan_split(width: int, height: int, tile: int, tokens: int, spec: Idefics3Split) -> SplitPlan:
    if width <= 0 or height <= 0:
        raise BadInput(f"image size {width}x{height}: width and height must be positive")
    resized = longest_edge_size(width, height, spec.longest_edge, spec.max_side)
    canvas, grid = resized, (0, 0)
    if spec.splitting:
        canvas = whole_tiles_size(*resized, tile)
        w, h = canvas
        if w > tile or h > tile:
            grid = ((w - tile) // tile + 1, (h - tile) // tile + 1)
    return SplitPlan((width, height), resized, canvas, grid, tile, tokens)


def run_text(spec: Idefics3Split, image_token: str, plan: SplitPlan) -> str:
    """The processor's expansion of the image placeholder (``replace_image_token``)."""
    frame = image_token * plan.tokens_per_tile
    glob = spec.fake_token + spec.global_token + frame + spec.fake_token
    cols, rows = plan.grid
    if not rows:
        return glob
    text = ""
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            text += spec.fake_token + spec.tile_token.format(row=r, col=c) + frame
        text += "\n"
    return text + "\n" + glob


class Idefics3Layout:
    def __init__(self, spec: ImageLayout, vision: Vision) -> None:
        assert spec.idefics3 is not None  # ImageLayout checks kind and section together
        self.spec, self.vision, self.split = spec, vision, spec.idefics3
        self.proc = spec.processor
        self.resample = Image.Resampling[self.proc.resample.upper()]

    def plan(self, width: int, height: int) -> SplitPlan:
        tiler = self.vision.tiler
        return plan_split(width, height, tiler.tile_size, tiler.tokens_per_tile, self.split)

    def open(self, path: str | os.PathLike) -> tuple[Image.Image, SplitPlan]:
        img = open_image(path)  # decoded whole: the processor resizes the full-size pixels
        return img, self.plan(img.width, img.height)

    def normalise(self, frames: list[Image.Image]) -> np.ndarray:
        norm = self.vision.normalize
        return normalise_as(frames, norm.mean, norm.std, self.proc.rescale_factor, self.proc.rescale_dtype)

    def stages(self, img: Image.Image, plan: SplitPlan) -> list[Callable[[], np.ndarray]]:
        t = plan.tile_size

        @functools.cache
        def canvas() -> Image.Image:
            # the two resizes one after the other on 8-bit pixels, as in the processor
            return img.resize(plan.resized, self.resample).resize(plan.canvas, self.resample)

        def global_image() -> np.ndarray:
            return self.normalise([canvas().resize((t, t), self.resample)])

        if not plan.tiles:
            return [global_image]
        return [lambda: self.normalise([canvas().crop(box) for box in plan.tile_boxes]), global_image]

    def pack(self, plan: SplitPlan, features: torch.Tensor) -> torch.Tensor:
        if features.shape[0] != plan.images_to_encode * plan.tokens_per_tile:
            raise BadInput(
                f"image features {list(features.shape)} do not fit the layout: "
                f"{plan.images_to_encode} frames of {plan.tokens_per_tile}"
            )
        return features  # frame order is prompt order

    def image_text(self, plan: SplitPlan) -> str | None:
        token = self.spec.prompt.image_token
        assert token is not None  # the family adapter refuses a checkpoint without one
        return run_text(self.split, token, plan)
