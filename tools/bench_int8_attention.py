"""Time llama::custom_quantized_sdpa (attention on an int8 KV cache) at bluelm-v-3b's shapes.

32 query / 8 kv heads, head dim 80, a 4096-row cache: one decode call at a few positions and
one 128-row prefill chunk, as the LLM programs make them (the query quantized per token in the
program). The caches are the program's constants, so a call copies in only the query. Prints the
median of whole-program calls. Which kernel ran: bluev's (runtime/native/src/kernels/
quantized_sdpa.cpp), or with BLUEV_HOST_KERNELS=off ExecuTorch's.

Usage: python tools/bench_int8_attention.py [--threads 2]
       BLUEV_HOST_KERNELS=off python tools/bench_int8_attention.py
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
from executorch.exir import to_edge

from bluev.export.llm import quantize_per_token
from bluev.runtime import kernels

HEADS, KV_HEADS, DIM, CACHE = 32, 8, 80, 4096
POINTS = ((1, (512, 1400, 4000), 50), (128, (1280,), 5))  # (query rows, start positions, calls)


class Attend(torch.nn.Module):
    """The int8 cache as constants; q quantized per token, then attention, as export/llm.py calls it."""

    def __init__(self, cache: tuple[torch.Tensor, ...]) -> None:
        super().__init__()
        for name, t in zip(("k", "k_scales", "k_zeros", "v", "v_scales", "v_zeros"), cache, strict=True):
            self.register_buffer(name, t)

    def forward(self, q: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        start = pos[0].item()
        torch._check_is_size(start)
        torch._check(start + q.shape[1] <= CACHE)
        q8, q_scales, q_zeros = quantize_per_token(q)
        return torch.ops.llama.custom_quantized_sdpa(
            q8, self.k, self.v, start, None, 0.0, True, None,
            q_zeros, q_scales, self.k_zeros, self.k_scales, self.v_zeros, self.v_scales,
        )  # fmt: skip


def median_ms(method: kernels.Method, inputs: list[torch.Tensor], calls: int) -> float:
    method.execute(inputs)  # warm
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        method.execute(inputs)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    kernels.set_xnnpack_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    k, v = (torch.randn(1, CACHE, KV_HEADS, DIM, generator=generator) for _ in range(2))
    cache = (*quantize_per_token(k), *quantize_per_token(v))
    who = "bluev" if kernels.host_kernels() is not None else "executorch"
    with tempfile.TemporaryDirectory() as work:
        for rows, positions, calls in POINTS:
            example = (torch.zeros(1, rows, HEADS, DIM), torch.tensor([0]))
            pte = Path(work) / f"attend-{rows}.pte"
            pte.write_bytes(to_edge(torch.export.export(Attend(cache), example)).to_executorch().buffer)
            method = kernels.load_program(pte).load_method("forward")
            q = torch.randn(1, rows, HEADS, DIM, generator=generator)
            for pos in positions:
                ms = median_ms(method, [q, torch.tensor([pos])], calls)
                print(f"{who}: {rows} query rows at {pos}: {ms:.3f} ms a call, {args.threads} threads")


if __name__ == "__main__":
    main()
