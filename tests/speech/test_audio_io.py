"""runtime/audio.py on real WAV files: PCM widths, stereo mixdown, resampling, refusals."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from bluev.errors import BadInput
from bluev.runtime.audio import load_audio, read_wav, resample


def tone(freq: float, rate: int, seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return 0.5 * np.sin(2 * np.pi * freq * t)


@pytest.mark.parametrize("width", [2, 4])
def test_pcm_samples_read_back(tmp_path, wav, width):
    x = tone(440, 16000)
    audio = read_wav(wav(tmp_path / "a.wav", x, 16000, width))
    assert audio.rate == 16000 and len(audio.samples) == len(x)
    assert np.abs(audio.samples - x).max() < 2.0 / 2 ** (8 * width - 1) + 1e-7


def test_stereo_is_averaged_to_mono(tmp_path, wav):
    x = tone(300, 16000)
    audio = read_wav(wav(tmp_path / "s.wav", np.stack([x, np.zeros_like(x)], axis=1), 16000))
    assert np.abs(audio.samples - x / 2).max() < 1e-4


@pytest.mark.parametrize("src", [22050, 44100, 48000, 8000])
def test_resampled_tone_matches_the_tone_at_16k(src):
    """A 1 kHz tone resampled to 16 kHz is the 1 kHz tone sampled at 16 kHz (away from the ends)."""
    out = resample(tone(1000, src), src, 16000)
    assert len(out) == -(-len(tone(1000, src)) * 16000 // src)
    want = tone(1000, 16000)[: len(out)]
    middle = slice(200, len(want) - 200)
    assert np.abs(out[middle] - want[middle]).max() < 2e-3


def test_resampling_down_removes_what_the_new_rate_cannot_hold():
    """A 12 kHz tone is above 16 kHz's Nyquist: resampled from 48 kHz it is filtered out, not aliased."""
    out = resample(tone(12000, 48000), 48000, 16000)
    assert np.abs(out[200:-200]).max() < 0.5 * 10 ** (-40 / 20)


def test_same_rate_is_untouched(tmp_path, wav):
    x = tone(440, 16000)
    path = wav(tmp_path / "a.wav", x, 16000)
    assert np.array_equal(load_audio(path, 16000), read_wav(path).samples)


def test_refusals_name_the_file_and_the_reason(tmp_path, wav):
    not_wav = tmp_path / "notes.wav"
    not_wav.write_text("not a RIFF file")
    empty = tmp_path / "empty.wav"
    with wave.open(str(empty), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
    silent = wav(tmp_path / "silent.wav", np.zeros(1600), 16000)
    for path, reason in [
        (not_wav, "not a PCM WAV file"),
        (empty, "holds no audio"),
        (silent, "silent"),
        (tmp_path / "missing.wav", "no such audio file"),
    ]:
        with pytest.raises(BadInput, match=reason) as info:
            load_audio(path, 16000)
        assert str(path) in str(info.value)
