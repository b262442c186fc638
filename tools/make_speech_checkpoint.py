"""Write a random Whisper checkpoint directory (transformers' safetensors, feature extractor, tokenizer).

Usage: python tools/make_speech_checkpoint.py OUT [--size tiny|whisper-tiny] [--seed N]

``whisper-tiny`` has openai/whisper-tiny's shape (4 + 4 layers, width 384), the size the
speech numbers in docs/results.md are measured at; ``tiny`` is the tiny preset's own
component. Export it with ``bluev export ... --speech-checkpoint OUT``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bluev.export.presets import TINY_SPEECH, WHISPER_TINY
from bluev.export.speech.checkpoint import save_random_speech

SIZES = {"tiny": TINY_SPEECH, "whisper-tiny": WHISPER_TINY}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", choices=tuple(SIZES), default="whisper-tiny")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(save_random_speech(SIZES[args.size], args.out, args.seed))


if __name__ == "__main__":
    main()
