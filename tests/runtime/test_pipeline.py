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


def test_each_phase_has_its_own_peak() -> None:
    # a child process, so that this test's own peak is not the earlier tests'
    code = (
        "import numpy as np\n"
        "from bluev.runtime.kernels import peak_rss_mb, phase_peak_rss_mb\n"
        "phase_peak_rss_mb()\n"
        "big = np.ones(1 << 27, dtype=np.float32); del big\n"  # 512 MiB touched, then freed
        "first = phase_peak_rss_mb()\n"
        "small = np.ones(1 << 20, dtype=np.float32)\n"
        "second = phase_peak_rss_mb()\n"
        "print(first, second, peak_rss_mb())\n"
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, second, overall = map(float, child.stdout.split())
    assert first > second + 400  # the second phase did not see the first one's 512 MiB
    assert overall == first  # the process's peak is kept across the phases


def test_the_runtime_imports_no_exporter() -> None:
    # executorch.exir pulls in torch._dynamo and inductor (~145 MB resident) that running never uses
    code = (
        "import sys, bluev.cli\n"
        "from bluev.quiet import library_warnings_quiet\n"
        "library_warnings_quiet()\n"
        "import bluev.runtime.pipeline\n"
        "print(sorted(m for m in ('executorch.exir', 'torch._dynamo', 'torch._inductor', 'torchao') "
        "if m in sys.modules))\n"
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "[]"
