"""bluev-runner (runtime/native) built by the Makefile once per session, for x86-64 and aarch64."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / os.environ.get("BLUEV_RUNNER_BUILD", "build/native")
QEMU = ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]


@dataclass(frozen=True)
class NativeBuild:
    """One build of the runner and its check tool, and how to start them (natively or under qemu)."""

    name: str
    directory: Path
    prefix: tuple[str, ...] = ()

    def command(self, tool: str, *args: str) -> list[str]:
        return [*self.prefix, str(self.directory / tool), *args]

    def run(self, tool: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(tool, *args), capture_output=True, text=True, timeout=timeout, check=False
        )


def make(target: str) -> None:
    """`make TARGET`: a no-op when the build is current (CMake builds incrementally)."""
    r = subprocess.run(["make", "--no-print-directory", target], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-3000:])


@pytest.fixture(scope="session")
def host_build() -> NativeBuild:
    make("runner")
    return NativeBuild("x86-64", BUILD / "host")


@pytest.fixture(scope="session")
def arm64_build() -> NativeBuild:
    make("runner-arm64")
    return NativeBuild("aarch64 (qemu)", BUILD / "arm64", tuple(QEMU))


@pytest.fixture(scope="session", params=["host", "arm64"])
def any_build(request) -> NativeBuild:
    return request.getfixturevalue(f"{request.param}_build")
