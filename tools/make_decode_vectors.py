"""Write tests/data/decode_vectors.json: how large the host decodes a photo before tiling.

Usage: python tools/make_decode_vectors.py [OUT]
For each case a real JPEG of that size is written and opened with runtime/image.py's
``open_for_tiling``, which plans the tiles from the header's size and asks Pillow for a
1/2, 1/4 or 1/8 draft that still covers the canvas and a tile. The app's decoder must pick
the same subsampling (android_app/core PhotoDecode, tested by PhotoDecodeTest).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from PIL import Image

from bluev.runtime.image import open_for_tiling
from bluev.runtime.tiler import TilerConfig

# (stored width, stored height, EXIF orientation or None, why the case is here)
PHOTOS: list[tuple[int, int, int | None, str]] = [
    (4000, 3000, None, "12 MP photo, landscape"),
    (3000, 4000, None, "12 MP photo, portrait"),
    (4000, 3000, 6, "12 MP photo stored landscape, EXIF rotated to portrait"),
    (4032, 3024, None, "12 MP, 4:3 sensor"),
    (8000, 6000, None, "48 MP photo, landscape"),
    (6000, 8000, None, "48 MP photo, portrait"),
    (8000, 8000, None, "64 MP, the decompression-bomb cap"),
    (1920, 1080, None, "full HD"),
    (1080, 2400, None, "phone screenshot"),
    (640, 480, None, "VGA: no subsampling"),
    (394, 390, None, "paper: one tile"),
    (300, 3000, None, "1:10 strip"),
    (4000, 400, None, "10:1 strip"),
]

# Tiler settings the presets use: the default anyres limit, the phone cap, the tiny preset's.
CONFIGS: list[tuple[str, TilerConfig]] = [
    ("relaxed, max 9", TilerConfig()),
    ("relaxed, phone cap 8", replace(TilerConfig(), max_tiles=8)),
    ("relaxed, max 4 (tiny)", replace(TilerConfig(), max_tiles=4)),
    ("llava-next, max 9", TilerConfig(policy="llava-next")),
    ("internvl, max 6", replace(TilerConfig(policy="internvl"), max_tiles=6)),
]


def write_jpeg(path: Path, width: int, height: int, orientation: int | None) -> None:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    Image.new("RGB", (width, height), (90, 120, 200)).save(path, "JPEG", quality=50, exif=exif)


def case(path: Path, photo: tuple, name: str, cfg: TilerConfig) -> dict:
    width, height, orientation, why = photo
    img, plan = open_for_tiling(path, cfg)
    return {
        "id": f"{name}/{width}x{height}" + (f"/exif{orientation}" if orientation else ""),
        "note": why,
        "stored": [width, height],
        "orientation": orientation,
        "params": cfg.to_dict() | {"grids": None},
        "expect": {"upright": list(plan.image_size), "canvas": list(plan.canvas), "decoded": list(img.size)},
    }


def build() -> dict:
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, photo in enumerate(PHOTOS):
            path = Path(tmp) / f"photo{i}.jpg"
            write_jpeg(path, photo[0], photo[1], photo[2])
            cases += [case(path, photo, name, cfg) for name, cfg in CONFIGS]
            path.unlink()
    return {
        "format": "bluev-decode-vectors",
        "version": 1,
        "generator": "tools/make_decode_vectors.py",
        "doc": "the decoded size of a JPEG that runtime/image.py open_for_tiling reads",
        "cases": cases,
    }


def dumps(data: dict) -> str:
    """One case per line, as tiling_vectors.json: a change shows as a one-line diff."""
    head = {k: v for k, v in data.items() if k != "cases"}
    rows = [json.dumps(c) for c in data["cases"]]
    return json.dumps(head)[:-1] + ', "cases": [\n' + ",\n".join(rows) + "\n]}\n"


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/decode_vectors.json")
    data = build()
    part = out.with_name(out.name + ".part")  # rename over the old file only when complete
    part.write_text(dumps(data))
    os.replace(part, out)
    print(f"{out}: {len(data['cases'])} cases")


if __name__ == "__main__":
    main()
