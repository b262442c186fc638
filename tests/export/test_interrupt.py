"""A killed export leaves nothing behind: no half-written artifact dir, no staging folder."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path


def test_sigterm_during_lowering_cleans_up(tmp_path):
    bluev = Path(sys.executable).parent / "bluev"
    out = tmp_path / "art"
    proc = subprocess.Popen(
        [str(bluev), "export", "--preset", "tiny", "--quant", "float", "--out", str(out)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # wait until the staging folder exists and lowering has started
        if line.startswith("[2/"):
            break
    assert list(tmp_path.glob(".art.*.part")), "the export should be staging by now"
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 130
    assert "bluev: interrupted" in rest
    assert sorted(p.name for p in tmp_path.iterdir()) == []
