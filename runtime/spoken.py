"""A spoken question, optionally about a picture: transcribe, then answer (the paper's audio input).

Overlapped (the paper's order, and `bluev run --audio --image`): the picture goes to the
vision encoder's child process (runtime/tile_encoder.py) through a ``Session`` the moment
the speech has ended, and this process transcribes meanwhile; the answer's prefill waits
only for whichever finishes last. Inline: the picture is encoded first, then the speech is
transcribed, one after the other (the baseline `bluev bench host` compares against).
Times count from the moment the recording ended, so the TTFT includes the transcription.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bluev.errors import BadInput
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.audio import load_audio
from bluev.runtime.pipeline import Generation, Pipeline, Stats
from bluev.runtime.sampling import SamplerConfig
from bluev.runtime.session import Session
from bluev.runtime.speech import Transcriber, Transcript, no_speech_refusal


@dataclass
class SpokenAnswer:
    transcript: Transcript
    generation: Generation


def open_spoken(artifacts: Path, audio: Path, with_image: bool) -> tuple[Pipeline, Transcriber, np.ndarray]:
    """The set's programs and the question's samples; ``with_image``: the vision encoder in its process.

    The audio is read (and refused, with its name and why) before any program loads."""
    art = open_artifacts(artifacts)
    if art.manifest.speech is None or not art.manifest.has_speech:
        raise no_speech_refusal(art)
    features = art.manifest.speech.features
    samples = load_audio(audio, features.sampling_rate, features.n_samples / features.sampling_rate)
    transcriber = Transcriber(art)
    return Pipeline(art, image_encoder="process" if with_image else "inline"), transcriber, samples


def ask_spoken(
    pipeline: Pipeline,
    transcriber: Transcriber,
    samples: np.ndarray,
    image: Path | None = None,
    max_new_tokens: int = 128,
    sampler: SamplerConfig | None = None,
    on_text: Callable[[str], None] | None = None,
    on_transcript: Callable[[str], None] | None = None,
    overlap: bool = True,
    source: str = "audio",
) -> SpokenAnswer:
    """``samples``: the question at the speech component's rate; ``source`` names it in errors."""
    t0 = time.perf_counter()
    if image is None or not overlap:
        stats = Stats()
        embeds = pipeline.encode_image(image, stats) if image is not None else None
        transcript = transcriber.transcribe(samples)
        question = checked(transcript, source, on_transcript)
        generation = pipeline.answer(question, embeds, stats, t0, max_new_tokens, sampler, on_text)
        both_ready_ms = stats.image_encode_ms + transcript.transcribe_ms
    else:
        with Session(pipeline) as session:
            session.add_image(image)  # the child encodes it; this thread only waits on its pipe
            transcript = transcriber.transcribe(samples)
            question = checked(transcript, source, on_transcript)
            generation = session.ask(question, max_new_tokens, sampler, on_text, asked_at=t0)
        stats = generation.stats
        both_ready_ms = max(transcript.transcribe_ms, stats.extra["image_wait_ms"])
    stats.extra.update(
        transcript_tokens=len(transcript.token_ids),
        transcribe_ms=round(transcript.transcribe_ms, 2),
        speech_features_ms=round(transcript.features_ms, 2),
        speech_encode_ms=round(transcript.encode_ms, 2),
        speech_decode_ms=round(transcript.decode_ms, 2),
        image_encoder="process" if image is not None and overlap else "inline",
    )
    if image is not None:
        serial = transcript.transcribe_ms + stats.image_encode_ms
        stats.extra["overlap_saved_ms"] = round(max(0.0, serial - both_ready_ms), 2)
    return SpokenAnswer(transcript, generation)


def checked(transcript: Transcript, source: str, on_transcript: Callable[[str], None] | None) -> str:
    """The question the transcript holds (refused when empty); shown before the answer starts."""
    if not transcript.text:
        raise BadInput(f"{source}: no words recognised in the recording")
    if on_transcript is not None:
        on_transcript(transcript.text)
    return transcript.text
