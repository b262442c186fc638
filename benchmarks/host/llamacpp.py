"""llama.cpp's tools: ``llama-bench`` on the same weights (the GGUF that the smollm2 preset is built from)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bluev.benchmarks.host.child import failure
from bluev.errors import BadInput

BUILT_BY_MAKE_PEERS = Path("llama.cpp/bin")  # under the peers folder: llama-bench, llama-mtmd-cli


def find_llama_tool(explicit: Path | None, peers: Path, name: str = "llama-bench") -> Path | None:
    """The explicit PATH, else what `make peers` built, else one on PATH; None if there is none."""
    if explicit is not None:
        if not explicit.is_file():
            raise BadInput(f"{explicit}: no such file ({name})")
        return explicit
    built = peers / BUILT_BY_MAKE_PEERS / name
    if built.is_file():
        return built
    found = shutil.which(name)
    return Path(found) if found else None


@dataclass(frozen=True)
class LlamaBench:
    """llama-bench and how it runs: the same threads and flash attention (-fa) for every test."""

    binary: Path
    threads: int
    flash_attn: str = "auto"


def run_llama_bench(tool: LlamaBench, gguf: Path, *flags: str) -> list[dict]:
    """llama-bench's JSON rows for ``flags`` (it warms up itself); one repetition per test."""
    command = [
        str(tool.binary), "-m", str(gguf), "-t", str(tool.threads), "-fa", tool.flash_attn,
        *flags, "-r", "1", "-o", "json",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise BadInput(f"{tool.binary}: llama-bench failed ({failure(done.returncode, done.stderr)})")
    return json.loads(done.stdout)


def llama_bench(tool: LlamaBench, gguf: Path, prefill_tokens: int, decode_tokens: int) -> dict:
    """One llama-bench run: prompt processing and generation tokens/s."""
    rows = run_llama_bench(tool, gguf, "-p", str(prefill_tokens), "-n", str(decode_tokens))
    out: dict = {}
    for row in rows:
        if row.get("n_prompt", 0) > 0 and row.get("n_gen", 0) == 0:
            out["prefill_tok_s"] = round(float(row["avg_ts"]), 2)
        elif row.get("n_gen", 0) > 0 and row.get("n_prompt", 0) == 0:
            out["decode_tok_s"] = round(float(row["avg_ts"]), 2)
    if "decode_tok_s" not in out or "prefill_tok_s" not in out:
        raise BadInput(f"{tool.binary}: llama-bench printed no pp/tg rows")
    return out


def llama_bench_sweep(
    tool: LlamaBench, gguf: Path, prompts: list[int], depths: list[int], decode_tokens: int
) -> tuple[dict[int, float], dict[int, float]]:
    """Prompt tok/s per prompt length (from an empty context) and generation tok/s per depth.

    Two runs: llama-bench crosses every -p and -n with every -d, so one run with both lists
    would also time each prompt at each depth.
    """
    prefill: dict[int, float] = {}
    decode: dict[int, float] = {}
    if prompts:
        joined = ",".join(map(str, prompts))
        for row in run_llama_bench(tool, gguf, "-p", joined, "-n", "0"):
            prefill[int(row["n_prompt"])] = round(float(row["avg_ts"]), 2)
    if depths:
        joined = ",".join(map(str, depths))
        flags = ("-p", "0", "-n", str(decode_tokens), "-d", joined)
        for row in run_llama_bench(tool, gguf, *flags):
            decode[int(row.get("n_depth", 0))] = round(float(row["avg_ts"]), 2)
    return prefill, decode
