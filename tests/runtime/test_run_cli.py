"""`bluev run` and `bluev export` as a user runs them, including every kind of bad input."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

STATS = {
    "tiles",
    "image_encode_ms",
    "prefill_tokens",
    "prefill_tok_s",
    "decode_tokens",
    "decode_tok_s",
    "ttft_ms",
    "peak_rss_mb",
}


def test_run_json_with_image(run_json, tiny_artifacts, sample_image):
    out = run_json(
        tiny_artifacts, "What is in this picture?", "--image", str(sample_image), "--max-new-tokens", "6"
    )
    assert isinstance(out["text"], str) and STATS <= set(out["stats"])
    assert out["stats"]["tiles"] == 5 and out["stats"]["image_encode_ms"] > 0
    phases = out["stats"]["peak_rss_mb_by_phase"]
    # the LLM loads once the picture is encoded and its vision programs are freed
    assert list(phases) == ["load", "image_encode", "llm_load", "prefill", "decode"]
    assert 0 < out["stats"]["llm_load_ms"] < out["stats"]["ttft_ms"]
    # each phase's own peak; the run's peak is the largest of them
    assert all(mb > 0 for mb in phases.values())
    assert max(phases.values()) == pytest.approx(out["stats"]["peak_rss_mb"], abs=0.2)


def test_run_streams_text_and_prints_stats_line(bluev_cli, tiny_artifacts):
    r = bluev_cli("run", "--artifacts", str(tiny_artifacts), "--prompt", "Hi", "--max-new-tokens", "4")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "decode" in r.stderr and "tok/s" in r.stderr and "TTFT" in r.stderr
    # native runtime logs are kept off the terminal: the stats line, then the random-weights note
    stats, note = r.stderr.strip().splitlines()
    assert stats.startswith("[") and note.startswith("note: preset tiny has random weights")
    assert "bluev export --preset smollm2" in note


@pytest.fixture
def artifacts_copy(tiny_artifacts, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(tiny_artifacts, dst)
    return dst


def run_hi(bluev_cli, artifacts, *extra):
    return bluev_cli("run", "--artifacts", str(artifacts), "--prompt", "Hi", "--max-new-tokens", "2", *extra)


def test_missing_artifact_dir(one_line_error, bluev_cli, tmp_path):
    one_line_error(run_hi(bluev_cli, tmp_path / "nope"), "nope", "no such artifact directory")


def test_corrupt_pte_fails_hash_check(one_line_error, bluev_cli, artifacts_copy):
    data = bytearray((artifacts_copy / "llm.pte").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (artifacts_copy / "llm.pte").write_bytes(bytes(data))
    one_line_error(run_hi(bluev_cli, artifacts_copy), "llm.pte", "sha256")


def test_garbage_pte_with_matching_hash(one_line_error, bluev_cli, artifacts_copy):
    (artifacts_copy / "llm.pte").write_bytes(b"not a program" * 100)
    manifest = json.loads((artifacts_copy / "manifest.json").read_text())
    manifest["components"]["llm"]["sha256"] = hashlib.sha256(b"not a program" * 100).hexdigest()
    (artifacts_copy / "manifest.json").write_text(json.dumps(manifest))
    one_line_error(run_hi(bluev_cli, artifacts_copy), "could not load")


def test_missing_pte(one_line_error, bluev_cli, artifacts_copy):
    (artifacts_copy / "projector.pte").unlink()
    one_line_error(run_hi(bluev_cli, artifacts_copy), "projector.pte", "missing")


def test_format_version_mismatch(one_line_error, bluev_cli, artifacts_copy):
    manifest = json.loads((artifacts_copy / "manifest.json").read_text())
    manifest["format_version"] = 99
    (artifacts_copy / "manifest.json").write_text(json.dumps(manifest))
    one_line_error(run_hi(bluev_cli, artifacts_copy), "manifest.json", "format version 99")


def test_prompt_over_the_context(one_line_error, bluev_cli, tiny_artifacts):
    r = bluev_cli("run", "--artifacts", str(tiny_artifacts), "--prompt", "word " * 3000)
    one_line_error(r, "over the context of 2048")


def test_missing_and_corrupt_image(one_line_error, bluev_cli, tiny_artifacts, tmp_path):
    one_line_error(run_hi(bluev_cli, tiny_artifacts, "--image", str(tmp_path / "x.png")), "x.png")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    one_line_error(run_hi(bluev_cli, tiny_artifacts, "--image", str(bad)), "bad.jpg")


def test_export_refuses_another_presets_dir(one_line_error, bluev_cli, artifacts_copy):
    r = bluev_cli("export", "--preset", "smollm2", "--out", str(artifacts_copy))
    one_line_error(r, "preset 'tiny'", "--force")
    assert (artifacts_copy / "vision_encoder.pte").exists()  # untouched


def test_export_refuses_a_non_artifact_dir(one_line_error, bluev_cli, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    one_line_error(
        bluev_cli("export", "--preset", "tiny", "--out", str(tmp_path)), "not a bluev artifact directory"
    )


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--preset", "huge"], "'huge' is not one of 'tiny'"),
        (["--quant", "int3"], "quant recipe 'int3'"),
        (["--quant", "8da4w-g48"], "multiple of 32"),
        (["--quant", "8da4w-g128"], "does not divide the input width 64"),
        (["--quant", "4w-g32"], "no weight-only 4-bit"),
        (["--quant", "mtk-a16w4"], "export it with --backend mediatek --soc SOC"),
        (["--backend", "vulkan", "--quant", "default"], "use --quant float"),
        (["--backend", "mediatek"], "backend mediatek needs --soc: one of mt6989 (Dimensity 9300)"),
        (["--backend", "mediatek", "--soc", "mt6989", "--quant", "default"], "use --quant mtk-a16w4"),
        (["--preset", "hf"], "--checkpoint"),
        (["--preset", "tiny", "--checkpoint", "."], "--checkpoint"),
    ],
)
def test_export_bad_options(one_line_error, bluev_cli, tmp_path, args, needle):
    one_line_error(bluev_cli("export", "--out", str(tmp_path / "out"), *args), needle)
    assert not (tmp_path / "out").exists()
