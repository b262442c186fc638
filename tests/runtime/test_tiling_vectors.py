"""tests/data/tiling_vectors.json: up to date with the tiler, and replayable case by case."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

from bluev.runtime.tiler import POLICIES, TilerConfig, plan_tiles


@pytest.fixture(scope="module")
def vectors(repo_root):
    return json.loads((repo_root / "tests/data/tiling_vectors.json").read_text())


@pytest.fixture(scope="module")
def repo_root():
    return Path(__file__).resolve().parents[2]


def test_file_is_what_the_generator_writes(vectors, repo_root):
    gen = runpy.run_path(str(repo_root / "tools/make_tiling_vectors.py"))
    assert gen["build"]() == vectors, "stale vectors: run `make vectors`"


def test_coverage_of_the_file(vectors):
    cases = vectors["cases"]
    assert vectors["format"] == "bluev-tiling-vectors" and vectors["version"] == 1
    assert len(cases) >= 60
    assert {c["params"]["policy"] for c in cases} == set(POLICIES)
    aspects = [c["width"] / c["height"] for c in cases]
    assert min(aspects) <= 1e-3 and max(aspects) >= 1e3  # extreme aspect ratios
    assert min(c["width"] * c["height"] for c in cases) == 1  # tiny
    assert max(c["width"] * c["height"] for c in cases) >= 1e8  # huge
    assert any("tie" in c["note"] for c in cases)


def test_every_case_replays(vectors):
    for c in vectors["cases"]:
        params = dict(c["params"])
        if params["grids"] is not None:
            params["grids"] = tuple(tuple(g) for g in params["grids"])
        plan = plan_tiles(c["width"], c["height"], TilerConfig(**params))
        got = {
            "grid": list(plan.grid),
            "canvas": list(plan.canvas),
            "tiles": plan.tiles,
            "thumbnail": plan.thumbnail,
            "images_to_encode": plan.images_to_encode,
            "image_tokens": plan.image_tokens,
            "resize": plan.resize,
            "content": list(plan.content_size),
        }
        assert got == c["expect"], c["id"]
