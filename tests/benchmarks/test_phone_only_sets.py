"""Artifact sets that run only on the phone (Vulkan GPU, MediaTek NPU): host refusal, push, bench labels.

The NPU set cannot be exported here (no NeuroPilot SDK), so its manifest is the Vulkan export's with
the fields `bluev export --backend mediatek` writes (export/mediatek.py: `npu`, per-component `soc`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from bluev.benchmarks.adb_bench import AdbBenchConfig, check_local
from bluev.benchmarks.push import read_artifacts
from bluev.errors import BadInput
from bluev.runtime.artifacts import open_artifacts


@pytest.fixture
def npu_set(tiny_vulkan_artifacts, tmp_path) -> Path:
    root = tmp_path / "npu"
    shutil.copytree(tiny_vulkan_artifacts, root)
    m = json.loads((root / "manifest.json").read_text())
    table = root / "token_embedding_fp32.bin"
    table.write_bytes(b"\0" * 64)
    m["backend"] = "mediatek"
    for comp in m["components"].values():
        comp.update(backend="mediatek", soc="mt6989", quant="mtk-a16w4")
    digest = hashlib.sha256(table.read_bytes()).hexdigest()
    m["npu"] = {"soc": "mt6989", "embedding": {"file": table.name, "sha256": digest, "bytes": 64}}
    (root / "manifest.json").write_text(json.dumps(m))
    return root


def test_host_refuses_an_npu_set_with_the_reason(npu_set):
    with pytest.raises(
        BadInput, match="built for backend 'mediatek': the MediaTek NPU .* runs only on a Dimensity"
    ):
        open_artifacts(npu_set)


def test_push_carries_the_embedding_table_and_labels_the_soc(npu_set):
    art = read_artifacts(npu_set)
    assert "token_embedding_fp32.bin" in {f.name for f in art.files}
    assert art.backend == "mediatek (mt6989)"


def test_push_checks_the_embedding_table_hash(npu_set):
    (npu_set / "token_embedding_fp32.bin").write_bytes(b"\1" * 64)
    with pytest.raises(BadInput, match="token_embedding_fp32.bin: sha256 does not match"):
        read_artifacts(npu_set)


def test_bench_adb_refuses_an_npu_set_before_touching_a_phone(npu_set):
    with pytest.raises(
        BadInput, match=r"MediaTek NPU programs \(mediatek \(mt6989\)\).*mtk_llama_executor_runner"
    ):
        check_local(AdbBenchConfig(artifacts=npu_set))


def test_vulkan_set_is_benchable_and_labelled(tiny_vulkan_artifacts):
    assert read_artifacts(tiny_vulkan_artifacts).backend == "vulkan"
