"""A peer that crashes is reported as a crash (benchmarks/host/child.py).

The children are real programs: a shell script in place of llama-mtmd-cli that logs what
llama.cpp logs before the general protection fault of 2026-12-03 and then dies of a signal,
and one that exits with an error, run through the bench's own runner functions.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from bluev.benchmarks.host.child import exit_reason, failure, last_line
from bluev.benchmarks.host.llamacpp import LlamaBench, run_llama_bench
from bluev.benchmarks.host.mtmd import MtmdRun, mtmd_answer
from bluev.errors import BadInput


def program(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_a_signal_is_named_with_the_last_thing_the_program_said(tmp_path: Path) -> None:
    crash = program(
        tmp_path, "llama-mtmd-cli", "echo 'loading model'\necho 'warming up the model'\nkill -SEGV $$"
    )
    run = MtmdRun(
        crash, tmp_path / "llm.gguf", tmp_path / "mmproj.gguf", threads=2, context=4096, new_tokens=4
    )
    with pytest.raises(BadInput) as error:
        mtmd_answer(run, tmp_path / "photo.jpg", "Describe this photo.")
    message = str(error.value)
    assert "llama-mtmd-cli failed (killed by SIGSEGV (Segmentation fault)" in message
    assert message.endswith("last output: warming up the model)")


def test_an_exit_status_is_given_with_stderr_last_line(tmp_path: Path) -> None:
    bench = program(tmp_path, "llama-bench", "echo 'main: error: failed to load model' >&2\nexit 3")
    with pytest.raises(
        BadInput, match=r"llama-bench failed \(exit 3; last output: main: error: failed to load model\)"
    ):
        run_llama_bench(LlamaBench(bench, 2), tmp_path / "model.gguf", "-p", "8")


def test_reasons_from_real_exit_statuses() -> None:
    killed = subprocess.run(["sh", "-c", "kill -ABRT $$"], capture_output=True, text=True)
    assert exit_reason(killed.returncode) == f"killed by SIGABRT ({signal.strsignal(signal.SIGABRT)})"
    assert exit_reason(subprocess.run(["sh", "-c", "exit 2"]).returncode) == "exit 2"
    assert exit_reason(-99) == "killed by signal 99"  # beyond the signals Python names


def test_last_line_prefers_the_first_output_that_said_anything() -> None:
    assert last_line("", "stdout line 1\nstdout line 2\n\n") == "stdout line 2"
    assert last_line("  err  \n", "out") == "err"
    assert last_line("", "  \n") == "no output"
    assert failure(1, "") == "exit 1; last output: no output"
