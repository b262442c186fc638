"""Decode-step cost of bluev-runner's llama kernels vs ExecuTorch's, on SmolLM2's decode shapes.

bluev's `llama::custom_sdpa.out` / `llama::update_cache.out` (runtime/native/src/kernels/, timed
in C++ by `bluev-native-check op` with "repeats") against ExecuTorch's optimized ones, which the
Python runtime uses (`torch.ops.llama.*` from the executorch wheel; each call there also pays
the torch dispatcher, a few microseconds, which favours bluev's side of the table slightly).

Usage: python tools/bench_llama_kernels.py build/native/host/bluev-native-check [--threads N]
Prints one JSON object: microseconds per call, per kernel and cache fill.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from executorch.extension.llm.custom_ops import custom_ops  # noqa: F401  (registers torch.ops.llama.*)

# SmolLM2-135M: 9 query heads, 3 kv heads, head dim 64, a 2048-token cache
CACHE, HEADS, KV_HEADS, HEAD_DIM = 2048, 9, 3, 64
FILLS = (64, 512, 1536)  # start_pos of the decode step
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


def sdpa_rows(check: str, folder: Path, threads: int, repeats: int) -> list[dict]:
    g = torch.Generator().manual_seed(0)
    rows = []
    for start in FILLS:
        q = torch.randn(1, 1, HEADS, HEAD_DIM, generator=g)
        k, v = (torch.randn(1, CACHE, KV_HEADS, HEAD_DIM, generator=g) for _ in range(2))
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


def update_row(check: str, folder: Path, threads: int, repeats: int) -> dict:
    value = torch.randn(1, 1, KV_HEADS, HEAD_DIM)
    cache = torch.zeros(1, CACHE, KV_HEADS, HEAD_DIM)
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
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="bluev-kernels-") as tmp:
        folder = Path(tmp)
        rows = sdpa_rows(args.check, folder, args.threads, args.repeats)
        rows.append(update_row(args.check, folder, args.threads, args.repeats))
    print(json.dumps({"threads": args.threads, "repeats": args.repeats, "rows": rows}))


if __name__ == "__main__":
    main()
