"""Write tests/data/layout_vectors.json: each image layout's answers that every port must reproduce.

Usage: python tools/make_layout_vectors.py [OUT]   (or `make vectors`)
The format is documented in tests/data/LAYOUT_VECTORS.md. The layouts are the manifest's
own sections (runtime/manifest.py), so a reader parses a case's layout as it parses a
manifest's; tests/runtime/test_layout_vectors.py checks the file is fresh and that the
LLaVA cases are what transformers' own processors compute.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from bluev.export.presets import get_preset
from bluev.fileio import atomic_write_text
from bluev.runtime.layouts.idefics3 import SplitPlan, plan_split
from bluev.runtime.layouts.llava_anyres import AnyresPlan, plan_anyres
from bluev.runtime.manifest import Anyres, FileEntry, Idefics3Split, InternVLWrap
from bluev.runtime.tiler import TilePlan, TilerConfig, plan_tiles
from bluev.runtime.typed_json import to_json

# (width, height, why the case is here)
SIZES: list[tuple[int, int, str]] = [
    (900, 500, "the parity test's picture: 2 tiles wide, columns unpadded"),
    (500, 900, "portrait: rows unpadded"),
    (394, 390, "paper: LLaVA-NeXT enlarges to 2:2, relaxed keeps 1:1"),
    (380, 76, "paper: 5:1 strip"),
    (7, 3, "tiny, non-square"),
    (384, 384, "exactly one tile"),
    (768, 384, "exactly 2:1 tiles: nothing to unpad"),
    (1000, 1000, "square, needs 3:3 to avoid downscaling"),
    (640, 480, "VGA"),
    (1920, 1080, "full HD landscape (the export summary's picture)"),
    (1080, 2400, "phone screenshot"),
    (4000, 3000, "12 MP photo, landscape: anyres_max shrinks"),
    (3000, 4000, "12 MP photo, portrait"),
    (300, 3000, "1:10 strip"),
    (3000, 300, "10:1 strip"),
    (1, 10000, "extreme tall"),
    (10000, 1, "extreme wide"),
]

NO_FILE = FileEntry(file="image_newline.bin", sha256="0" * 64, bytes=0)  # not part of a plan

# LLaVA-OneVision's image processor default (the released checkpoints): 384px, up to 6x6
ONEVISION_PINPOINTS = [[384 * r, 384 * c] for r in range(1, 7) for c in range(1, 7)]
# LLaVA-NeXT's default, which its SigLIP variants keep at their tile size
NEXT_PINPOINTS = [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]]


def anyres_tiler(pinpoints: list[list[int]], tile: int, side: int, policy: str) -> TilerConfig:
    grids = tuple((w // tile, h // tile) for h, w in pinpoints)
    return TilerConfig(
        policy=policy,
        tile_size=tile,
        max_tiles=max(m * n for m, n in grids),
        grids=grids,
        tokens_per_tile=side**2,
    )


# SmolVLM-256M-Instruct's processor (longest edge 2048, 512 px tiles, 64 tokens) and the parity
# test's tiny one (tests/families/checkpoints.py: 512, 128 px, 4 tokens)
SMOLVLM = {
    "smolvlm/256m": (2048, 512, 64),
    "smolvlm/tiny-test": (512, 128, 4),
    "smolvlm/no-split": (2048, 512, 64),
}
# InternVL3-1B-hf's (448 px, 1..12 tiles, 256 tokens) and the parity test's (112 px, 16 tokens)
INTERNVL = {"internvl/internvl3": (448, 256), "internvl/tiny-test": (112, 16)}


def split_of(longest: int, splitting: bool) -> Idefics3Split:
    return Idefics3Split(
        longest_edge=longest,
        max_side=4096,
        splitting=splitting,
        fake_token="<fake_token_around_image>",
        global_token="<global-img>",
        tile_token="<row_{row}_col_{col}>",
    )


def family_layouts() -> dict[str, dict]:
    """The idefics3 and internvl layouts, with the sections their manifests carry."""
    table = {}
    for name, (longest, tile, tokens) in SMOLVLM.items():
        split = split_of(longest, splitting=not name.endswith("no-split"))  # do_image_splitting off
        side = -(-longest // tile) if split.splitting else 1
        grids = tuple((c, r) for r in range(1, side + 1) for c in range(1, side + 1))
        tiler = TilerConfig(
            policy="llava-next", tile_size=tile, max_tiles=side * side, grids=grids, tokens_per_tile=tokens
        )
        table[name] = {"kind": "idefics3", "tiler": tiler, "anyres": None, "idefics3": split}
    for name, (tile, tokens) in INTERNVL.items():
        tiler = TilerConfig(policy="internvl", tile_size=tile, max_tiles=12, tokens_per_tile=tokens)
        wrap = InternVLWrap(start_token="<img>", end_token="</img>")
        table[name] = {"kind": "internvl", "tiler": tiler, "anyres": None, "internvl": wrap}
    return table


def layouts() -> dict[str, dict]:
    """Layout name -> its kind, tiler (TilerConfig) and its kind's section (anyres, idefics3, internvl)."""
    own = {
        f"bluelm-v/{name}": {"kind": "bluelm-v", "tiler": get_preset(name).tiler, "anyres": None}
        for name in ("tiny", "bluelm-v-3b")
    }
    onevision = Anyres(pinpoints=ONEVISION_PINPOINTS, feature_side=27, max_tiles=9, newline=NO_FILE)
    nxt = Anyres(pinpoints=NEXT_PINPOINTS, feature_side=24, max_tiles=None, newline=NO_FILE)
    tiny = replace(onevision, pinpoints=[[384, 384], [384, 768], [384, 1152], [768, 384], [1152, 384]])
    anyres = {
        "llava_onevision/ov": ("llava-next", onevision, 384),
        "llava_onevision/ov-relaxed": ("relaxed", onevision, 384),
        "llava_onevision/tiny-test": ("llava-next", tiny, 384),
        "llava_next/siglip-336": ("llava-next", nxt, 336),
    }
    for name, (policy, spec, tile) in anyres.items():
        tiler = anyres_tiler(spec.pinpoints, tile, spec.feature_side, policy)
        own[name] = {"kind": "llava-anyres", "tiler": tiler, "anyres": spec}
    return own | family_layouts()


def runs_of(plan: TilePlan | AnyresPlan | SplitPlan, layout: dict) -> list[dict]:
    """The image's part of the prompt in order: embedding runs and, for idefics3 and internvl, the
    text between them (``{"run": "text", "text": ...}``, tokenized with the rest of the prompt)."""
    if layout["kind"] == "idefics3":
        return idefics3_runs(plan, layout["idefics3"])
    if layout["kind"] == "internvl":
        wrap = layout["internvl"]
        tiles = [{"run": "tile", "tokens": plan.tokens_per_tile}] * plan.tiles
        thumb = [{"run": "thumbnail", "tokens": plan.tokens_per_tile}] * plan.thumbnail
        return [
            {"run": "text", "text": wrap.start_token},
            *tiles,
            *thumb,
            {"run": "text", "text": wrap.end_token},
        ]
    if isinstance(plan, TilePlan):
        what = ["thumbnail"] * plan.thumbnail + ["tile"] * plan.tiles
        return [{"run": w, "tokens": plan.tokens_per_tile} for w in what]
    rows, cols = plan.packed
    return [
        {"run": "base", "tokens": plan.base_tokens},
        {"run": "grid_rows", "rows": rows, "tokens_per_row": cols, "newline_after_each_row": True},
    ]


def idefics3_runs(plan: SplitPlan, split: Idefics3Split) -> list[dict]:
    n = plan.tokens_per_tile
    runs: list[dict] = []
    cols, rows = plan.grid
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            runs.append({"run": "text", "text": split.fake_token + split.tile_token.format(row=r, col=c)})
            runs.append({"run": "tile", "tokens": n})
        runs.append({"run": "text", "text": "\n"})
    runs.append({"run": "text", "text": ("\n" if rows else "") + split.fake_token + split.global_token})
    runs.append({"run": "global", "tokens": n})
    runs.append({"run": "text", "text": split.fake_token})
    return runs


def plan_of(layout: dict, width: int, height: int) -> tuple[TilePlan | AnyresPlan | SplitPlan, list[str]]:
    """The plan of a picture and what the encoder gets, in order."""
    tiler = layout["tiler"]
    if layout["kind"] == "llava-anyres":
        plan = plan_anyres(width, height, tiler, layout["anyres"])
        return plan, ["base"] + ["tile"] * plan.tiles
    if layout["kind"] == "idefics3":
        plan = plan_split(width, height, tiler.tile_size, tiler.tokens_per_tile, layout["idefics3"])
        return plan, ["tile"] * plan.tiles + ["global"]
    plan = plan_tiles(width, height, tiler)
    if layout["kind"] == "internvl":
        return plan, ["tile"] * plan.tiles + ["thumbnail"] * plan.thumbnail
    return plan, ["thumbnail"] * plan.thumbnail + ["tile"] * plan.tiles


def case(name: str, layout: dict, width: int, height: int, why: str) -> dict:
    plan, encoder = plan_of(layout, width, height)
    expect = plan.summary()
    expect.pop("policy")
    expect.pop("image")
    expect.update(
        tile_boxes=[list(b) for b in plan.tile_boxes], encoder_order=encoder, runs=runs_of(plan, layout)
    )
    return {
        "id": f"{name}/{width}x{height}",
        "note": why,
        "layout": name,
        "width": width,
        "height": height,
        "expect": expect,
    }


def build() -> dict:
    table = layouts()
    described = {}
    for name, layout in table.items():
        anyres = layout["anyres"]
        described[name] = {
            "kind": layout["kind"],
            "tiler": layout["tiler"].to_dict(),
            "anyres": None
            if anyres is None
            else {k: v for k, v in to_json(anyres).items() if k != "newline"},
        }
        for section in ("idefics3", "internvl"):  # only the kinds that have one: older layouts unchanged
            if section in layout:
                described[name][section] = to_json(layout[section])
    cases = [case(name, layout, w, h, why) for name, layout in table.items() for w, h, why in SIZES]
    return {
        "format": "bluev-layout-vectors",
        "version": 1,
        "generator": "tools/make_layout_vectors.py",
        "doc": "tests/data/LAYOUT_VECTORS.md",
        "layouts": described,
        "cases": cases,
    }


def dumps(data: dict) -> str:
    """JSON with one layout and one case per line: readable, and a change shows as a one-line diff."""
    head = {k: v for k, v in data.items() if k not in ("layouts", "cases")}
    lines = [json.dumps(head)[:-1] + ', "layouts": {']
    names = list(data["layouts"])
    lines += [
        f"{json.dumps(n)}: {json.dumps(data['layouts'][n])}" + ("," if i < len(names) - 1 else "")
        for i, n in enumerate(names)
    ]
    lines.append('}, "cases": [')
    lines += [
        json.dumps(c) + ("," if i < len(data["cases"]) - 1 else "") for i, c in enumerate(data["cases"])
    ]
    return "\n".join(lines) + "\n]}\n"


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/layout_vectors.json")
    data = build()
    atomic_write_text(out, dumps(data))
    print(f"{out}: {len(data['layouts'])} layouts, {len(data['cases'])} cases")


if __name__ == "__main__":
    main()
