"""bluev's decode-step attention in the host runtime (runtime/native/src/kernels/decode_sdpa.cpp):
a real .pte calling llama::custom_sdpa, run by ExecuTorch's runtime, against attention computed
in float64; one-row calls go through bluev's kernel, every other call through ExecuTorch's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from executorch.exir import to_edge

from bluev.runtime import kernels


def test_host_kernels_are_loaded():
    # `make install` builds them (make test depends on it): no skip when they are missing.
    assert kernels.decode_attention() == "bluev", (
        f"{kernels.HOST_KERNELS_FILE} is not built: run make install"
    )


class Attend(torch.nn.Module):
    """custom_sdpa of q over the cache rows 0 .. pos + S - 1, as the LLM programs call it."""

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        start = pos[0].item()
        torch._check_is_size(start)
        torch._check(start + q.shape[1] <= k.shape[1])
        return torch.ops.llama.custom_sdpa(q, k, v, start, None, 0, True)


def reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, pos: int) -> torch.Tensor:
    """Causal grouped-query attention in float64: row i sees keys 0 .. pos + i."""
    q, k, v = (t.double() for t in (q, k, v))
    group = q.shape[2] // k.shape[2]
    k, v = (t.repeat_interleave(group, dim=2).transpose(1, 2) for t in (k, v))  # [B, Hq, T, D]
    scores = q.transpose(1, 2) @ k.transpose(-2, -1) / q.shape[-1] ** 0.5  # [B, Hq, S, T]
    rows = torch.arange(q.shape[1])[:, None] + pos
    scores = scores.masked_fill(torch.arange(k.shape[2])[None, :] > rows, float("-inf"))
    return (scores.softmax(-1) @ v).transpose(1, 2).float()


def program(tmp_path: Path, batch: int, seq: int, heads: int, kv_heads: int, dim: int, cache: int):
    example = (
        torch.zeros(batch, seq, heads, dim),
        torch.zeros(batch, cache, kv_heads, dim),
        torch.zeros(batch, cache, kv_heads, dim),
        torch.tensor([0]),
    )
    exported = torch.export.export(Attend(), example)
    pte = tmp_path / f"attend-{batch}-{seq}-{heads}-{kv_heads}-{dim}-{cache}.pte"
    pte.write_bytes(to_edge(exported).to_executorch().buffer)
    return kernels.load_program(pte).load_method("forward")


# (batch, q heads, kv heads, head dim, cache rows, decode positions): chunks are 256 keys
DECODE_CASES = [
    (1, 14, 2, 64, 1024, (0, 255, 256, 1000)),  # OneVision-0.5B's attention
    (1, 9, 3, 64, 600, (37, 511)),  # SmolLM2-135M's
    (2, 8, 1, 128, 300, (299,)),  # batch 2, one kv head
    (1, 4, 2, 16, 64, (5, 63)),  # the tiny preset's
]


@pytest.mark.parametrize("case", DECODE_CASES, ids=[str(c[:5]) for c in DECODE_CASES])
def test_decode_step_matches_attention(tmp_path, case):
    batch, heads, kv_heads, dim, cache, positions = case
    method = program(tmp_path, batch, 1, heads, kv_heads, dim, cache)
    g = torch.Generator().manual_seed(cache + heads)
    k, v = (torch.randn(batch, cache, kv_heads, dim, generator=g) for _ in range(2))
    for pos in positions:
        q = torch.randn(batch, 1, heads, dim, generator=g) * 3  # peaked softmax rows too
        before = kernels.decode_attention_calls()
        (got,) = method.execute((q, k, v, torch.tensor([pos])))
        assert kernels.decode_attention_calls() == before + 1, "the decode step did not run bluev's kernel"
        torch.testing.assert_close(got, reference(q, k, v, pos), rtol=2e-5, atol=2e-5)


def test_prefill_keeps_executorchs_kernel(tmp_path):
    method = program(tmp_path, 1, 7, 8, 2, 32, 40)
    g = torch.Generator().manual_seed(7)
    q, k, v = (
        torch.randn(1, 7, 8, 32, generator=g),
        torch.randn(1, 40, 2, 32, generator=g),
        torch.randn(1, 40, 2, 32),
    )
    before = kernels.decode_attention_calls()
    (got,) = method.execute((q, k, v, torch.tensor([5])))
    assert kernels.decode_attention_calls() == before
    torch.testing.assert_close(got, reference(q, k, v, 5), rtol=2e-5, atol=2e-5)


def test_switched_off_runs_executorchs_kernel_alone():
    code = "from bluev.runtime import kernels as k; print(k.decode_attention(), k.decode_attention_calls())"
    env = {**os.environ, kernels.HOST_KERNELS_ENV: "off"}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["executorch", "0"]


def test_named_library_must_exist(tmp_path):
    code = "from bluev.runtime import kernels"
    env = {**os.environ, kernels.HOST_KERNELS_ENV: str(tmp_path / "missing.so")}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert "missing.so: no such library" in r.stderr
