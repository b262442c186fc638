"""Decode-step cost of bluev-runner's llama kernels vs ExecuTorch's, on SmolLM2's or OneVision-0.5B's shapes.

bluev's `llama::custom_sdpa.out` / `llama::update_cache.out` (runtime/native/src/kernels/, timed
in C++ by `bluev-native-check op` with "repeats") against ExecuTorch's optimized ones, which the
Python runtime uses (`torch.ops.llama.*` from the executorch wheel; each call there also pays
the torch dispatcher, a few microseconds, which favours bluev's side of the table slightly).

Usage: python tools/bench_llama_kernels.py build/native/host/bluev-native-check [--threads N]
       [--shape smollm2|onevision-0.5b]
Prints one JSON object: microseconds per call, per kernel and cache fill.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from executorch.extension.llm.custom_ops import custom_ops  # noqa: F401  (registers torch.ops.llama.*)


@dataclass(frozen=True)
class Shape:
    cache: int
    heads: int
    kv_heads: int
    head_dim: int
    fills: tuple[int, ...]  # start_pos of the decode step


SHAPES = {
    "smollm2": Shape(2048, 9, 3, 64, (64, 512, 1536)),  # SmolLM2-135M, a 2048-token cache
    # Qwen2-0.5B in the photo race's export (9216-token cache); 7285 = after its 1920x1080 photo
    "onevision-0.5b": Shape(9216, 14, 2, 64, (64, 2048, 7285)),
}
UPDATE_POS = 700


def spec_tensor(folder: Path, name: str, t: torch.Tensor) -> dict:
    path = folder / f"{name}.bin"
    t.contiguous().numpy().tofile(path)
    return {"file": str(path), "shape": list(t.shape)}


def ours(check: str, folder: Path, spec: dict) -> float:
    (folder / "spec.json").write_text(json.dumps(spec))
    r = subprocess.run([check, "op", str(folder / "spec.json")], capture_output=True, text=True, check=True)
    return float(json.loads(r.stdout)["us_per_call"])


def theirs(call: Callable[[], object], repeats: int) -> float:
    for _ in range(min(50, repeats)):
        call()
    started = time.perf_counter()
    for _ in range(repeats):
        call()
    return (time.perf_counter() - started) / repeats * 1e6


def row(kernel: str, start: int, us: float, et: float) -> dict:
    return {"kernel": kernel, "start_pos": start, "bluev_us": round(us, 1), "executorch_us": round(et, 1)}


def sdpa_rows(check: str, folder: Path, shape: Shape, threads: int, repeats: int) -> list[dict]:
    g = torch.Generator().manual_seed(0)
    rows = []
    for start in shape.fills:
        q = torch.randn(1, 1, shape.heads, shape.head_dim, generator=g)
        k, v = (torch.randn(1, shape.cache, shape.kv_heads, shape.head_dim, generator=g) for _ in range(2))
        inputs = [spec_tensor(folder, n, t) for n, t in (("q", q), ("k", k), ("v", v))]
        inputs += [{"int": start}, None, {"double": 0.0}, {"bool": True}, None]
        spec = {"op": "llama::custom_sdpa.out", "threads": threads, "repeats": repeats, "inputs": inputs}
        spec |= {"out": spec_tensor(folder, "out", torch.zeros_like(q)), "result_file": str(folder / "r.bin")}
        us = ours(check, folder, spec)
        et = theirs(
            lambda q=q, k=k, v=v, s=start: torch.ops.llama.custom_sdpa(q, k, v, s, None, 0.0, True), repeats
        )
        rows.append(row("custom_sdpa", start, us, et))
    return rows


def update_row(check: str, folder: Path, shape: Shape, threads: int, repeats: int) -> dict:
    value = torch.randn(1, 1, shape.kv_heads, shape.head_dim)
    cache = torch.zeros(1, shape.cache, shape.kv_heads, shape.head_dim)
    inputs = [spec_tensor(folder, "value", value), spec_tensor(folder, "cache", cache), {"int": UPDATE_POS}]
    spec = {"op": "llama::update_cache.out", "threads": threads, "repeats": repeats, "inputs": inputs}
    spec |= {"out": spec_tensor(folder, "out", torch.zeros(1)), "result_file": str(folder / "r.bin")}
    spec["result_input"] = 1
    us = ours(check, folder, spec)
    et = theirs(lambda: torch.ops.llama.update_cache(value, cache, UPDATE_POS), repeats)
    return row("update_cache", UPDATE_POS, us, et)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("check", help="bluev-native-check of a build (make runner)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--shape", choices=tuple(SHAPES), default="smollm2")
    args = parser.parse_args()
    shape = SHAPES[args.shape]
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="bluev-kernels-") as tmp:
        folder = Path(tmp)
        rows = sdpa_rows(args.check, folder, shape, args.threads, args.repeats)
        rows.append(update_row(args.check, folder, shape, args.threads, args.repeats))
    print(json.dumps({"shape": args.shape, "threads": args.threads, "repeats": args.repeats, "rows": rows}))


if __name__ == "__main__":
    main()
