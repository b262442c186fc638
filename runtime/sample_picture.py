"""Draw the sample picture `make run-sample` asks about (made by the project, no download).

Usage: python -m bluev.runtime.sample_picture OUT.png
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

from bluev.fileio import atomic_path


def draw_sample(width: int = 1024, height: int = 768) -> Image.Image:
    """A landscape: sky, sun, hills, a house with a red roof: several tiles' worth of content."""
    img = Image.new("RGB", (width, height), (135, 196, 235))
    d = ImageDraw.Draw(img)
    d.ellipse((width * 0.75, height * 0.08, width * 0.9, height * 0.28), fill=(255, 214, 64))
    d.polygon(
        [(0, height * 0.65), (width * 0.35, height * 0.45), (width * 0.7, height * 0.65)], fill=(84, 150, 70)
    )
    d.rectangle((0, height * 0.62, width, height), fill=(96, 170, 80))
    x0, y0 = width * 0.3, height * 0.5
    d.rectangle((x0, y0, x0 + width * 0.22, y0 + height * 0.22), fill=(236, 226, 200))
    d.polygon(
        [(x0 - 20, y0), (x0 + width * 0.11, y0 - height * 0.15), (x0 + width * 0.22 + 20, y0)],
        fill=(190, 40, 40),
    )
    d.rectangle(
        (x0 + width * 0.09, y0 + height * 0.1, x0 + width * 0.13, y0 + height * 0.22), fill=(110, 70, 40)
    )
    return img


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "artifacts/sample.png")
    with atomic_path(out) as tmp:
        draw_sample().save(tmp, format="PNG")
    print(f"sample image: {out}")


if __name__ == "__main__":
    main()
