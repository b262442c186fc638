"""llama.cpp's ``llama-bench`` on the same weights (the GGUF that the smollm2 preset is built from)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from bluev.errors import BadInput

BUILT_BY_MAKE_PEERS = Path("llama.cpp/bin/llama-bench")  # under the peers folder


def find_llama_bench(explicit: Path | None, peers: Path) -> Path | None:
    """--llama-bench PATH, else what `make peers` built, else one on PATH; None if there is none."""
    if explicit is not None:
        if not explicit.is_file():
            raise BadInput(f"--llama-bench {explicit}: no such file")
        return explicit
    built = peers / BUILT_BY_MAKE_PEERS
    if built.is_file():
        return built
    found = shutil.which("llama-bench")
    return Path(found) if found else None


def llama_bench(binary: Path, gguf: Path, threads: int, prefill_tokens: int, decode_tokens: int) -> dict:
    """One llama-bench run (it warms up itself): prompt processing and generation tokens/s."""
    command = [
        str(binary), "-m", str(gguf), "-t", str(threads),
        "-p", str(prefill_tokens), "-n", str(decode_tokens), "-r", "1", "-o", "json",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise BadInput(f"{binary}: llama-bench failed ({tail})")
    out: dict = {}
    for row in json.loads(done.stdout):
        if row.get("n_prompt", 0) > 0 and row.get("n_gen", 0) == 0:
            out["prefill_tok_s"] = round(float(row["avg_ts"]), 2)
        elif row.get("n_gen", 0) > 0 and row.get("n_prompt", 0) == 0:
            out["decode_tok_s"] = round(float(row["avg_ts"]), 2)
    if "decode_tok_s" not in out or "prefill_tok_s" not in out:
        raise BadInput(f"{binary}: llama-bench printed no pp/tg rows")
    return out
