"""tests/data/layout_vectors.json: up to date with the layouts, complete, and replayable case by case."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

from bluev.runtime.layouts.idefics3 import plan_split
from bluev.runtime.layouts.llava_anyres import plan_anyres
from bluev.runtime.manifest import Anyres, FileEntry, Idefics3Split
from bluev.runtime.tiler import TilerConfig, plan_tiles

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def vectors() -> dict:
    return json.loads((REPO / "tests/data/layout_vectors.json").read_text())


def test_file_is_what_the_generator_writes(vectors):
    gen = runpy.run_path(str(REPO / "tools/make_layout_vectors.py"))
    assert gen["build"]() == vectors, "stale vectors: run `make vectors`"


def test_coverage_of_the_file(vectors):
    kinds = {layout["kind"] for layout in vectors["layouts"].values()}
    assert vectors["format"] == "bluev-layout-vectors"
    assert kinds == {"bluelm-v", "llava-anyres", "idefics3", "internvl"}
    cases = vectors["cases"]
    anyres = [c for c in cases if vectors["layouts"][c["layout"]]["kind"] == "llava-anyres"]
    # every branch of the packing: rows cut, columns cut, nothing cut, shrunk (anyres_max), not shrunk
    assert any(c["expect"]["crop"][0] > 0 for c in anyres) and any(c["expect"]["crop"][1] > 0 for c in anyres)
    assert any(c["expect"]["crop"] == [0, 0] for c in anyres)
    assert any(c["expect"]["packed"] != c["expect"]["unpadded"] for c in anyres)
    assert any(c["expect"]["packed"] == c["expect"]["unpadded"] for c in anyres)
    assert {c["expect"]["tiles"] for c in anyres} >= {1, 2, 3}
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids))
    # idefics3: split grids of one row, of several, and the global image alone (grid 0:0)
    split = [c["expect"]["grid"] for c in cases if vectors["layouts"][c["layout"]]["kind"] == "idefics3"]
    assert [0, 0] in split and any(g[1] == 1 and g[0] > 1 for g in split) and any(g[1] > 2 for g in split)


def test_every_case_replays(vectors):
    for c in vectors["cases"]:
        layout = vectors["layouts"][c["layout"]]
        params = dict(layout["tiler"])
        params["grids"] = tuple(tuple(g) for g in params["grids"])
        tiler = TilerConfig(**params)
        if layout["kind"] == "idefics3":
            spec = Idefics3Split(**layout["idefics3"])
            plan = plan_split(c["width"], c["height"], tiler.tile_size, tiler.tokens_per_tile, spec)
        elif layout["anyres"] is None:
            plan = plan_tiles(c["width"], c["height"], tiler)
        else:
            spec = Anyres(**layout["anyres"], newline=FileEntry(file="image_newline.bin", sha256="", bytes=0))
            plan = plan_anyres(c["width"], c["height"], tiler, spec)
        got = plan.summary()
        assert {k: v for k, v in got.items() if k in c["expect"]} == {
            k: c["expect"][k] for k in got if k in c["expect"]
        }, c["id"]
        assert sum(map(run_tokens, c["expect"]["runs"])) == c["expect"]["image_tokens"], c["id"]


def run_tokens(run: dict) -> int:
    """LLM embeddings in one run of the prompt's image part (text runs have none)."""
    if run["run"] == "text":
        return 0
    if run["run"] == "grid_rows":
        return run["rows"] * (run["tokens_per_row"] + int(run["newline_after_each_row"]))
    return run["tokens"]
