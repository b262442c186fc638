"""Write the app's tokenizer test fixture: a small byte-level BPE tokenizer and its answers.

Usage: python android_app/tools/make_tokenizer_fixture.py   (needs the `tokenizers` package)

The Java tokenizer (android_app/core, BpeTokenizer) must give the ids and text that the Hugging Face
`tokenizers` library gives, as runtime/text.py uses it (encode without special tokens, decode
skipping them). SmolLM2's own tokenizer.json is 3.5 MB, so the fixture is a tokenizer of the same
kind (ByteLevel pre-tokenizer and decoder, BPE, ChatML special tokens) trained here on a small text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

OUT = Path(__file__).resolve().parents[1] / "core/src/test/resources/org/bluev/core"
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CORPUS = [
    "The quick brown fox jumps over the lazy dog. What is in this picture? A cat on a sofa.",
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face.",
    "Numbers 12345 and 3.14159, dates 2024-11-25, prices $9.99 and 100%!",
    "Whitespace   runs,\ttabs\nand new lines\n\n  indented text; it's, we're, they'll, I'd, I'm.",
    "Unicode: café, naïve, Straße, 東京, привет, emoji 🙂🚀, math ∑ ≤ ∞.",
]
# Texts the fixture checks: chat turns with special tokens, and text the merges never saw.
TEXTS = [
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
    "<|im_end|>\n<|im_start|>user\n",
    "What is in this picture?<|im_end|>\n<|im_start|>assistant\n",
    "The capital of France is Paris.",
    "  leading spaces, trailing spaces   ",
    "it's they're we've I'm you'll he'd 'quoted'",
    "tabs\tand\r\nCRLF\n\n\nthree new lines",
    "digits 0123456789 and 3.14",
    "café Straße 東京 привет 🙂🚀 ∑≤∞",
    "unseen words: xylophone quizzical jujitsu",
    "<|im_end|><|im_start|><|endoftext|>",
    "<|im_start",
    "",
]


def main() -> None:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS * 4, trainer)
    cases = []
    for text in TEXTS:
        ids = tok.encode(text, add_special_tokens=False).ids
        cases.append({"text": text, "ids": ids, "decoded": tok.decode(ids, skip_special_tokens=True)})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bpe_tokenizer.json").write_text(tok.to_str(pretty=False) + "\n")
    lines = ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
    head = '{"generator": "android_app/tools/make_tokenizer_fixture.py", "cases": [\n'
    (OUT / "bpe_vectors.json").write_text(head + lines + "\n]}\n")
    print(f"{len(cases)} cases, vocab {tok.get_vocab_size()}", file=sys.stderr)


if __name__ == "__main__":
    main()
