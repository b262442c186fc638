"""Where one decode step of an export's llm.pte spends its time, by position, from ExecuTorch's own
profiler (ETDump: every delegate call, every XNNPACK operator inside it, every CPU kernel).

Each position gets a fresh program, one untimed step (it pages the weights in and packs them),
then ``--steps`` timed one-token steps at that position; the KV cache holds zeros, which costs
what real keys and values cost.

Usage: python tools/profile_decode.py artifacts/onevision-0.5b [--positions 32,2048,7285]
       [--steps 5] [--threads 2] [--top 8]
Prints, per position, ms per step in total and for the costliest events (summed over layers).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

import torch
from executorch.devtools import Inspector
from executorch.extension.pybindings import portable_lib

from bluev.runtime import kernels  # noqa: F401  (registers the llama:: and quantized kernels)
from bluev.runtime.artifacts import open_artifacts

STEP = "Method::execute"


def profile(folder: Path, position: int, steps: int) -> dict[str, float]:
    """ms per step of every event name at ``position`` (the untimed first step left out)."""
    art = open_artifacts(folder, verify=False)
    llm = art.manifest.llm
    assert llm is not None, f"{folder}: no LLM program"
    pte, data = art.program_files("llm")
    module = portable_lib._load_for_executorch(str(pte), str(data) if data else None, enable_etdump=True)
    embedding = torch.randn(1, 1, llm.dim)
    for step in range(steps + 1):
        module.run_method(llm.methods.decode, (embedding, torch.tensor([position + step], dtype=torch.long)))
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "decode.etdump"
        module.write_etdump_result_to_file(str(dump))
        inspector = Inspector(etdump_path=str(dump))
    per_step: dict[str, float] = defaultdict(float)
    for block in inspector.event_blocks:
        if block.name != "Execute":
            continue
        for event in block.events:  # one event per operator instance; raw: one time per step
            if event.perf_data is not None and len(event.perf_data.raw) > 1:
                per_step[event.name] += statistics.mean(event.perf_data.raw[1:])
    return dict(per_step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifacts", type=Path)
    parser.add_argument("--positions", default="32,2048,7285", help="comma-separated decode positions")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--top", type=int, default=8, help="events listed per position")
    args = parser.parse_args()
    kernels.set_xnnpack_threads(args.threads)
    for position in (int(p) for p in args.positions.split(",")):
        costs = profile(args.artifacts, position, args.steps)
        total = costs.pop(STEP, 0.0)
        print(f"position {position}: {total:.1f} ms per step ({1000 / total:.1f} tok/s)")
        for name, ms in sorted(costs.items(), key=lambda kv: -kv[1])[: args.top]:
            print(f"  {ms:8.2f} ms  {100 * ms / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
