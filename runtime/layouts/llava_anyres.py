"""Layout ``llava-anyres``: LLaVA-OneVision and LLaVA-NeXT, as their processor and model do it.

Pixels (the image processor): the grid is the checkpoint's ``image_grid_pinpoints``
canvas that LLaVA-NeXT's ``select_best_resolution`` picks, scanned in the checkpoint's
order (or, exported with ``--tiler relaxed``, the relaxed rule over the same canvases);
the picture is resized into it keeping its aspect (sides rounded up) and centred on black,
then cut into tiles row-major; the base image is the whole picture stretched to one tile,
encoded first.

Embeddings (the model's ``pack_image_features``): the base image's features, then the
grid's tiles joined into one feature picture, its padding rows (or columns) cut off
(``unpad_image``), shrunk bilinearly when it holds more than 1.1x ``max_tiles`` tiles of
features (OneVision's ``anyres_max_N``), and the ``image_newline`` embedding after each
row. The prompt holds the image token once per embedding.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from bluev.errors import BadInput
from bluev.runtime.image import fit_size, normalise_as, open_image, place_on_canvas
from bluev.runtime.manifest import Anyres, ImageLayout, Vision
from bluev.runtime.tiler import TilerConfig, best_llava_next, best_relaxed


@dataclass(frozen=True)
class AnyresPlan:
    policy: str
    image_size: tuple[int, int]  # (width, height)
    grid: tuple[int, int]  # (columns, rows)
    tile_size: int
    feature_side: int
    unpadded: tuple[int, int]  # (rows, columns) of grid features kept by unpadding
    crop: tuple[int, int]  # (top, left) offset of the kept features
    packed: tuple[int, int]  # (rows, columns) after the anyres_max shrink (= unpadded when none)
    resize: str = "fit-pad"
    thumbnail: bool = True  # the base image, always
    tile_boxes: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def canvas(self) -> tuple[int, int]:
        return self.grid[0] * self.tile_size, self.grid[1] * self.tile_size

    @property
    def content_size(self) -> tuple[int, int]:
        return fit_size(*self.image_size, *self.canvas)

    @property
    def tiles(self) -> int:
        return self.grid[0] * self.grid[1]

    @property
    def images_to_encode(self) -> int:
        return self.tiles + 1

    @property
    def base_tokens(self) -> int:
        return self.feature_side**2

    @property
    def image_tokens(self) -> int:
        rows, cols = self.packed
        return self.base_tokens + rows * (cols + 1)  # one newline per row

    def summary(self) -> dict:
        return {
            "policy": self.policy,
            "image": list(self.image_size),
            "grid": list(self.grid),
            "canvas": list(self.canvas),
            "tiles": self.tiles,
            "thumbnail": True,
            "images_to_encode": self.images_to_encode,
            "tokens_per_tile": self.base_tokens,
            "image_tokens": self.image_tokens,
            "resize": self.resize,
            "content": list(self.content_size),
            "base_tokens": self.base_tokens,
            "unpadded": list(self.unpadded),
            "crop": list(self.crop),
            "packed": list(self.packed),
            "newline_tokens": self.packed[0],
        }


def pinpoint_grids(spec: Anyres, tile: int) -> list[tuple[int, int]]:
    """The pinpoints [height, width] as grids (columns, rows), in the checkpoint's order."""
    return [(w // tile, h // tile) for h, w in spec.pinpoints]


def unpadded_features(
    width: int, height: int, rows: int, cols: int
) -> tuple[tuple[int, int], tuple[int, int]]:
    """(kept rows, kept columns), (top, left) of a rows x cols feature picture of a width x height
    image: transformers' ``unpad_image``, its float rounding included."""
    if width / height > cols / rows:
        new_rows = int(round(height * (cols / width), 7))
        pad = (rows - new_rows) // 2
        return (rows - 2 * pad, cols), (pad, 0)
    new_cols = int(round(width * (rows / height), 7))
    pad = (cols - new_cols) // 2
    return (rows, cols - 2 * pad), (0, pad)


def shrunk(rows: int, cols: int, side: int, max_tiles: int | None) -> tuple[int, int]:
    """OneVision's anyres_max_N: a feature picture over 1.1x N tiles' worth is shrunk to about N."""
    if max_tiles is None:
        return rows, cols
    ratio = math.sqrt(rows * cols / (max_tiles * side**2))
    if ratio > 1.1:
        return int(rows // ratio), int(cols // ratio)
    return rows, cols


def plan_anyres(width: int, height: int, tiler: TilerConfig, spec: Anyres) -> AnyresPlan:
    """The grid, the tiles and the feature picture's shapes of a ``width`` x ``height`` picture."""
    if width <= 0 or height <= 0:
        raise BadInput(f"image size {width}x{height}: width and height must be positive")
    side = spec.feature_side
    t = tiler.tile_size
    grids = pinpoint_grids(spec, t)
    if tiler.policy == "relaxed":
        grid = best_relaxed(width, height, grids, t, tiler.alpha)
    else:
        grid = best_llava_next(width, height, grids, t)
    cols, rows = grid
    kept, crop = unpadded_features(width, height, rows * side, cols * side)
    return AnyresPlan(
        policy=tiler.policy,
        image_size=(width, height),
        grid=grid,
        tile_size=t,
        feature_side=side,
        unpadded=kept,
        crop=crop,
        packed=shrunk(*kept, side, spec.max_tiles),
        tile_boxes=[(c * t, r * t, (c + 1) * t, (r + 1) * t) for r in range(rows) for c in range(cols)],
    )


class AnyresLayout:
    def __init__(self, spec: ImageLayout, vision: Vision, root: Path) -> None:
        assert spec.anyres is not None  # ImageLayout checks kind and section together
        self.spec, self.vision, self.anyres = spec, vision, spec.anyres
        self.proc = spec.processor
        self.resample = Image.Resampling[self.proc.resample.upper()]
        path = root / self.anyres.newline.file
        try:
            self.newline = torch.from_numpy(np.fromfile(path, dtype="<f4").astype(np.float32))
        except (OSError, ValueError) as exc:
            raise BadInput(f"{path}: unreadable image_newline ({exc})") from None

    def plan(self, width: int, height: int) -> AnyresPlan:
        return plan_anyres(width, height, self.vision.tiler, self.anyres)

    def open(self, path: str | os.PathLike) -> tuple[Image.Image, AnyresPlan]:
        # decoded whole (no JPEG draft): the processor resizes the full-size pixels
        img = open_image(path)
        return img, self.plan(img.width, img.height)

    def normalise(self, tiles: list[Image.Image]) -> np.ndarray:
        norm = self.vision.normalize
        return normalise_as(tiles, norm.mean, norm.std, self.proc.rescale_factor, self.proc.rescale_dtype)

    def base_image(self, img: Image.Image, plan: AnyresPlan) -> Image.Image:
        t = plan.tile_size
        if self.proc.thumbnail_resize == "stretch":
            return img.resize((t, t), self.resample)
        w, h = fit_size(img.width, img.height, t, t)
        canvas = Image.new("RGB", (t, t), (0, 0, 0))
        canvas.paste(img.resize((w, h), self.resample), ((t - w) // 2, (t - h) // 2))
        return canvas

    def stages(self, img: Image.Image, plan: AnyresPlan) -> list[Callable[[], np.ndarray]]:
        def grid() -> np.ndarray:
            canvas = place_on_canvas(img, plan, self.resample)
            return self.normalise([canvas.crop(box) for box in plan.tile_boxes])

        return [lambda: self.normalise([self.base_image(img, plan)]), grid]

    def pack(self, plan: AnyresPlan, features: torch.Tensor) -> torch.Tensor:
        side, (cols, rows) = plan.feature_side, plan.grid
        dim = features.shape[-1]
        if features.shape[0] != plan.images_to_encode * side * side or self.newline.numel() != dim:
            raise BadInput(
                f"image features {list(features.shape)} do not fit the layout: {plan.images_to_encode} "
                f"tiles of {side}x{side}, newline of {self.newline.numel()}"
            )
        base, grid = features[: side * side], features[side * side :]
        # tiles row-major -> one feature picture [rows*side, cols*side, D]
        grid = grid.reshape(rows, cols, side, side, dim).permute(0, 2, 1, 3, 4).reshape(rows * side, -1, dim)
        (kept_r, kept_c), (top, left) = plan.unpadded, plan.crop
        grid = grid[top : top + kept_r, left : left + kept_c]
        if plan.packed != plan.unpadded:
            chw = grid.permute(2, 0, 1).unsqueeze(0)
            grid = F.interpolate(chw, size=list(plan.packed), mode="bilinear")[0].permute(1, 2, 0)
        newline = self.newline.to(grid.dtype).expand(grid.shape[0], 1, dim)
        return torch.cat([base, torch.cat([grid, newline], dim=1).reshape(-1, dim)])

    def image_text(self, plan: AnyresPlan) -> str | None:
        token = self.spec.prompt.image_token
        assert token is not None  # the family adapter refuses a checkpoint without one
        return token * plan.image_tokens
