"""bluev-gemv-probe (runtime/native/tools/gemv_probe.cpp): a hand-written one-row 4-bit linear
checked against its double-precision reference, then timed beside a plain read of its bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def has_vnni() -> bool:
    return " avx512_vnni" in Path("/proc/cpuinfo").read_text()


@pytest.mark.parametrize("streams", ["1", "3", "4"])  # 3: five tiles per thread leave a remainder
def test_the_kernel_matches_its_reference_and_reports_its_rate(host_build, streams: str) -> None:
    r = host_build.run("bluev-gemv-probe", "256", "1600", "2", streams, "0.05")
    if not has_vnni():
        assert r.returncode == 2 and "no AVX512-VNNI" in r.stderr
        return
    assert r.returncode == 0, r.stderr  # 1: a column differed from the reference (stderr names it)
    figures = json.loads(r.stdout)
    assert figures["bytes"] == 1600 * 256 * 5 // 8  # nibbles + fp16 scale and minimum per 32
    assert figures["streams"] == int(streams) and figures["threads"] == 2
    assert figures["kernel_gop_s"] > 0 and figures["read_gb_s"] > 0


def test_a_shape_the_layout_cannot_hold_is_refused(host_build) -> None:
    r = host_build.run("bluev-gemv-probe", "100", "1600")
    assert r.returncode == 2 and "K a multiple of 32, N of 16" in r.stderr
