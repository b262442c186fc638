"""The README's main job, `make run-sample`, works (on the session's tiny artifacts)."""

from __future__ import annotations

import subprocess


def test_make_run_sample(repo, tiny_artifacts, tmp_path):
    sample = tmp_path / "sample.png"
    r = subprocess.run(
        ["make", "-s", "-C", str(repo), "run-sample", f"OUT={tiny_artifacts}", f"SAMPLE={sample}"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert sample.is_file() and "sample image" in r.stdout
    assert "tiles" in r.stderr and "tok/s" in r.stderr
