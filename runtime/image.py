"""Image side of tiling: load a file to RGB, place it on the canvas, cut tiles, normalise.

The output is what the vision encoder program takes: float32 NCHW, SigLIP
normalisation ``(x / 255 - 0.5) / 0.5`` so values lie in [-1, 1]. The thumbnail,
when the plan has one, comes first (LLaVA-NeXT / LLaVA-OneVision order: the
global view, then the tiles row-major).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from bluev.errors import BadInput
from bluev.runtime.tiler import TilePlan, TilerConfig, fit_size, plan_tiles

# A 12 MP phone photo is 12e6 pixels, an A4 scan at 600 dpi ~35e6; past this we
# refuse before decoding, so a crafted file cannot make us allocate gigabytes.
DEFAULT_MAX_PIXELS = 64_000_000
SIGLIP_MEAN = 0.5
SIGLIP_STD = 0.5
PAD_RGB = (0, 0, 0)  # LLaVA-NeXT's padding value: black, -1.0 after normalisation


@dataclass
class TiledImage:
    plan: TilePlan
    pixels: np.ndarray  # [thumbnail + tiles, 3, tile, tile] float32, normalised
    canvas: Image.Image  # the resized/padded RGB canvas the tiles were cut from


def open_image(
    path: str | os.PathLike,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    before_load: Callable[[Image.Image], None] | None = None,
) -> Image.Image:
    """Open an image file as upright RGB, refusing bombs, truncation and non-images.

    ``before_load`` sees the opened, not yet decoded file (size and EXIF known): the
    place to ask the decoder for a smaller draft.
    """
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such image file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
            width, height = img.size
            if width * height > max_pixels:
                raise BadInput(
                    f"{path}: {width}x{height} is {width * height / 1e6:.1f} MP, over the "
                    f"{max_pixels / 1e6:.0f} MP cap (decompression-bomb guard)"
                )
            if before_load is not None:
                before_load(img)
            img.load()
    except BadInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadInput(f"{path}: refused as a decompression bomb ({exc})") from None
    except UnidentifiedImageError:
        raise BadInput(f"{path}: not an image file Pillow can read") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise BadInput(f"{path}: unreadable or truncated image ({exc})") from None
    return to_rgb(upright(img))


ROTATING_ORIENTATIONS = (5, 6, 7, 8)  # EXIF orientations that swap width and height


def open_for_tiling(
    path: str | os.PathLike, cfg: TilerConfig, max_pixels: int = DEFAULT_MAX_PIXELS
) -> tuple[Image.Image, TilePlan]:
    """The upright RGB image and its tile plan, made from the full size.

    A JPEG is decoded at the smallest 1/2, 1/4 or 1/8 scale that still covers the
    canvas and a tile (libjpeg's DCT scaling): a 12 MP phone photo then decodes and
    resizes several times faster, and the tiles barely change.
    """
    plans: list[TilePlan] = []

    def plan_and_draft(img: Image.Image) -> None:
        try:
            rotated = img.getexif().get(0x0112) in ROTATING_ORIENTATIONS
        except (OSError, ValueError, SyntaxError):
            rotated = False
        width, height = (img.height, img.width) if rotated else img.size
        plans.append(plan_tiles(width, height, cfg))
        if img.format == "JPEG":
            canvas, tile = plans[0].canvas, plans[0].tile_size
            need = (max(canvas[0], tile), max(canvas[1], tile))
            img.draft("RGB", (need[1], need[0]) if rotated else need)

    img = open_image(path, max_pixels, before_load=plan_and_draft)
    return img, plans[0]


def upright(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag, so a portrait phone photo stays portrait."""
    try:
        return ImageOps.exif_transpose(img)
    except (OSError, ValueError, SyntaxError):
        return img  # a broken EXIF block is not worth refusing the picture for


def to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB; transparency is composited on white."""
    if img.mode == "P" or img.mode == "PA":
        img = img.convert("RGBA")
    if img.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        # 16/32-bit grey: Pillow's convert("L") clips at 255 instead of scaling.
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode != "F" or arr.max(initial=0) > 1.0 else 1.0
        arr = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        img = Image.fromarray(arr, mode="L")
    if img.mode in ("RGBA", "LA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if img.mode != "RGB":
        img = img.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV
    return img


def place_on_canvas(
    img: Image.Image, plan: TilePlan, resample: Image.Resampling = Image.Resampling.BICUBIC
) -> Image.Image:
    """Resize the image onto the plan's canvas: keep aspect and centre-pad, or stretch.

    ``plan`` is any plan with ``canvas``, ``resize`` and ``content_size`` (a family layout's too).
    """
    canvas_w, canvas_h = plan.canvas
    if plan.resize == "stretch":
        return img.resize((canvas_w, canvas_h), resample)
    content_w, content_h = plan.content_size
    resized = img.resize((content_w, content_h), resample)
    canvas = Image.new("RGB", (canvas_w, canvas_h), PAD_RGB)
    canvas.paste(resized, ((canvas_w - content_w) // 2, (canvas_h - content_h) // 2))
    return canvas


def thumbnail_of(img: Image.Image, plan: TilePlan) -> Image.Image:
    """The whole image on one tile, with the same resize rule as the tiles."""
    t = plan.tile_size
    if plan.resize == "stretch":
        return img.resize((t, t), Image.Resampling.BICUBIC)
    w, h = fit_size(*plan.image_size, t, t)  # the full size's aspect, even from a reduced decode
    canvas = Image.new("RGB", (t, t), PAD_RGB)
    canvas.paste(img.resize((w, h), Image.Resampling.BICUBIC), ((t - w) // 2, (t - h) // 2))
    return canvas


def normalise(tiles: list[Image.Image]) -> np.ndarray:
    """RGB tiles to float32 NCHW with SigLIP's mean/std (bluev's own presets)."""
    batch = np.stack([np.asarray(t, dtype=np.uint8) for t in tiles])  # N, H, W, 3
    batch = batch.astype(np.float32) * np.float32(1.0 / 255.0)
    batch = (batch - np.float32(SIGLIP_MEAN)) / np.float32(SIGLIP_STD)
    return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))


def normalise_as(
    tiles: list[Image.Image], mean: list[float], std: list[float], rescale_factor: float, rescale_dtype: str
) -> np.ndarray:
    """RGB tiles to float32 NCHW as a checkpoint's image processor does it.

    ``rescale_dtype`` "float64" is transformers' ``rescale`` (the product in float64, then
    cast), which differs from a float32 product in the last bit for about half the 256 values.
    """
    batch = np.stack([np.asarray(t, dtype=np.uint8) for t in tiles])  # N, H, W, 3
    if rescale_dtype == "float64":
        batch = (batch.astype(np.float64) * rescale_factor).astype(np.float32)
    else:
        batch = batch.astype(np.float32) * np.float32(rescale_factor)
    batch = (batch - np.asarray(mean, dtype=np.float32)) / np.asarray(std, dtype=np.float32)
    return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))


def tile_image(img: Image.Image, cfg: TilerConfig | None = None, plan: TilePlan | None = None) -> TiledImage:
    """Plan (unless given the plan of the full-size image), place, cut and normalise an RGB image."""
    plan = plan or plan_tiles(img.width, img.height, cfg)
    canvas = place_on_canvas(img, plan)
    tiles = [canvas.crop(box) for box in plan.tile_boxes]
    if plan.thumbnail:
        tiles.insert(0, thumbnail_of(img, plan))
    return TiledImage(plan=plan, pixels=normalise(tiles), canvas=canvas)


def tile_stages(img: Image.Image, plan: TilePlan) -> list[Callable[[], np.ndarray]]:
    """The tiles of `tile_image` as two steps, in encoder order: the thumbnail (one small
    resize), then the grid (the canvas resize, the expensive part for a phone photo, and
    the crops). Pipelined encoding runs step k+1 while the encoder works on step k."""
    stages: list[Callable[[], np.ndarray]] = []
    if plan.thumbnail:
        stages.append(lambda: normalise([thumbnail_of(img, plan)]))

    def grid() -> np.ndarray:
        canvas = place_on_canvas(img, plan)
        return normalise([canvas.crop(box) for box in plan.tile_boxes])

    stages.append(grid)
    return stages


def load_tiles(
    path: str | os.PathLike,
    cfg: TilerConfig | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> TiledImage:
    """Image file -> tiles ready for the vision encoder."""
    img, plan = open_for_tiling(path, cfg or TilerConfig(), max_pixels)
    return tile_image(img, cfg, plan)
