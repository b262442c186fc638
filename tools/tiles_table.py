"""Print docs/tiling.md's "Why relaxed matching" table: image tokens per policy for phone inputs.

Usage: python tools/tiles_table.py   (or `make tiles-table`)
"""

from __future__ import annotations

from bluev.runtime.tiler import POLICIES, TilerConfig, plan_tiles

INPUTS: list[tuple[str, int, int]] = [
    ("12 MP photo, landscape", 4000, 3000),
    ("12 MP photo, portrait", 3000, 4000),
    ("phone screenshot", 1080, 2400),
    ("A4 scan, 300 dpi", 2480, 3508),
    ("1920x1080", 1920, 1080),
    ("640x480", 640, 480),
    ("300x3000 strip", 300, 3000),
    ("394x390 (paper)", 394, 390),
    ("380x76 (paper)", 380, 76),
]


def table(max_tiles: int = 9) -> str:
    head = "| input | size | " + " | ".join(POLICIES) + " |"
    rows = [head, "|" + "---|" * (2 + len(POLICIES))]
    for label, width, height in INPUTS:
        cells = []
        for policy in POLICIES:
            plan = plan_tiles(width, height, TilerConfig(policy=policy, max_tiles=max_tiles))
            m, n = plan.grid
            cells.append(f"{plan.image_tokens} ({m}:{n}{' +thumb' if plan.thumbnail else ''})")
        rows.append(f"| {label} | {width}x{height} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
