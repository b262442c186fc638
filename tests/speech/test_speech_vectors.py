"""tests/data/speech_vectors.json (the Java core's audio front-end cases): what the generator writes now."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def test_file_is_what_the_generator_writes():
    stored = json.loads((REPO / "tests/data/speech_vectors.json").read_text())
    fresh = runpy.run_path(str(REPO / "tools/make_speech_vectors.py"))["build"]()
    assert stored["format"] == fresh["format"] and stored["version"] == fresh["version"]
    assert stored["zero_crossings"] == fresh["zero_crossings"]
    assert len(stored["resample"]) == len(fresh["resample"]) >= 4
    for old, new in zip(stored["resample"], fresh["resample"], strict=True):
        assert (old["src"], old["dst"], old["input"]) == (new["src"], new["dst"], new["input"])
        assert np.allclose(old["expect"], new["expect"], rtol=0, atol=1e-6), "stale: run `make vectors`"
    old, new = stored["log_mel"], fresh["log_mel"]
    assert {k: v for k, v in old.items() if k != "expect"} == {k: v for k, v in new.items() if k != "expect"}
    assert np.allclose(old["expect"], new["expect"], rtol=0, atol=1e-6), "stale: run `make vectors`"
    assert len(old["expect"]) == old["n_mels"] * old["frames"]
