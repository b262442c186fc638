"""tests/data/decode_vectors.json: the sizes open_for_tiling decodes JPEGs to (read by PhotoDecodeTest)."""

from __future__ import annotations

import json
import runpy


def test_file_is_what_the_generator_writes(repo):
    vectors = json.loads((repo / "tests/data/decode_vectors.json").read_text())
    gen = runpy.run_path(str(repo / "tools/make_decode_vectors.py"))
    assert gen["build"]() == vectors, "stale decode vectors: run `make vectors`"


def test_the_vectors_exercise_every_draft_scale(repo):
    cases = json.loads((repo / "tests/data/decode_vectors.json").read_text())["cases"]
    factors = {round(c["expect"]["upright"][0] / c["expect"]["decoded"][0]) for c in cases}
    assert factors == {1, 2, 4, 8}
    rotated = [c for c in cases if c["orientation"] == 6]
    assert rotated and all(c["expect"]["decoded"][0] < c["expect"]["decoded"][1] for c in rotated)
    assert any(c["stored"] == [8000, 6000] and c["expect"]["decoded"] == [2000, 1500] for c in cases)
