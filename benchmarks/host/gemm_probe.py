"""The matrix-multiply floor, measured on the kernels a component runs.

torch's int8 matmul (``torch._int_mm``) takes a generic path on x86 that runs no faster than its
fp32 GEMM (102 vs 111 GOP/s at 1024 on this AVX2 host), while the XNNPACK kernels our ViT and
LLM linears lower to are several times faster: a floor measured with torch put our tiles past
the hardware's limit. So the probe is one linear layer quantized by the component's own scheme
(bluev.quant, as export does), lowered to XNNPACK and run by ExecuTorch's runtime at the
component's row count: the best rate those kernels reach here at that shape.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from bluev.export.lower import Lowered, export_method, lower
from bluev.quant.apply import quantize_linears_
from bluev.quant.recipes import parse_recipe
from bluev.runtime.kernels import load_program, set_xnnpack_threads
from bluev.runtime.manifest import LinearScheme


@dataclass(frozen=True)
class GemmShape:
    rows: int  # activation rows: a tile's patches, a prefill chunk
    k: int  # input width
    n: int  # output width

    @property
    def ops(self) -> int:
        return 2 * self.rows * self.k * self.n


def probe_program(scheme: LinearScheme, shape: GemmShape) -> Lowered:
    """A one-linear program: ``[rows, k] @ W[k, n]`` with W stored as ``scheme`` says."""
    torch.manual_seed(0)
    layer = nn.Sequential(nn.Linear(shape.k, shape.n, bias=False))
    quantize_linears_(layer, scheme)
    example = (torch.randn(shape.rows, shape.k),)
    return lower({"forward": export_method(layer, example)}, "xnnpack")


def gemm_gop_s(
    scheme: LinearScheme, shape: GemmShape, threads: int, min_repeats: int = 3, min_seconds: float = 0.5
) -> float:
    """Best rate (GOP/s: multiply-adds x2) of the probe program over about ``min_seconds``."""
    with tempfile.TemporaryDirectory(prefix="bluev-gemm-") as tmp:
        pte = Path(tmp) / "gemm.pte"
        pte.write_bytes(probe_program(scheme, shape).program)
        set_xnnpack_threads(threads)
        method = load_program(pte).load_method("forward")
        x = torch.randn(shape.rows, shape.k)
        method.execute([x])  # the first call packs the weights for the kernel
        best, passes, began = float("inf"), 0, time.perf_counter()
        while passes < min_repeats or time.perf_counter() - began < min_seconds:
            started = time.perf_counter()
            method.execute([x])
            best = min(best, time.perf_counter() - started)
            passes += 1
    return round(shape.ops / best / 1e9, 1)


def main() -> None:
    """``python -m bluev.benchmarks.host.gemm_probe --recipe default --part vision 729x1152x4304``"""
    parser = argparse.ArgumentParser(description="The measured GEMM rate of a recipe's linear kernel.")
    parser.add_argument("shape", help="ROWSxKxN, e.g. 729x1152x4304 (a SigLIP-400M tile's MLP)")
    parser.add_argument("--recipe", default="default", help="a quantization recipe (bluev quant-report)")
    parser.add_argument("--part", choices=("llm", "vision"), default="llm", help="whose linears")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    rows, k, n = (int(v) for v in args.shape.split("x"))
    recipe = parse_recipe(args.recipe)
    scheme = recipe.llm_linear if args.part == "llm" else recipe.vision_linear
    rate = gemm_gop_s(scheme, GemmShape(rows, k, n), args.threads)
    print(f"{rate} GOP/s: {scheme.describe()} linear, {rows}x{k}x{n}, XNNPACK, {args.threads} threads")


if __name__ == "__main__":
    main()
