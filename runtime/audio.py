"""WAV file -> the speech encoder's log-mel features, as the manifest's ``speech.features`` says.

Only numpy and python's ``wave`` module: PCM WAV files (8, 16, 24 or 32-bit integers), any
number of channels (averaged to mono), any sampling rate (resampled). The Java core of the
app (android_app/core, ``LogMel`` and ``Resampler``) does the same arithmetic, checked
against vectors from tools/make_speech_vectors.py.

Resampling is band-limited interpolation with a Hann-windowed sinc (``ZERO_CROSSINGS``
zero crossings each side, cut off at the lower of the two Nyquist frequencies), computed
directly per output sample in float64: no polyphase tables, so the two implementations
cannot round differently by construction of their tables.
"""

from __future__ import annotations

import math
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bluev.errors import BadInput
from bluev.runtime.manifest import LogMel

ZERO_CROSSINGS = 16
BLOCK = 4096  # output samples per vectorised step of the resampler (bounds its memory)


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # float32 mono in [-1, 1]
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def read_wav(path: Path) -> Audio:
    """A PCM WAV file as float mono samples; a file that is not one, or holds no sound, is refused."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise BadInput(f"{path}: no such audio file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, not a WAV file") from None
    except (wave.Error, EOFError) as exc:
        raise BadInput(f"{path}: not a PCM WAV file ({exc or 'cut short'})") from None
    if rate <= 0 or channels <= 0:
        raise BadInput(f"{path}: WAV header says {rate} Hz, {channels} channels")
    frames = len(raw) // (width * channels)
    if frames == 0:
        raise BadInput(f"{path}: the WAV file holds no audio")
    samples = pcm_to_float(raw[: frames * width * channels], width).reshape(frames, channels)
    return Audio(samples.mean(axis=1, dtype=np.float64).astype(np.float32), rate)


def pcm_to_float(raw: bytes, width: int) -> np.ndarray:
    """Little-endian PCM -> float in [-1, 1): 8-bit is unsigned, wider ones signed."""
    if width == 1:
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    if width in (2, 4):
        ints = np.frombuffer(raw, dtype=f"<i{width}")
        return (ints.astype(np.float64) / float(2 ** (8 * width - 1))).astype(np.float32)
    if width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        return (ints / float(1 << 23)).astype(np.float32)
    raise BadInput(f"{width * 8}-bit samples: WAV files of 8, 16, 24 or 32-bit PCM only")


def resample(samples: np.ndarray, src: int, dst: int) -> np.ndarray:
    """``samples`` at ``src`` Hz -> at ``dst`` Hz, ceil(n * dst / src) samples (float32)."""
    if src == dst:
        return samples.astype(np.float32, copy=False)
    x = samples.astype(np.float64)
    cutoff = min(1.0, dst / src)  # of the input's Nyquist frequency
    half = math.ceil(ZERO_CROSSINGS / cutoff)  # input samples each side of an output sample
    n_out = -(-len(x) * dst // src)
    out = np.empty(n_out, dtype=np.float64)
    taps = np.arange(-half + 1, half + 1)
    padded = np.concatenate([np.zeros(half), x, np.zeros(half + 1)])
    for start in range(0, n_out, BLOCK):
        n = np.arange(start, min(start + BLOCK, n_out))
        t = n * src / dst  # the output sample's position on the input's sample grid
        base = np.floor(t).astype(np.int64)
        k = base[:, None] + taps[None, :]
        out[n] = (padded[k + half] * sinc_weights(t[:, None] - k, cutoff, half)).sum(axis=1)
    return out.astype(np.float32)


def sinc_weights(d: np.ndarray, cutoff: float, half: int) -> np.ndarray:
    """The interpolation weight of an input sample ``d`` samples away from the output position."""
    window = np.where(np.abs(d) < half, 0.5 + 0.5 * np.cos(np.pi * d / half), 0.0)
    return cutoff * np.sinc(cutoff * d) * window


def load_audio(path: Path, rate: int, max_seconds: float | None = None) -> np.ndarray:
    """A WAV file as mono float samples at ``rate`` Hz; longer than ``max_seconds``: refused."""
    audio = read_wav(path)
    if max_seconds is not None and audio.seconds > max_seconds:
        raise BadInput(
            f"{path}: {audio.seconds:.1f} s of audio; the speech encoder hears at most {max_seconds:g} s "
            "at once: ask a shorter question"
        )
    samples = resample(audio.samples, audio.rate, rate)
    if not np.any(samples):
        raise BadInput(f"{path}: the WAV file is silent (every sample is zero)")
    return samples[: int(max_seconds * rate)] if max_seconds is not None else samples


def log_mel(samples: np.ndarray, spec: LogMel, filters: np.ndarray) -> np.ndarray:
    """Mono samples at ``spec.sampling_rate`` -> features [1, n_mels, frames] (float32)."""
    if len(samples) > spec.n_samples:  # load_audio refused longer files with their name
        raise BadInput(f"{len(samples)} samples: the speech encoder hears at most {spec.n_samples}")
    x = np.zeros(spec.n_samples, dtype=np.float64)
    x[: len(samples)] = samples
    pad = spec.n_fft // 2
    x = np.pad(x, pad, mode="reflect")
    n_frames = 1 + (len(x) - spec.n_fft) // spec.hop_length
    frames = np.lib.stride_tricks.sliding_window_view(x, spec.n_fft)[:: spec.hop_length][:n_frames]
    power = np.abs(np.fft.rfft(frames * hann_periodic(spec.n_fft), axis=1)) ** 2
    mel = filters.astype(np.float64).T @ power[:-1].T  # [n_mels, frames]; the last frame dropped
    logs = np.log10(np.maximum(mel, spec.log_floor))
    logs = np.maximum(logs, logs.max() - spec.dynamic_range)
    return ((logs + spec.offset) / spec.scale).astype(np.float32)[None]


def hann_periodic(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


def read_filters(path: Path, spec: LogMel) -> np.ndarray:
    """The manifest's filter bank file: float32 [n_freq, n_mels]."""
    data = np.fromfile(path, dtype="<f4")
    shape = tuple(spec.filters.shape)
    if data.size != math.prod(shape) or shape != (spec.n_fft // 2 + 1, spec.n_mels):
        raise BadInput(f"{path}: {data.size} floats, the manifest says {list(shape)} for n_fft {spec.n_fft}")
    return data.reshape(shape)
