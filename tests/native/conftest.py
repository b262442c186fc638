"""Both builds of bluev-runner (tests/conftest.py builds them): x86-64 natively, aarch64 under qemu."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session", params=["host", "arm64"])
def any_build(request):  # noqa: ANN201  (a NativeBuild)
    return request.getfixturevalue(f"{request.param}_build")


def run_runner(build, artifacts: Path, *args: str) -> tuple[str, dict]:
    """bluev-runner's answer and its `--stats-json` object (with the generated token ids)."""
    r = build.run("bluev-runner", "--artifacts", str(artifacts), "--stats-json", "--token-ids", *args)
    assert r.returncode == 0, r.stderr[-3000:]
    *text, stats = r.stdout.rstrip("\n").split("\n")
    return "\n".join(text), json.loads(stats)


@pytest.fixture(scope="session")
def runner_json():
    return run_runner
