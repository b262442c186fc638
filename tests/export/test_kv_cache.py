"""`bluev export --kv-cache int8`: the cache in 8 bits, attention on it with ExecuTorch's kernels."""

from __future__ import annotations

import copy

import torch

from bluev.export.options import ExportOptions
from bluev.runtime import kernels
from bluev.runtime.manifest import MANIFEST, read_manifest
from bluev.runtime.pipeline import Pipeline


def test_the_manifest_records_the_cache(tiny_int8_kv_artifacts):
    m = read_manifest(tiny_int8_kv_artifacts / MANIFEST)
    assert m.llm.kv_cache == "int8" and m.llm.layout == "dynamic"
    assert set(m.components) == {"llm"}


def test_the_preset_chooses_the_cache_unless_told(tmp_path):
    # bluelm-v-3b keeps the paper's INT8 cache; the others float32; the static layout's caches
    # are program inputs in float32
    assert ExportOptions(out=tmp_path, preset="bluelm-v-3b").kv_cache == "int8"
    assert ExportOptions(out=tmp_path, preset="bluelm-v-3b", kv_cache="float32").kv_cache == "float32"
    assert ExportOptions(out=tmp_path, preset="tiny").kv_cache == "float32"
    static = ExportOptions(out=tmp_path, preset="bluelm-v-3b", llm_layout="static")
    assert static.kv_cache == "float32"


def test_the_program_matches_the_eager_int8_cache(tiny_int8_kv_artifacts, tiny_model):
    pipe = Pipeline(tiny_int8_kv_artifacts)
    calls = kernels.int8_attention_calls()
    ids = torch.randint(0, 49152, (1, 40), generator=torch.Generator().manual_seed(0))
    llm = copy.deepcopy(tiny_model.llm)
    with torch.no_grad():
        exact = llm.window_logits(ids)[0]  # no cache at all
        llm.use_kv_cache("int8")
        eager = llm.cached_logits(ids, 32)[0]  # the same int8 cache, in eager PyTorch
    embeds = pipe.embed_ids(ids[0].tolist())
    got = [
        pipe.prefill(embeds[:, :32])[0],
        pipe.prefill_method.execute([embeds[:, 32:39], torch.tensor([32])])[0][0],
    ]
    got.append(pipe.decode_step(int(ids[0, 39]), 39)[0])
    assert kernels.int8_attention_calls() == calls + 3 * 2  # bluev's kernel attended (2 layers)
    for logits, pos in zip(got, (31, 38, 39), strict=True):
        assert (logits - eager[pos]).abs().max() < 1e-3  # the program runs the eager ops
        # what 8 bits per cached value cost against attention in float
        assert (logits - exact[pos]).abs().max() < 0.05 * exact[pos].abs().max()
        assert logits.argmax() == exact[pos].argmax()


def test_bluev_run_generates_on_the_int8_cache(run_json, tiny_int8_kv_artifacts):
    out = run_json(tiny_int8_kv_artifacts, "Tell me a story.", "--max-new-tokens", "8")
    s = out["stats"]
    assert s["decode_tokens"] == 7 or s["stop_reason"] == "eos"
    assert set(s["peak_rss_mb_by_phase"]) == {"load", "prefill", "decode"}  # no picture, no encode phase
