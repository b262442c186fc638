"""Speech -> text on the exported speech programs: log-mel, encoder, greedy decoder with caches.

The decoding follows the manifest's ``speech.decoding`` (what transformers' Whisper
``generate`` does for one short clip without timestamps): the start tokens, the language
detected from the first step when the checkpoint leaves it open, suppressed tokens, the
end token and the length limit. No model code: the .pte files, the manifest, the filter
bank and the speech tokenizer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from bluev.errors import BadInput
from bluev.runtime.artifacts import Artifacts
from bluev.runtime.audio import load_audio, log_mel, read_filters
from bluev.runtime.kernels import load_program
from bluev.runtime.manifest import Speech
from bluev.runtime.text import TextCodec


@dataclass
class Transcript:
    text: str
    token_ids: list[int]  # the generated ones, the start tokens left out
    language: str | None  # the detected language token ("<|en|>"), if the model detects one
    features_ms: float
    encode_ms: float
    decode_ms: float

    @property
    def transcribe_ms(self) -> float:
        return self.features_ms + self.encode_ms + self.decode_ms


def no_speech_refusal(art: Artifacts) -> BadInput:
    return BadInput(
        f"{art.root}: the artifact set has no speech programs; export with --speech-checkpoint DIR "
        "(the tiny preset has a random one) to ask spoken questions"
    )


class Transcriber:
    """The loaded speech programs of one artifact set."""

    def __init__(self, art: Artifacts) -> None:
        if art.manifest.speech is None or not art.manifest.has_speech:
            raise no_speech_refusal(art)
        self.spec: Speech = art.manifest.speech
        methods = self.spec.methods
        try:
            self.encoder = load_program(*art.program_files(self.spec.encoder)).load_method(methods.encode)
            # one program: its two methods share the caches (cross_attention writes, decode reads)
            self._decoder = load_program(*art.program_files(self.spec.decoder))
            self.cross = self._decoder.load_method(methods.cross_attention)
            self.step = self._decoder.load_method(methods.decode)
        except (RuntimeError, ValueError) as exc:
            raise BadInput(f"{art.root}: ExecuTorch could not load the speech programs ({exc})") from None
        features = self.spec.features
        self.filters = read_filters(art.root / features.filters.file, features)
        self.codec = TextCodec(art.root / self.spec.tokenizer.file)

    def transcribe_file(self, path: Path) -> Transcript:
        features = self.spec.features
        return self.transcribe(
            load_audio(path, features.sampling_rate, features.n_samples / features.sampling_rate)
        )

    def transcribe(self, samples: np.ndarray) -> Transcript:
        started = time.perf_counter()
        features = torch.from_numpy(log_mel(samples, self.spec.features, self.filters))
        encoded = time.perf_counter()
        states = self.encoder.execute([features])[0]
        self.cross.execute([states])
        decoding = time.perf_counter()
        ids, language = self.greedy()
        done = time.perf_counter()
        return Transcript(
            text=self.codec.decode(ids).strip(),
            token_ids=ids,
            language=language,
            features_ms=(encoded - started) * 1000.0,
            encode_ms=(decoding - encoded) * 1000.0,
            decode_ms=(done - decoding) * 1000.0,
        )

    def logits(self, ids: list[int], pos: int) -> torch.Tensor:
        tokens = torch.tensor([ids], dtype=torch.long)
        return self.step.execute([tokens, torch.tensor([pos], dtype=torch.long)])[0][0]

    def greedy(self) -> tuple[list[int], str | None]:
        """Greedy tokens after the start tokens, on the cross keys/values just written."""
        rules = self.spec.decoding
        prompt, language = list(rules.prompt_ids), None
        if rules.language_index is not None:
            language = self.detect_language(prompt[0])
            prompt[rules.language_index] = rules.language_ids[language]
        suppress = torch.tensor(rules.suppress_ids, dtype=torch.long)
        begin = torch.tensor(rules.begin_suppress_ids, dtype=torch.long)
        logits, out = self.logits(prompt, 0), []
        while True:
            logits[suppress] = -torch.inf
            if not out:
                logits[begin] = -torch.inf
            token = int(logits.argmax())
            if token == rules.eos_id:
                break
            out.append(token)
            if len(prompt) + len(out) >= rules.max_length:
                break
            logits = self.logits([token], len(prompt) + len(out) - 1)
        return out, language

    def detect_language(self, start: int) -> str:
        """The most likely language token after the start token alone (Whisper's detection)."""
        logits = self.logits([start], 0)
        names = list(self.spec.decoding.language_ids)
        ids = torch.tensor([self.spec.decoding.language_ids[n] for n in names], dtype=torch.long)
        return names[int(logits[ids].argmax())]
