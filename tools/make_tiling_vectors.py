"""Write tests/data/tiling_vectors.json: the tiler's answers that every port must reproduce.

Usage: python tools/make_tiling_vectors.py [OUT]   (or `make vectors`)
The format is documented in tests/data/TILING_VECTORS.md.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from bluev.fileio import atomic_write_text
from bluev.runtime.tiler import POLICIES, TilerConfig, plan_tiles

# (width, height, why the case is here)
SIZES: list[tuple[int, int, str]] = [
    (394, 390, "paper: LLaVA-NeXT enlarges to 2:2, relaxed keeps 1:1"),
    (380, 76, "paper: InternVL 1.5 (max 6) picks 5:1 = 25x the area"),
    (1, 1, "tiny"),
    (7, 3, "tiny, non-square"),
    (384, 384, "exactly one tile"),
    (383, 385, "just under/over one tile"),
    (768, 384, "exactly 2:1 tiles"),
    (768, 768, "exactly 2:2 tiles"),
    (1152, 384, "exactly 3:1 tiles"),
    (500, 400, "InternVL tie: aspect 1.25 halfway between 1:1 and 3:2, small area keeps 1:1"),
    (1000, 800, "InternVL tie: aspect 1.25, large area takes 3:2"),
    (640, 480, "VGA"),
    (1920, 1080, "full HD landscape"),
    (1080, 2400, "phone screenshot"),
    (4000, 3000, "12 MP photo, landscape"),
    (3000, 4000, "12 MP photo, portrait"),
    (2480, 3508, "A4 at 300 dpi"),
    (300, 3000, "1:10 strip"),
    (3000, 300, "10:1 strip"),
    (1, 10000, "extreme tall"),
    (10000, 1, "extreme wide"),
    (20000, 20000, "huge (size only: 400 MP)"),
    (1000, 1000, "square, needs 3:3 to avoid downscaling"),
    (800, 600, "4:3 mid-size"),
]

# Parameter sets beyond the defaults: phone caps, alpha extremes, other tile sizes.
VARIANTS: list[tuple[str, dict]] = [
    ("default", {}),
    ("phone cap 8", {"max_tiles": 8}),
    ("max 6", {"max_tiles": 6}),
    ("alpha 0", {"alpha": 0.0}),
    ("alpha 0.3", {"alpha": 0.3}),
    ("no thumbnail, min 2", {"thumbnail": False, "min_tiles": 2}),
    ("tile 336, max 4", {"tile_size": 336, "max_tiles": 4, "tokens_per_tile": 144}),
    ("explicit 2x4 grids", {"grids": ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (2, 3), (1, 4), (2, 4))}),
]

# Variants that matter for every size; the rest run on a subset to keep the file readable.
FULL = {"default", "phone cap 8"}
SUBSET = {
    (394, 390),
    (380, 76),
    (1, 10000),
    (10000, 1),
    (500, 400),
    (1000, 800),
    (4000, 3000),
    (1080, 2400),
    (300, 3000),
    (7, 3),
    (1000, 1000),
}


def case(width: int, height: int, why: str, name: str, cfg: TilerConfig) -> dict:
    plan = plan_tiles(width, height, cfg)
    params = cfg.to_dict()
    params["grids"] = [list(g) for g in cfg.grids] if cfg.grids is not None else None
    return {
        "id": f"{cfg.policy}/{name}/{width}x{height}",
        "note": why,
        "width": width,
        "height": height,
        "params": params,
        "expect": {
            "grid": list(plan.grid),
            "canvas": list(plan.canvas),
            "tiles": plan.tiles,
            "thumbnail": plan.thumbnail,
            "images_to_encode": plan.images_to_encode,
            "image_tokens": plan.image_tokens,
            "resize": plan.resize,
            "content": list(plan.content_size),
        },
    }


def build() -> dict:
    cases = []
    for name, overrides in VARIANTS:
        for policy in POLICIES:
            cfg = replace(TilerConfig(policy=policy), **overrides)
            for width, height, why in SIZES:
                if name in FULL or (width, height) in SUBSET:
                    cases.append(case(width, height, why, name, cfg))
    return {
        "format": "bluev-tiling-vectors",
        "version": 1,
        "generator": "tools/make_tiling_vectors.py",
        "doc": "tests/data/TILING_VECTORS.md",
        "cases": cases,
    }


def dumps(data: dict) -> str:
    """JSON with one case per line: readable, and a change shows as a one-line diff."""
    head = {k: v for k, v in data.items() if k != "cases"}
    lines = [json.dumps(head)[:-1] + ', "cases": [']
    lines += [
        json.dumps(c) + ("," if i < len(data["cases"]) - 1 else "") for i, c in enumerate(data["cases"])
    ]
    return "\n".join(lines) + "\n]}\n"


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/tiling_vectors.json")
    data = build()
    atomic_write_text(out, dumps(data))
    print(f"{out}: {len(data['cases'])} cases")


if __name__ == "__main__":
    main()
