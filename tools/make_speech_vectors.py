"""Write tests/data/speech_vectors.json: the audio front end's answers the app's Java core must reproduce.

Usage: python tools/make_speech_vectors.py [OUT]   (or `make vectors`)

Resampling cases (runtime/audio.resample) and one log-mel case (runtime/audio.log_mel) on a
short chunk, so the file stays small; the filter bank is WhisperFeatureExtractor's, as
float32 little-endian bytes in base64. Floats are written as the float32 values themselves.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np
from transformers import WhisperFeatureExtractor

from bluev.fileio import atomic_write_text
from bluev.runtime.audio import ZERO_CROSSINGS, log_mel, resample
from bluev.runtime.manifest import LogMel, MelFilters

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "speech_vectors.json"
CHUNK_SAMPLES = 3200  # 0.2 s at 16 kHz: 20 frames


def signal(n: int, rate: int) -> np.ndarray:
    """A chirp plus a tone plus a click: energy across the band, and an edge."""
    t = np.arange(n) / rate
    x = 0.4 * np.sin(2 * np.pi * (200 * t + 4000 * t * t)) + 0.2 * np.sin(2 * np.pi * 3000 * t)
    x[n // 3] += 0.3
    return x.astype(np.float32)


def floats(a: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


def resample_cases() -> list[dict]:
    cases = []
    for src, dst, n in [(22050, 16000, 441), (48000, 16000, 480), (44100, 16000, 300), (8000, 16000, 160)]:
        x = signal(n, src)
        cases.append({"src": src, "dst": dst, "input": floats(x), "expect": floats(resample(x, src, dst))})
    return cases


def log_mel_case() -> dict:
    fe = WhisperFeatureExtractor()
    filters = np.ascontiguousarray(fe.mel_filters, dtype="<f4")
    frames = CHUNK_SAMPLES // fe.hop_length
    spec = LogMel(
        sampling_rate=fe.sampling_rate, n_fft=fe.n_fft, hop_length=fe.hop_length, n_mels=fe.feature_size,
        chunk_length=0, n_samples=CHUNK_SAMPLES, frames=frames, window="hann-periodic",
        log_floor=1e-10, dynamic_range=8.0, offset=4.0, scale=4.0,
        filters=MelFilters(file="", sha256="", bytes=filters.nbytes, shape=list(filters.shape),
                           dtype="float32", norm="slaney", mel_scale="slaney", min_frequency=0.0,
                           max_frequency=8000.0),
    )  # fmt: skip
    x = signal(CHUNK_SAMPLES * 3 // 4, fe.sampling_rate)  # shorter than the chunk: zero-padded
    return {
        "sampling_rate": spec.sampling_rate,
        "n_fft": spec.n_fft,
        "hop_length": spec.hop_length,
        "n_mels": spec.n_mels,
        "n_samples": spec.n_samples,
        "frames": spec.frames,
        "log_floor": spec.log_floor,
        "dynamic_range": spec.dynamic_range,
        "offset": spec.offset,
        "scale": spec.scale,
        "filters_shape": list(filters.shape),
        "filters_f32le_base64": base64.b64encode(filters.tobytes()).decode("ascii"),
        "input": floats(x),
        "expect": floats(log_mel(x, spec, filters)),
    }


def build() -> dict:
    return {
        "format": "bluev-speech-vectors",
        "version": 1,
        "zero_crossings": ZERO_CROSSINGS,
        "resample": resample_cases(),
        "log_mel": log_mel_case(),
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    atomic_write_text(out, json.dumps(build(), separators=(",", ":")) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
