"""`bluev bench host --sweep` on the tiny artifacts: every curve's points measured or said why not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from bluev.benchmarks.host.sweep import (
    DECODE_POSITIONS,
    PREFILL_LENGTHS,
    SMOLLM2_ONLY,
    VISION_TILES,
    clip,
    context_limit,
)
from bluev.runtime.manifest import MANIFEST, read_manifest

DECODE_TOKENS = 8


@pytest.fixture(scope="module")
def sweep_run(tiny_quant_artifacts: Path, bluev_cli_once, tmp_path_factory) -> tuple[dict, Path, str]:
    """One real sweep (1 round, ours and eager; llama.cpp and export_llm do not apply to tiny)."""
    out = tmp_path_factory.mktemp("sweep") / "report"
    r = bluev_cli_once(
        "bench", "host", "--artifacts", str(tiny_quant_artifacts), "--sweep", "--repeats", "1",
        "--decode-tokens", str(DECODE_TOKENS), "--json", "--out", str(out), cwd=out.parent,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout), out, r.stderr


@pytest.mark.slow
def test_sweep_clips_to_the_context_limit(sweep_run, tiny_quant_artifacts: Path) -> None:
    report, _, _ = sweep_run
    sweep = report["sweep"]
    seq = read_manifest(tiny_quant_artifacts / MANIFEST).llm.max_seq_len
    limit = seq - DECODE_TOKENS
    assert sweep["context_limit"]["max_seq_len"] == seq and sweep["context_limit"]["prompt_tokens"] == limit
    for curve, wanted in (("prefill", PREFILL_LENGTHS), ("decode", DECODE_POSITIONS)):
        points = sweep[curve]["points"]
        assert points == sorted({p for p in wanted if p <= limit} | {limit}), curve
        # tiny holds 2048 positions: a 2048-token prompt leaves no room to decode
        assert set(sweep[curve]["clipped"]) == {str(p) for p in wanted if p > limit} == {"2048"}
        assert "context limit" in sweep[curve]["clipped"]["2048"]
    assert sweep["vision"]["points"] == list(VISION_TILES) and not sweep["vision"]["clipped"]
    assert "speech" not in report["components"]  # the sweep has no speech curve


@pytest.mark.slow
def test_sweep_measures_every_point_or_says_why(sweep_run, tiny_quant_artifacts: Path) -> None:
    report, _, stderr = sweep_run
    sweep = report["sweep"]
    for curve in ("prefill", "decode", "vision"):
        entry = sweep[curve]
        assert set(entry["systems"]) == {"bluev", "eager"}, curve
        for system in {*entry["systems"], *entry["left_out"]}:
            measured = entry["systems"].get(system, {})
            left_out = entry["left_out"].get(system, {})
            for point in map(str, entry["points"]):
                assert (point in measured) != (point in left_out), (curve, system, point)
                if point in measured:
                    value = measured[point]
                    assert value["median"] > 0 and value["spread"][0] <= value["median"] <= value["spread"][1]
                else:
                    assert left_out[point], (curve, system, point)
    # the smollm2-only peers: out of every text point, and of vision for having none
    for curve in ("prefill", "decode"):
        for peer in ("llama.cpp", "executorch"):
            assert set(sweep[curve]["left_out"][peer].values()) == {SMOLLM2_ONLY}
    assert "no vision encoder" in sweep["vision"]["left_out"]["llama.cpp"]["1"]
    vision = read_manifest(tiny_quant_artifacts / MANIFEST).vision
    for tiles, batches in sweep["vision"]["batches"].items():
        assert sum(batches) == int(tiles) and max(batches) <= vision.max_batch
    roof = sweep["decode"]["roofline"]
    limits = [roof["limit_tok_s"][str(p)] for p in sweep["decode"]["points"]]
    assert roof["bandwidth_gb_s"] > 0 and limits == sorted(limits, reverse=True)  # the KV cache grows
    assert sweep["peak_rss_mb"]["bluev"] > 50 and "Traceback" not in stderr


@pytest.mark.slow
def test_sweep_writes_one_chart_per_curve_and_a_table(sweep_run) -> None:
    report, out, _ = sweep_run
    names = sorted(p.name for p in out.iterdir())
    assert names == ["report.json", "report.txt", "sweep-decode.png", "sweep-prefill.png", "sweep-vision.png"]
    for curve in ("prefill", "decode", "vision"):
        with Image.open(out / f"sweep-{curve}.png") as image:
            assert image.format == "PNG" and image.size == (720, 420)
            image.verify()
    assert json.loads((out / "report.json").read_text()) == report
    table = (out / "report.txt").read_text()
    assert "prefill tok/s / prompt tokens" in table and "vision ms / tiles" in table
    assert "clipped 2048: past the context limit" in table and "llama.cpp left out at" in table


def test_clip_keeps_the_points_that_fit_and_the_limit() -> None:
    limit = context_limit(600, 100)
    curve = clip(PREFILL_LENGTHS, limit, 600, 100)
    assert limit == 500 and curve.points == [128, 500]
    assert set(curve.clipped) == {"512", "1024", "2048"}
    assert clip(DECODE_POSITIONS, 1024, 2048, 1024).points == [0, 512, 1024]  # the limit is a listed point


def test_sweep_refuses_more_decode_tokens_than_the_context(tiny_quant_artifacts: Path, bluev_cli) -> None:
    r = bluev_cli(
        "bench", "host", "--artifacts", str(tiny_quant_artifacts), "--sweep", "--decode-tokens", "4096"
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (
        f"bluev: error: {tiny_quant_artifacts}: --decode-tokens 4096 leaves no room for a prompt "
        "in max_seq_len 2048"
    )
