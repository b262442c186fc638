"""Why a child program (a peer, a converter, a bench worker) failed, in one line for an error.

A signal is named first: llama.cpp dying of a general protection fault printed only its last
log line ("warming up the model ..."), which read like a hang or a slow load, not a crash.
"""

from __future__ import annotations

import signal


def exit_reason(returncode: int) -> str:
    """``exit 2``, or ``killed by SIGSEGV (Segmentation fault)`` for a child a signal ended."""
    if returncode >= 0:
        return f"exit {returncode}"
    number = -returncode
    try:
        name, described = signal.Signals(number).name, signal.strsignal(number)
    except ValueError:  # not a signal this Python knows
        return f"killed by signal {number}"
    return f"killed by {name} ({described})" if described else f"killed by {name}"


def last_line(*outputs: str) -> str:
    """The last non-blank line of the first output that has one (stderr before stdout, say)."""
    for output in outputs:
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "no output"


def failure(returncode: int, *outputs: str) -> str:
    """How it ended and what it said last: ``killed by SIGSEGV (...); last output: warming up``."""
    return f"{exit_reason(returncode)}; last output: {last_line(*outputs)}"
