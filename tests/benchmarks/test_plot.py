"""The PNG chart the benchmarks write: a real PNG, bars scaled to the values."""

from pathlib import Path

from PIL import Image

from bluev.benchmarks.plot import Bar, Panel, bar_chart


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
