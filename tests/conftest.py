"""Shared test helpers: run the installed `bluev` console script as a user would."""

from __future__ import annotations

import os
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


def export_once(tmp_path_factory, preset: str, *extra: str) -> Path:
    """Export a preset through the real CLI once per test session.

    A developer may set BLUEV_TEST_CACHE=DIR to keep artifacts across sessions
    (delete DIR after changing export code); CI leaves it unset.
    """
    cache = os.environ.get("BLUEV_TEST_CACHE")
    if cache and (Path(cache) / preset / "manifest.json").is_file():
        return Path(cache) / preset
    base = Path(cache) if cache else tmp_path_factory.mktemp(f"artifacts-{preset}")
    out = base / preset
    r = run_bluev("export", "--preset", preset, "--out", str(out), *extra, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    (out.parent / f"{preset}.export.stdout").write_text(r.stdout)
    (out.parent / f"{preset}.export.stderr").write_text(r.stderr)
    return out


@pytest.fixture(scope="session")
def tiny_artifacts(tmp_path_factory) -> Path:
    return export_once(tmp_path_factory, "tiny")


@pytest.fixture(scope="session")
def smollm2_artifacts(tmp_path_factory) -> Path:
    return export_once(tmp_path_factory, "smollm2")


@pytest.fixture(scope="session")
def tiny_model():
    from bluev.export.presets import build, get_preset

    return build(get_preset("tiny"))


@pytest.fixture(scope="session")
def sample_image(tmp_path_factory) -> Path:
    from bluev.runtime.sample import draw_sample

    path = tmp_path_factory.mktemp("images") / "sample.png"
    draw_sample().save(path)
    return path
