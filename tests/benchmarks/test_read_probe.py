"""The roofline's native read pass (runtime/native/src/kernels/read_probe.cpp) reads every whole
64-byte line of its buffer once, whatever the threads and streams, and the probe uses it."""

from __future__ import annotations

import numpy as np
import pytest

from bluev.benchmarks.host.roofline import read_bandwidth_gb_s
from bluev.runtime import kernels

LINE = 64


@pytest.mark.parametrize(
    ("lines", "threads", "streams"),
    [
        (1, 1, 1),
        (5000, 2, 8),  # 16 KB chunks: 8 streams take 2048 lines a run, so most of a share is left over
        (77_777, 3, 5),  # shares and runs that do not divide
        (100_000, 2, 16),
    ],
)
def test_every_line_is_read_once(lines: int, threads: int, streams: int) -> None:
    read = kernels.read_pass()
    assert read is not None, "make host-kernels builds runtime/lib/libbluev_host_kernels.so"
    words = np.random.default_rng(lines).integers(0, 2**63, size=lines * LINE // 8 + 3, dtype=np.uint64)
    whole = words[: lines * LINE // 8]  # the 24 bytes past the last line are not a whole line
    assert read(words.ctypes.data, words.nbytes, threads, streams) == int(np.bitwise_xor.reduce(whole))


def test_nonsense_arguments_read_nothing() -> None:
    read = kernels.read_pass()
    assert read is not None
    words = np.ones(64, dtype=np.uint64)
    assert read(words.ctypes.data, words.nbytes, 0, 4) == 0
    assert read(words.ctypes.data, words.nbytes, 2, 17) == 0


def test_the_probe_reports_a_rate() -> None:
    assert read_bandwidth_gb_s(2, min_repeats=1, min_seconds=0.0) > 0
