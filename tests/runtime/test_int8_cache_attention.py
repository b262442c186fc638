"""bluev's int8-cache attention in the host runtime (runtime/native/src/kernels/quantized_sdpa.cpp):
a real .pte calling llama::custom_quantized_sdpa as export/llm.py's int8_cache_attention does, run
by ExecuTorch's runtime, against attention computed in float64 from the dequantized q, k and v,
and against ExecuTorch's own kernel (the same program with bluev's kernels switched off)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from executorch.exir import to_edge

from bluev.export.llm import quantize_per_token
from bluev.runtime import kernels


def test_int8_kernel_is_registered():
    # host_kernels() raises when ExecuTorch refused a registration
    assert kernels.host_kernels() is not None, f"{kernels.HOST_KERNELS_FILE} is not built: run make install"


class Attend(torch.nn.Module):
    """q quantized per token, then custom_quantized_sdpa over the int8 cache, as export/llm.py's
    int8_cache_attention calls it; returns the quantized q too (the reference dequantizes it)."""

    def __init__(self, causal: bool = True) -> None:
        super().__init__()
        self.causal = causal

    def forward(self, q, k, k_scales, k_zeros, v, v_scales, v_zeros, pos):
        start = pos[0].item()
        torch._check_is_size(start)
        torch._check(start + q.shape[1] <= k.shape[1])
        q8, q_scales, q_zeros = quantize_per_token(q)
        out = torch.ops.llama.custom_quantized_sdpa(
            q8, k, v, start, None, 0.0, self.causal, None,
            q_zeros, q_scales, k_zeros, k_scales, v_zeros, v_scales,
        )  # fmt: skip
        return out, q8, q_scales, q_zeros


def dequantize(rows: torch.Tensor, scales: torch.Tensor, zeros: torch.Tensor) -> torch.Tensor:
    return (rows.double() - zeros.double()) * scales.double()


def reference(q, k, v, pos: int, causal: bool = True) -> torch.Tensor:
    """Grouped-query attention in float64 over the cache rows 0 .. pos + S - 1; causal: row i
    sees keys 0 .. pos + i."""
    seq = q.shape[1]
    k, v = k[:, : pos + seq], v[:, : pos + seq]
    group = q.shape[2] // k.shape[2]
    k, v = (t.repeat_interleave(group, dim=2).transpose(1, 2) for t in (k, v))  # [B, Hq, T, D]
    scores = q.transpose(1, 2) @ k.transpose(-2, -1) / q.shape[-1] ** 0.5  # [B, Hq, S, T]
    if causal:
        rows = torch.arange(seq)[:, None] + pos
        scores = scores.masked_fill(torch.arange(k.shape[2])[None, :] > rows, float("-inf"))
    return (scores.softmax(-1) @ v).transpose(1, 2)


def program(tmp_path: Path, seq: int, heads: int, kv_heads: int, dim: int, cache: int, causal: bool = True):
    example = (
        torch.zeros(1, seq, heads, dim),
        torch.zeros(1, cache, kv_heads, dim, dtype=torch.int8),
        torch.ones(1, cache, kv_heads, 1),
        torch.zeros(1, cache, kv_heads, 1, dtype=torch.int8),
        torch.zeros(1, cache, kv_heads, dim, dtype=torch.int8),
        torch.ones(1, cache, kv_heads, 1),
        torch.zeros(1, cache, kv_heads, 1, dtype=torch.int8),
        torch.tensor([0]),
    )
    exported = torch.export.export(Attend(causal), example)
    pte = tmp_path / f"attend8-{seq}-{heads}-{kv_heads}-{dim}-{cache}-{int(causal)}.pte"
    pte.write_bytes(to_edge(exported).to_executorch().buffer)
    return pte


def cache(g: torch.Generator, rows: int, kv_heads: int, dim: int) -> tuple[torch.Tensor, ...]:
    """k and v caches of real quantized random rows: int8 rows, their scales and zero points."""
    k, v = (torch.randn(1, rows, kv_heads, dim, generator=g) for _ in range(2))
    k = k + torch.randn(1, rows, kv_heads, 1, generator=g)  # zero points away from 0
    return (*quantize_per_token(k), *quantize_per_token(v))


def executorch_outputs(tmp_path: Path, pte: Path, inputs: list[tuple]) -> list[torch.Tensor]:
    """The outputs of ExecuTorch's own kernel: the same program in a process without bluev's."""
    job, result = tmp_path / "job.pt", tmp_path / "result.pt"
    torch.save({"pte": str(pte), "inputs": inputs}, job)
    code = (
        "import sys, torch\n"
        "from bluev.runtime import kernels\n"
        "assert kernels.host_kernels() is None\n"
        "job = torch.load(sys.argv[1])\n"
        "method = kernels.load_program(__import__('pathlib').Path(job['pte'])).load_method('forward')\n"
        "torch.save([method.execute(i)[0] for i in job['inputs']], sys.argv[2])\n"
    )
    env = {**os.environ, kernels.HOST_KERNELS_ENV: "off"}
    command = [sys.executable, "-c", code, str(job), str(result)]
    r = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return torch.load(result)


# (query rows, q heads, kv heads, head dim, cache rows, start positions)
CASES = [
    (1, 8, 2, 64, 300, (0, 1, 63, 64, 255, 256, 299)),  # decode, 4 query heads a kv head
    (1, 32, 8, 80, 600, (0, 37, 511, 599)),  # decode, bluelm's heads
    (1, 4, 1, 80, 1100, (0, 300, 1099)),  # decode, one kv head: its keys split over threads
    (4, 8, 2, 80, 300, (0, 10, 250, 296)),  # prefill chunks
    (16, 8, 2, 64, 300, (0, 100, 284)),  # two row blocks per kv head
    (16, 32, 8, 80, 600, (200, 584)),
    (4, 4, 1, 64, 1100, (900,)),  # prefill with its keys split
    (40, 3, 3, 64, 200, (7, 160)),  # one query head a kv head, two row blocks
]


@pytest.mark.parametrize("case", CASES, ids=[str(c[:5]) for c in CASES])
def test_matches_attention_and_executorch(tmp_path, case):
    seq, heads, kv_heads, dim, rows, positions = case
    pte = program(tmp_path, seq, heads, kv_heads, dim, rows)
    method = kernels.load_program(pte).load_method("forward")
    g = torch.Generator().manual_seed(rows + heads + seq)
    kv = cache(g, rows, kv_heads, dim)
    k = dequantize(*kv[:3])
    v = dequantize(*kv[3:])
    inputs, got = [], []
    for pos in positions:
        q = torch.randn(1, seq, heads, dim, generator=g) * 3  # peaked softmax rows too
        inputs.append((q, *kv, torch.tensor([pos])))
        before = kernels.int8_attention_calls()
        out, q8, q_scales, q_zeros = method.execute(inputs[-1])
        assert kernels.int8_attention_calls() == before + 1, "the call did not run bluev's int8 kernel"
        want = reference(dequantize(q8, q_scales, q_zeros), k, v, pos)
        torch.testing.assert_close(out.double(), want, rtol=1e-4, atol=1e-4)
        got.append(out)
    for pos, ours, theirs in zip(positions, got, executorch_outputs(tmp_path, pte, inputs), strict=True):
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4, msg=lambda m, p=pos: f"start {p}: {m}")


def test_other_calls_keep_executorchs_kernel(tmp_path):
    # not causal: rows attend all of 0 .. start + S - 1, which bluev's kernel does not do
    seq, heads, kv_heads, dim, rows, pos = 4, 8, 2, 64, 100, 20
    pte = program(tmp_path, seq, heads, kv_heads, dim, rows, causal=False)
    method = kernels.load_program(pte).load_method("forward")
    g = torch.Generator().manual_seed(5)
    kv = cache(g, rows, kv_heads, dim)
    q = torch.randn(1, seq, heads, dim, generator=g)
    before = kernels.int8_attention_calls()
    out, q8, q_scales, q_zeros = method.execute((q, *kv, torch.tensor([pos])))
    assert kernels.int8_attention_calls() == before
    k, v = dequantize(*kv[:3]), dequantize(*kv[3:])
    want = reference(dequantize(q8, q_scales, q_zeros), k, v, pos, causal=False)
    torch.testing.assert_close(out.double(), want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("isa", ["avx2", "portable"])
def test_narrower_instruction_sets(isa):
    # the kernel picks the widest this CPU runs; BLUEV_INT8_ATTENTION_ISA forces a narrower one
    # (in a child: the choice is made once a process)
    env = {**os.environ, "BLUEV_INT8_ATTENTION_ISA": isa}
    # decode with split keys, prefill chunks, one query head a kv head
    ids = [str(c[:5]) for c in CASES if c[:3] in ((1, 4, 1), (4, 8, 2), (16, 32, 8), (40, 3, 3))]
    nodes = [f"{__file__}::test_matches_attention_and_executorch[{i}]" for i in ids]
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:warnings", "-p", "no:cacheprovider", *nodes],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert f"{len(ids)} passed" in r.stdout
