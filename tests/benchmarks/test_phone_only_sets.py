"""Artifact sets that run only on the phone (Vulkan GPU, MediaTek NPU): host refusal, push, bench labels.

The NPU set cannot be exported here (no NeuroPilot SDK), so its manifest is the Vulkan export's with
the fields `bluev export --backend mediatek` writes (export/mediatek/lower.py: `npu`, per-component
`soc`, the static LLM layout), built with the manifest's own types.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bluev.benchmarks.phone.bench import check_local
from bluev.benchmarks.phone.options import AdbBenchOptions
from bluev.benchmarks.phone.push import read_artifacts
from bluev.errors import BadInput
from bluev.fileio import sha256_file
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.manifest import MANIFEST, LlmMethods, Npu, NpuEmbedding, read_manifest, write_manifest


@pytest.fixture
def npu_set(tiny_vulkan_artifacts, tmp_path) -> Path:
    root = tmp_path / "npu"
    shutil.copytree(tiny_vulkan_artifacts, root)
    m = read_manifest(root / MANIFEST)
    table = root / "token_embedding_fp32.bin"
    table.write_bytes(b"\0" * 64)
    embedding = NpuEmbedding(
        file=table.name, sha256=sha256_file(table), bytes=64, shape=[16, 1], dtype="float32"
    )
    npu = Npu(
        soc="mt6989",
        chip="Dimensity 9300",
        chunk=128,
        cache_len=1920,
        cache_layout="[1, n_kv_heads, cache_len, head_dim] per layer",
        inputs=["embeddings", "mask", "rope"],
        mask_value=-100.0,
        rope="[1, 2, t, head_dim]",
        rope_theta=10000.0,
        vision_batch=5,
        embedding=embedding,
    )
    components = {
        name: replace(c, backend="mediatek", soc="mt6989", quant="mtk-a16w4")
        for name, c in m.components.items()
    }
    llm = replace(m.llm, layout="static", methods=LlmMethods(embed=None, prefill="prefill", decode="decode"))
    write_manifest(root, replace(m, backend="mediatek", components=components, llm=llm, npu=npu))
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
        check_local(AdbBenchOptions(artifacts=npu_set))


def test_vulkan_set_is_benchable_and_labelled(tiny_vulkan_artifacts):
    assert read_artifacts(tiny_vulkan_artifacts).backend == "vulkan"
