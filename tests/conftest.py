"""Shared test helpers: run the installed `bluev` console script as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BLUEV = Path(sys.executable).parent / "bluev"
REPO = Path(__file__).resolve().parents[1]


def run_bluev(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BLUEV), *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


@pytest.fixture
def bluev_cli():
    return run_bluev


@pytest.fixture
def repo() -> Path:
    return REPO
