"""Plain-text tables for the terminal: the export summary, the benchmark and quant reports."""

from __future__ import annotations


def aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """``rows[0]`` as the header, a rule of dashes under it, every column padded to its widest cell."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return [lines[0], "  ".join("-" * w for w in widths), *lines[1:]]
