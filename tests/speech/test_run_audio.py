"""`bluev run --audio FILE [--image X]` through the installed CLI on the tiny preset's set."""

from __future__ import annotations

import json

import numpy as np

SPEECH_STATS = ("transcribe_ms", "speech_encode_ms", "speech_decode_ms", "transcript_tokens")


def test_spoken_question_over_a_picture(bluev_cli, tiny_quant_artifacts, spoken_question, sample_image):
    r = bluev_cli(
        "run", "--artifacts", str(tiny_quant_artifacts), "--audio", str(spoken_question),
        "--image", str(sample_image), "--max-new-tokens", "4", "--json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout)
    stats = out["stats"]
    assert out["transcript"] and isinstance(out["text"], str)
    assert all(stats[k] > 0 for k in SPEECH_STATS), stats
    assert stats["image_encode_ms"] > 0 and stats["tiles"] > 0 and stats["image_encoder"] == "process"
    assert 0 <= stats["overlap_saved_ms"] <= min(stats["transcribe_ms"], stats["image_encode_ms"])
    # the TTFT counts from the end of the recording: the transcription is in it
    assert stats["ttft_ms"] >= stats["transcribe_ms"]


def test_spoken_question_prints_the_transcript_first(bluev_cli, tiny_quant_artifacts, spoken_question):
    args = (
        "--artifacts",
        str(tiny_quant_artifacts),
        "--audio",
        str(spoken_question),
        "--max-new-tokens",
        "3",
    )
    r = bluev_cli("run", *args)
    assert r.returncode == 0, r.stderr[-3000:]
    first = r.stdout.splitlines()[0]
    assert first.startswith("> ") and len(first) > 2
    assert "transcription" in r.stderr and "TTFT" in r.stderr


def test_bad_audio_is_one_line(bluev_cli, one_line_error, tiny_quant_artifacts, tmp_path, wav):
    not_wav = tmp_path / "q.wav"
    not_wav.write_bytes(b"\x89PNG not audio")
    silent = wav(tmp_path / "silent.wav", np.zeros(8000), 16000)
    long = wav(tmp_path / "long.wav", np.full(16000 * 31, 0.1), 16000)
    art = str(tiny_quant_artifacts)
    for path, reason in [(not_wav, "not a PCM WAV file"), (silent, "silent"), (long, "at most 30 s")]:
        one_line_error(bluev_cli("run", "--artifacts", art, "--audio", str(path)), str(path), reason)
    one_line_error(
        bluev_cli("run", "--artifacts", art, "--audio", str(tmp_path / "none.wav")), "no such audio"
    )
    both = bluev_cli("run", "--artifacts", art, "--audio", str(silent), "--prompt", "hi")
    one_line_error(both, "--prompt TEXT or as --audio")
