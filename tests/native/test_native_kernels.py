"""bluev's llama::update_cache.out / custom_sdpa.out kernels against ExecuTorch's Python ones,
on both builds (x86-64, and aarch64 under qemu: custom_sdpa runs on ExecuTorch's thread pool)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from executorch.extension.llm.custom_ops import custom_ops  # noqa: F401  (registers torch.ops.llama.*)


def tensor_arg(d: Path, name: str, t: torch.Tensor) -> dict:
    path = d / f"{name}.bin"
    t.contiguous().numpy().astype(np.float32).tofile(path)
    return {"file": str(path), "shape": list(t.shape)}


def run_op(build, d: Path, op: str, inputs: list, out: torch.Tensor, result_input: int = -1) -> np.ndarray:
    spec = {
        "op": op,
        "inputs": inputs,
        "out": tensor_arg(d, "out", out),
        "result_file": str(d / "result.bin"),
    }
    if result_input >= 0:
        spec["result_input"] = result_input
    (d / "spec.json").write_text(json.dumps(spec))
    r = build.run("bluev-native-check", "op", str(d / "spec.json"))
    assert r.returncode == 0, r.stderr
    return np.fromfile(d / "result.bin", dtype=np.float32)


# (batch, seq, q heads, kv heads, head dim, cache length, start_pos)
SDPA_CASES = [
    (1, 1, 4, 4, 16, 32, 0),  # first decode step
    (1, 1, 9, 3, 64, 64, 37),  # SmolLM2's grouped-query shape, decode later in the context
    (1, 7, 8, 2, 32, 40, 5),  # a prefill chunk after earlier chunks
    (2, 5, 4, 1, 8, 16, 3),  # batch 2, one kv head
    (1, 16, 2, 2, 12, 16, 0),  # the whole cache, odd head dim
    # Decode steps through decode_attention (its cache in chunks of 256 keys across threads):
    (1, 1, 14, 2, 64, 1024, 300),  # OneVision-0.5B's shape, two chunks
    (1, 1, 9, 3, 64, 600, 511),  # the last key of a full second chunk
    (1, 1, 4, 4, 32, 300, 256),  # one key into the second chunk
    (2, 1, 8, 1, 128, 300, 255),  # batch 2, one kv head, exactly one chunk
    (1, 1, 2, 1, 16, 8, 7),  # the tiny preset's head size
]


@pytest.mark.parametrize("case", SDPA_CASES, ids=[str(c) for c in SDPA_CASES])
def test_custom_sdpa_causal(any_build, tmp_path, case):
    b, s, hq, hkv, d, t, start = case
    g = torch.Generator().manual_seed(hash(case) % 1000)
    q, k, v = (torch.randn(b, n, h, d, generator=g) for n, h in ((s, hq), (t, hkv), (t, hkv)))
    expect = torch.ops.llama.custom_sdpa(q, k, v, start, None, 0.0, True)
    inputs = [
        tensor_arg(tmp_path, "q", q),
        tensor_arg(tmp_path, "k", k),
        tensor_arg(tmp_path, "v", v),
        {"int": start},
        None,
        {"double": 0.0},
        {"bool": True},
        None,
    ]
    got = run_op(any_build, tmp_path, "llama::custom_sdpa.out", inputs, torch.zeros_like(q))
    np.testing.assert_allclose(got.reshape(expect.shape), expect.numpy(), rtol=1e-5, atol=1e-5)


def test_custom_sdpa_mask_and_scale(any_build, tmp_path):
    g = torch.Generator().manual_seed(3)
    q, k, v = (
        torch.randn(1, 3, 4, 8, generator=g),
        torch.randn(1, 10, 2, 8, generator=g),
        torch.randn(1, 10, 2, 8, generator=g),
    )
    mask = torch.where(torch.rand(3, 10, generator=g) > 0.3, 0.0, float("-inf"))
    mask[:, 0] = 0.0
    expect = torch.ops.llama.custom_sdpa(q, k, v, 0, mask, 0.0, False, 0.3)
    inputs = [
        tensor_arg(tmp_path, "q", q),
        tensor_arg(tmp_path, "k", k),
        tensor_arg(tmp_path, "v", v),
        {"int": 0},
        tensor_arg(tmp_path, "mask", mask),
        {"double": 0.0},
        {"bool": False},
        {"double": 0.3},
    ]
    got = run_op(any_build, tmp_path, "llama::custom_sdpa.out", inputs, torch.zeros_like(q))
    np.testing.assert_allclose(got.reshape(expect.shape), expect.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("start", [0, 6, 13])
def test_update_cache(any_build, tmp_path, start):
    g = torch.Generator().manual_seed(start)
    value, cache = torch.randn(2, 3, 4, 8, generator=g), torch.randn(2, 16, 4, 8, generator=g)
    expect = cache.clone()
    torch.ops.llama.update_cache(value, expect, start)
    inputs = [tensor_arg(tmp_path, "value", value), tensor_arg(tmp_path, "cache", cache), {"int": start}]
    got = run_op(any_build, tmp_path, "llama::update_cache.out", inputs, torch.zeros(1), result_input=1)
    np.testing.assert_array_equal(got.reshape(expect.shape), expect.numpy())


def test_update_cache_refuses_overflow(any_build, tmp_path):
    inputs = [
        tensor_arg(tmp_path, "value", torch.ones(1, 4, 2, 8)),
        tensor_arg(tmp_path, "cache", torch.zeros(1, 8, 2, 8)),
        {"int": 6},
    ]
    spec = {
        "op": "llama::update_cache.out",
        "inputs": inputs,
        "out": tensor_arg(tmp_path, "out", torch.zeros(1)),
        "result_file": str(tmp_path / "r.bin"),
        "result_input": 1,
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    r = any_build.run("bluev-native-check", "op", str(tmp_path / "spec.json"))
    assert r.returncode == 2 and "refused its inputs" in r.stderr
