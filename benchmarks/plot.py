"""Grouped horizontal bar charts as PNG, drawn with Pillow (no plotting library needed).

One chart per metric keeps different units apart: ``bar_chart(path, "decode tok/s",
{"bluev": 160.0, "llama.cpp": 119.0})``. Optional error bars show the spread (min..max).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bluev.fileio import atomic_path

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#17becf"]


@dataclass(frozen=True)
class Bar:
    value: float
    low: float | None = None  # spread, drawn as a whisker from low to high
    high: float | None = None


@dataclass(frozen=True)
class Panel:
    """One metric: a title with its unit, and one bar per label."""

    title: str
    bars: Mapping[str, Bar | float]


def _as_bar(value: Bar | float) -> Bar:
    return value if isinstance(value, Bar) else Bar(float(value))


def bar_chart(out: Path, panels: list[Panel], width: int = 720) -> Path:
    """Draw ``panels`` stacked vertically into ``out`` (written atomically); returns ``out``."""
    font = ImageFont.load_default()
    row, pad, label_w = 22, 12, 170
    heights = [row * (len(p.bars) + 1) + pad for p in panels]
    image = Image.new("RGB", (width, sum(heights) + pad), "white")
    draw = ImageDraw.Draw(image)
    top = pad
    for panel, height in zip(panels, heights, strict=True):
        bars = {label: _as_bar(v) for label, v in panel.bars.items()}
        draw.text((pad, top), panel.title, fill="black", font=font)
        scale_max = max([b.high or b.value for b in bars.values()] + [1e-9])
        plot_w = width - label_w - 2 * pad - 70
        for i, (label, bar) in enumerate(bars.items()):
            y = top + row * (i + 1)
            draw.text((pad, y + 4), label[:26], fill="black", font=font)
            x0 = label_w + pad
            x1 = x0 + int(plot_w * max(bar.value, 0.0) / scale_max)
            draw.rectangle([x0, y + 3, max(x1, x0 + 1), y + row - 3], fill=PALETTE[i % len(PALETTE)])
            if bar.low is not None and bar.high is not None:
                lo = x0 + int(plot_w * bar.low / scale_max)
                hi = x0 + int(plot_w * bar.high / scale_max)
                mid = y + row // 2
                draw.line([lo, mid, hi, mid], fill="black", width=1)
                draw.line([lo, mid - 4, lo, mid + 4], fill="black")
                draw.line([hi, mid - 4, hi, mid + 4], fill="black")
            draw.text((max(x1, x0) + 6, y + 4), f"{bar.value:.4g}", fill="black", font=font)
        top += height
    with atomic_path(out) as tmp:
        image.save(tmp, format="PNG")
    return out
