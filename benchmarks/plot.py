"""Grouped horizontal bar charts and small line charts as PNG, drawn with Pillow (no plotting library).

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


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    low: float | None = None  # spread, drawn as a vertical whisker
    high: float | None = None


def line_chart(
    out: Path, title: str, x_label: str, series: Mapping[str, list[Point]], size: tuple[int, int] = (720, 420)
) -> Path:
    """One line per series over a shared linear x axis (ticks at the points), y from 0; returns ``out``."""
    font = ImageFont.load_default()
    width, height = size
    left, right, top, bottom = 70, 150, 30, 40  # room for y ticks, the legend, the title, x ticks
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    points = [p for line in series.values() for p in line]
    xs = sorted({p.x for p in points})
    x_lo, x_hi = (xs[0], xs[-1]) if xs and xs[0] != xs[-1] else (0.0, max(xs or [1.0]) or 1.0)
    y_hi = max([p.high or p.y for p in points] + [1e-9]) * 1.1
    plot_w, plot_h = width - left - right, height - top - bottom

    def at(x: float, y: float) -> tuple[int, int]:
        return (left + int(plot_w * (x - x_lo) / (x_hi - x_lo)), top + plot_h - int(plot_h * y / y_hi))

    draw.text((left, 8), title, fill="black", font=font)
    for i in range(5):  # y grid: 0, 1/4 .. of the top
        y = y_hi * i / 4
        _, py = at(x_lo, y)
        draw.line([left, py, left + plot_w, py], fill="#dddddd")
        draw.text((6, py - 6), f"{y:.4g}", fill="black", font=font)
    draw.rectangle([left, top, left + plot_w, top + plot_h], outline="black")
    for x in xs:
        px, _ = at(x, 0)
        draw.line([px, top + plot_h, px, top + plot_h + 4], fill="black")
        draw.text((px - 10, top + plot_h + 8), f"{x:g}", fill="black", font=font)
    draw.text((left + plot_w // 2 - 30, height - 14), x_label, fill="black", font=font)
    for i, (name, line) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        coords = [at(p.x, p.y) for p in sorted(line, key=lambda p: p.x)]
        if len(coords) > 1:
            draw.line(coords, fill=color, width=2)
        for p, (px, py) in zip(sorted(line, key=lambda p: p.x), coords, strict=True):
            draw.ellipse([px - 3, py - 3, px + 3, py + 3], fill=color)
            if p.low is not None and p.high is not None:
                draw.line([px, at(p.x, p.low)[1], px, at(p.x, p.high)[1]], fill=color)
        legend_y = top + 16 * i
        draw.rectangle([left + plot_w + 12, legend_y + 3, left + plot_w + 22, legend_y + 11], fill=color)
        draw.text((left + plot_w + 28, legend_y), name[:20], fill="black", font=font)
    with atomic_path(out) as tmp:
        image.save(tmp, format="PNG")
    return out
