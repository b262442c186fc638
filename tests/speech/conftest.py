"""Spoken questions for the speech tests: Debian's espeak-ng says them into WAV files."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

QUESTION = "What is in this picture?"


def speak(text: str, out: Path) -> Path:
    """espeak-ng's voice (22050 Hz mono 16-bit) saying ``text`` into ``out``."""
    espeak = shutil.which("espeak-ng")
    assert espeak is not None, "espeak-ng is missing: make system-deps installs it"
    subprocess.run([espeak, "-w", str(out), text], check=True, capture_output=True, timeout=60)
    return out


def write_wav(path: Path, samples: np.ndarray, rate: int, width: int = 2) -> Path:
    """int PCM WAV from float samples [frames] or [frames, channels] in [-1, 1]."""
    frames = samples if samples.ndim == 2 else samples[:, None]
    scale = 2 ** (8 * width - 1) - 1
    dtype = {2: "<i2", 4: "<i4"}[width]
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(frames.shape[1])
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(np.round(frames * scale).astype(dtype).tobytes())
    return path


@pytest.fixture(scope="session")
def spoken_question(tmp_path_factory) -> Path:
    return speak(QUESTION, tmp_path_factory.mktemp("speech") / "question.wav")


@pytest.fixture
def wav():
    """``write_wav`` for tests (the suite imports test modules by path: helpers come as fixtures)."""
    return write_wav
