"""Fixtures for the phone benchmark: the adb server double, runners for it, a free port."""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def _load(name: str):  # noqa: ANN202  (a module; tests run with --import-mode=importlib)
    spec = importlib.util.spec_from_file_location(f"bluev_tests_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


adb_double = _load("adb_double")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def real_adb() -> str:
    path = shutil.which("adb")
    assert path, "the adb client is missing: run `make system-deps` (Debian package adb)"
    return path


@pytest.fixture
def private_adb_port(real_adb):
    """A port for a real adb server of our own (never the user's 5037); killed afterwards."""
    port = free_port()
    yield port
    subprocess.run([real_adb, "-P", str(port), "kill-server"], capture_output=True, timeout=30, check=False)


@pytest.fixture
def double(tmp_path, real_adb):
    """The adb server double with one fake MT6989 phone, SER1; the real client talks to it."""
    with adb_double.AdbDouble(tmp_path / "phones") as d:
        d.add_phone("SER1")
        yield d


@pytest.fixture
def host_runner(tmp_path) -> Path:
    """A 'native runner' for the double: bluev's host runtime behind the stock runners' flags."""
    path = tmp_path / "llava_main"
    path.write_text(
        f"#!{sys.executable}\nimport sys\n"
        "from bluev.benchmarks.phone.host_runner import main\nsys.exit(main())\n"
    )
    path.chmod(0o755)
    return path


@pytest.fixture
def shell_runner(tmp_path):
    """A runner made of a shell script body, for crashes and hangs."""

    def make(body: str) -> Path:
        path = tmp_path / "bad_runner"
        path.write_text("#!/bin/sh\n" + body + "\n")
        path.chmod(0o755)
        return path

    return make


@pytest.fixture
def fake_app(double) -> None:
    """The demo app's benchmark entry point on the double's phones (`am start` -> result file)."""
    am = double.bin_dir / "am"
    am.write_text(f'#!/bin/sh\nexec {sys.executable} {HERE / "fake_app.py"} "$@"\n')
    am.chmod(0o755)
