"""The tree stays ruff-clean (lint and format), as CI sees it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUFF = Path(sys.executable).parent / "ruff"


def test_ruff_check_and_format(repo):
    for args in (["check", "."], ["format", "--check", "."]):
        r = subprocess.run([str(RUFF), *args], cwd=repo, capture_output=True, text=True, check=False)
        assert r.returncode == 0, r.stdout + r.stderr
