"""What a benchmark runs on: an artifact directory (exported on demand) and a picture."""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from bluev.errors import BadInput
from bluev.export.exporter import export
from bluev.export.options import ExportOptions
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.manifest import MANIFEST
from bluev.runtime.sample_picture import draw_sample


def bench_artifacts(artifacts: Path | None, preset: str | None, components: tuple[str, ...] = ()) -> Path:
    """--artifacts as given; --preset NAME means artifacts/NAME, exported there when missing.

    With ``--components vision`` alone, artifacts/NAME-vision holds a vision-only export:
    bluelm-v-3b's ViT can be measured without building and lowering its 2.7B LLM.
    """
    if artifacts is not None:
        return artifacts
    assert preset is not None
    vision_only = tuple(components) == ("vision",)
    folders = [Path("artifacts") / preset] + ([Path("artifacts") / f"{preset}-vision"] if vision_only else [])
    for folder in folders:
        if (folder / MANIFEST).is_file():
            return checked_folder(folder, preset)
    # the stock-runner bundle is not benchmarked here: skip its (as long) export
    folder = folders[-1]
    export(ExportOptions(preset=preset, out=folder, stock_runner=False, components=tuple(components)))
    return folder


def checked_folder(folder: Path, preset: str) -> Path:
    art = open_artifacts(folder, verify=False)  # bench_host verifies the hashes once
    if art.preset != preset:
        raise BadInput(f"{folder}: holds preset {art.preset!r}, not {preset!r}; pass --artifacts")
    return folder


PHOTO_SIZE = (4032, 3024)  # a 12 MP phone photo
RACE_PHOTO = (1920, 1080)  # the photo for the race against llama.cpp's mtmd


def bench_image(image: Path | None, artifacts: Path, size: tuple[int, int] = PHOTO_SIZE) -> Path | None:
    """The picture for time-to-first-token: the user's, else bluev's sample drawn at ``size``."""
    if image is not None:
        if not image.is_file():
            raise BadInput(f"{image}: no such image file")
        return image
    if not open_artifacts(artifacts, verify=False).multimodal:
        return None
    folder = Path(tempfile.mkdtemp(prefix="bluev-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "photo.jpg"
    draw_sample(*size).save(path, quality=90)  # what a phone camera hands the app
    return path


SPOKEN_QUESTION = "What is in this picture?"


def bench_audio(audio: Path | None, log: Callable[[str], None]) -> Path | None:
    """The spoken question: the user's WAV, else espeak-ng saying one (None, said why, without it)."""
    if audio is not None:
        return audio
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        log("speech timings skipped: no --audio FILE.wav and no espeak-ng to say a question")
        return None
    folder = Path(tempfile.mkdtemp(prefix="bluev-bench-audio-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "question.wav"
    subprocess.run([espeak, "-w", str(path), SPOKEN_QUESTION], check=True, capture_output=True, timeout=60)
    return path
