"""`--llama-flash-attn` reaches every llama.cpp tool the bench runs (benchmarks/host/llamacpp.py, mtmd.py).

On the 2026-12-03 Xeon, llama.cpp's own choice (flash attention on, for a CPU) decoded at 4096
positions at half the rate of -fa off, so which one ran is part of every llama.cpp figure. The
tools here are shell scripts in llama.cpp's place that answer as llama.cpp does only when they
are given the flags the bench promises, run through the bench's own runner functions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bluev.benchmarks.host.llamacpp import LlamaBench, llama_bench, llama_bench_sweep
from bluev.benchmarks.host.mtmd import MtmdRun, mtmd_answer
from bluev.cli import cli
from bluev.errors import BadInput

DATA = Path(__file__).parent.parent / "data"
ROWS = (
    '[{"n_prompt": 8, "n_gen": 0, "n_depth": 0, "avg_ts": 100.5},'
    ' {"n_prompt": 0, "n_gen": 4, "n_depth": 0, "avg_ts": 50.25}]'
)


def program(folder: Path, name: str, wanted: str, answer: str) -> Path:
    """A tool that prints ``answer`` when its arguments contain ``wanted``, else fails as llama.cpp does."""
    path = folder / name
    path.write_text(
        f'#!/bin/sh\ncase " $* " in\n  *" {wanted} "*) {answer} ;;\n'
        '  *) echo "error: unexpected arguments: $*" >&2; exit 1 ;;\nesac\n'
    )
    path.chmod(0o755)
    return path


def test_llama_bench_gets_the_threads_and_flash_attention(tmp_path: Path) -> None:
    bench = program(tmp_path, "llama-bench", "-t 2 -fa off", f"echo '{ROWS}'")
    tool = LlamaBench(bench, threads=2, flash_attn="off")
    assert llama_bench(tool, tmp_path / "model.gguf", 8, 4) == {"prefill_tok_s": 100.5, "decode_tok_s": 50.25}
    _, decode = llama_bench_sweep(tool, tmp_path / "model.gguf", [], [0], 4)  # the sweep's depth run
    assert decode == {0: 50.25}
    with pytest.raises(BadInput, match=r"exit 1; last output: error: unexpected arguments: .* -fa on"):
        llama_bench(LlamaBench(bench, threads=2, flash_attn="on"), tmp_path / "model.gguf", 8, 4)


def test_llama_mtmd_cli_gets_flash_attention(tmp_path: Path) -> None:
    mtmd = program(tmp_path, "llama-mtmd-cli", "-fa off", f"cat '{DATA / 'mtmd_cli.log'}'")
    run = MtmdRun(mtmd, tmp_path / "llm.gguf", tmp_path / "mmproj.gguf", 2, 4096, 4, flash_attn="off")
    answer = mtmd_answer(run, tmp_path / "photo.jpg", "Describe this photo.")
    assert answer["image_tokens"] > 0 and answer["decode_tok_s"] > 0


def test_an_unknown_setting_is_refused_by_the_cli() -> None:
    result = CliRunner().invoke(cli, ["bench", "host", "--preset", "tiny", "--llama-flash-attn", "fast"])
    assert result.exit_code == 2 and "'fast' is not one of 'auto', 'on', 'off'" in result.output
