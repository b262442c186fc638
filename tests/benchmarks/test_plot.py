"""The PNG chart the benchmarks write: a real PNG, bars scaled to the values."""

from pathlib import Path

from PIL import Image, ImageColor

from bluev.benchmarks.plot import PALETTE, Bar, Panel, Point, bar_chart, line_chart


def test_bar_chart_draws_longer_bars_for_larger_values(tmp_path: Path) -> None:
    out = bar_chart(
        tmp_path / "chart.png",
        [Panel("decode tok/s", {"small": 10.0, "large": Bar(40.0, 35.0, 45.0)}), Panel("ms", {"x": 1.0})],
    )
    image = Image.open(out).convert("RGB")
    assert image.size[0] == 720
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]  # no temp file left behind

    def bar_length(row_y: int) -> int:
        background = [(255, 255, 255), (0, 0, 0)]
        return sum(1 for x in range(image.size[0]) if image.getpixel((x, row_y)) not in background)

    small, large = bar_length(12 + 22 + 6), bar_length(12 + 44 + 6)
    assert small > 0 and 3.5 < large / small < 4.5


def test_line_chart_puts_larger_values_higher(tmp_path: Path) -> None:
    series = {
        "fast": [Point(128, 400.0, 380.0, 420.0), Point(2040, 300.0)],
        "slow": [Point(128, 100.0), Point(2040, 50.0)],
    }
    out = line_chart(tmp_path / "curve.png", "prefill tok/s", "prompt tokens", series)
    image = Image.open(out).convert("RGB")
    assert image.size == (720, 420)
    assert [p.name for p in tmp_path.iterdir()] == ["curve.png"]  # no temp file left behind

    def rows_of(color: str, x: int) -> list[int]:
        rgb = ImageColor.getrgb(color)
        return [y for y in range(image.size[1]) if image.getpixel((x, y)) == rgb]

    # the first point of each line sits on the plot's left edge (x = 70): fast's marker is
    # above slow's, each at its value's height on a y axis from 0 to 1.1 x the largest whisker
    fast, slow = rows_of(PALETTE[0], 72), rows_of(PALETTE[1], 72)
    plot_top, plot_h, y_max = 30, 420 - 30 - 40, 420.0 * 1.1
    assert fast and slow and max(fast) < min(slow)
    assert abs(sum(slow) / len(slow) - (plot_top + plot_h - plot_h * 100.0 / y_max)) < 4
