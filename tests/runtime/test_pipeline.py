"""runtime/pipeline.py helpers that need no artifacts."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from bluev.runtime.kernels import peak_rss_mb


def test_peak_rss_of_a_child_is_its_own_not_the_parents() -> None:
    big = np.ones(1 << 28, dtype=np.float32)  # 1 GiB touched: this process's peak is past it
    del big
    assert peak_rss_mb() > 1024
    code = "from bluev.runtime.kernels import peak_rss_mb; print(peak_rss_mb())"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # the child imports torch and numpy (a few hundred MB); it touched no GiB of its own
    assert 10 < float(child.stdout) < 900
