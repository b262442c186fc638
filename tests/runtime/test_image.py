"""Image side of tiling on real files written by the tests: modes, EXIF, tiles, guards."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from bluev.errors import BadInput
from bluev.runtime.image import load_tiles, open_for_tiling, open_image, tile_image
from bluev.runtime.tiler import TilerConfig


def save(tmp_path, img: Image.Image, name: str, **kw) -> str:
    path = tmp_path / name
    img.save(path, **kw)
    return str(path)


def gradient(w: int, h: int) -> Image.Image:
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :].repeat(h, 0)
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None].repeat(w, 1)
    rgb = np.stack([x, y, 255 - x], axis=-1).astype(np.uint8)
    return Image.fromarray(rgb, "RGB")


def test_tiles_shape_dtype_range_and_order(tmp_path):
    path = save(tmp_path, gradient(1000, 500), "g.png")
    tiled = load_tiles(path)
    p = tiled.plan
    assert p.thumbnail and p.tiles > 1
    assert tiled.pixels.shape == (p.tiles + 1, 3, 384, 384)
    assert tiled.pixels.dtype == np.float32 and tiled.pixels.flags["C_CONTIGUOUS"]
    assert tiled.pixels.min() >= -1.0 and tiled.pixels.max() <= 1.0
    # tile k is the canvas crop k, normalised: the thumbnail comes first
    canvas = np.asarray(tiled.canvas, dtype=np.float32) / 127.5 - 1.0
    for k, (left, top, right, bottom) in enumerate(p.tile_boxes):
        expect = canvas[top:bottom, left:right].transpose(2, 0, 1)
        np.testing.assert_allclose(tiled.pixels[k + 1], expect, atol=1e-6)


def test_padding_is_black_and_content_is_centred():
    tiled = tile_image(Image.new("RGB", (384, 200), (255, 255, 255)))
    assert tiled.plan.grid == (1, 1) and tiled.plan.content_size == (384, 200)
    px = tiled.pixels[0]
    assert np.all(px[:, 0, :] == -1.0) and np.all(px[:, -1, :] == -1.0)  # pad rows
    assert np.all(px[:, 192, :] == 1.0)  # white content in the middle
    assert np.all(px[:, 92:292, :] == 1.0)  # (384-200)//2 = 92


def test_internvl_stretches_without_padding():
    tiled = tile_image(
        Image.new("RGB", (380, 76), (255, 255, 255)), TilerConfig(policy="internvl", max_tiles=6)
    )
    assert tiled.plan.grid == (5, 1)
    assert np.all(tiled.pixels == 1.0)


def test_exif_orientation_is_applied(tmp_path):
    # landscape pixels with "rotate 90 CW to view" (orientation 6): upright it is portrait
    img = Image.new("RGB", (600, 200), (0, 0, 0))
    img.paste((255, 0, 0), (0, 0, 300, 200))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6
    path = save(tmp_path, img, "rot.jpg", exif=exif, quality=95)
    upright = open_image(path)
    assert upright.size == (200, 600)
    assert upright.getpixel((100, 100))[0] > 200  # red is now on top
    assert load_tiles(path).plan.image_size == (200, 600)


@pytest.mark.parametrize(
    "mode,value,expect",
    [
        ("RGBA", (255, 0, 0, 0), (255, 255, 255)),  # fully transparent -> white
        ("RGBA", (255, 0, 0, 255), (255, 0, 0)),
        ("LA", (0, 128), (127, 127, 127)),  # half-transparent black on white
        ("L", 77, (77, 77, 77)),
        ("1", 1, (255, 255, 255)),
        ("CMYK", (0, 255, 255, 0), (255, 0, 0)),
        ("I;16", 65535, (255, 255, 255)),
        ("I;16", 32896, (128, 128, 128)),
    ],
)
def test_modes_to_rgb(tmp_path, mode, value, expect):
    img = Image.new(mode, (40, 30), value)
    fmt = "TIFF" if mode == "CMYK" else "PNG"
    path = save(tmp_path, img, f"m.{fmt.lower()}", format=fmt)
    rgb = open_image(path)
    assert rgb.mode == "RGB" and rgb.size == (40, 30)
    assert rgb.getpixel((5, 5)) == pytest.approx(expect, abs=2)


def test_palette_with_transparency(tmp_path):
    img = Image.new("P", (20, 20), 0)
    img.putpalette([10, 20, 30] + [200, 100, 50] * 255)
    img.paste(1, (0, 0, 10, 20))
    path = save(tmp_path, img, "p.png", transparency=0)
    rgb = open_image(path)
    assert rgb.getpixel((15, 5)) == (255, 255, 255)  # transparent index -> white
    assert rgb.getpixel((5, 5)) == (200, 100, 50)


def test_deterministic(tmp_path):
    path = save(tmp_path, gradient(900, 700), "d.png")
    a, b = load_tiles(path), load_tiles(path)
    assert a.plan == b.plan and np.array_equal(a.pixels, b.pixels)


def test_missing_file(tmp_path):
    with pytest.raises(BadInput, match="no such image file"):
        open_image(tmp_path / "nope.png")


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("hello")
    with pytest.raises(BadInput, match="not an image"):
        open_image(path)


def test_truncated_image(tmp_path):
    path = save(tmp_path, gradient(300, 300), "t.jpg", quality=90)
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 3])
    with pytest.raises(BadInput, match="truncated"):
        open_image(path)


def test_pixel_cap(tmp_path):
    path = save(tmp_path, gradient(200, 100), "c.png")
    with pytest.raises(BadInput, match="over the 0 MP cap|MP cap"):
        open_image(path, max_pixels=10_000)


def test_decompression_bomb_file(tmp_path):
    # 400 MP of 1-bit pixels compresses to a few kB: Pillow itself calls it a bomb
    path = save(tmp_path, Image.new("1", (20000, 20000), 0), "bomb.png")
    with pytest.raises(BadInput, match="MP|bomb"):
        open_image(path, max_pixels=10**12)


@pytest.mark.parametrize("orientation", [1, 6])
def test_big_jpeg_decoded_at_reduced_scale_keeps_plan_and_tiles(tmp_path, orientation: int) -> None:
    """A 12 MP photo is decoded at 1/2 scale (covers the 3x2 canvas): same plan, same tiles within
    resampling noise, and the EXIF rotation is planned on the upright size."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = save(tmp_path, gradient(4032, 3024), "photo.jpg", quality=92, exif=exif)
    cfg = TilerConfig(max_tiles=8)
    reduced = load_tiles(path, cfg)
    full = tile_image(open_image(path), cfg)
    assert reduced.plan == full.plan
    upright = (3024, 4032) if orientation == 6 else (4032, 3024)
    assert reduced.plan.image_size == upright
    decoded, _ = open_for_tiling(path, cfg)
    assert decoded.size == (upright[0] // 2, upright[1] // 2)  # 1/4 would be under the 1152x768 canvas
    assert reduced.canvas.size == full.canvas.size
    diff = np.abs(reduced.pixels - full.pixels)
    assert diff.mean() < 0.01 and diff.max() < 0.2  # [-1, 1] scale: DCT scaling vs bicubic, edges only
