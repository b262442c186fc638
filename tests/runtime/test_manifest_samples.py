"""tests/data/manifests/: the sample manifests the Java (and C++) readers are tested against.

They are real exports (tools/make_manifest_samples.py, `make manifests`); these checks make a
schema change fail here until the samples are regenerated, so the other readers never test
against a manifest that export no longer writes.
"""

from __future__ import annotations

import json
import runpy

import jsonschema
import pytest

from bluev.runtime.manifest import Manifest

KINDS = ["smollm2", "tiny-mediatek", "tiny-static", "tiny-vision-only", "tiny-vulkan", "tiny-xnnpack"]


@pytest.fixture(scope="module")
def samples(repo) -> dict[str, dict]:
    folder = repo / "tests" / "data" / "manifests"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def test_one_sample_per_kind_the_tool_writes(samples, repo):
    tool = runpy.run_path(str(repo / "tools" / "make_manifest_samples.py"))
    assert sorted([*tool["KINDS"], "tiny-mediatek"]) == KINDS == sorted(samples)


@pytest.mark.parametrize("kind", KINDS)
def test_sample_follows_the_schema_and_round_trips(samples, repo, kind):
    schema = json.loads((repo / "docs" / "manifest.schema.json").read_text())
    jsonschema.validate(samples[kind], schema)
    assert Manifest.from_dict(samples[kind], kind).to_dict() == samples[kind], "stale: run `make manifests`"


def test_samples_cover_each_layout(samples):
    manifests = {kind: Manifest.from_dict(data, kind) for kind, data in samples.items()}
    assert manifests["smollm2"].vision is None and manifests["tiny-vision-only"].llm is None
    assert manifests["tiny-vulkan"].vision.fixed_batch and manifests["tiny-mediatek"].npu is not None
    assert manifests["tiny-mediatek"].llm.layout == "static" and manifests["tiny-xnnpack"].stock_runner
    static = manifests["tiny-static"]  # the NPU's layout lowered to XNNPACK: an npu section, no SoC
    assert static.llm.layout == "static" and static.backend == "xnnpack" and static.npu.soc is None
