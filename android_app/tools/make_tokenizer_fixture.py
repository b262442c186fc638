"""Write the app's tokenizer test fixtures: small byte-level BPE tokenizers and their answers.

Usage: python android_app/tools/make_tokenizer_fixture.py   (needs the `tokenizers` package)

The Java tokenizer (android_app/core, BpeTokenizer) must give the ids and text that the Hugging Face
`tokenizers` library gives, as runtime/text.py uses it (encode without special tokens, decode
skipping them). SmolLM2's own tokenizer.json is 3.5 MB, so the fixture is a tokenizer of the same
kind (ByteLevel pre-tokenizer and decoder, BPE, ChatML special tokens) trained here on a small text.
The second fixture is of Qwen2's kind (LLaVA-OneVision's and InternVL's LLMs): an NFC normalizer,
then a Split on Qwen2's own pattern (single digits, letters with one leading mark) before a
ByteLevel step without its regex.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

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
# Qwen2's tokenizer.json split pattern, verbatim
QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# what NFC changes (a decomposed e + acute accent, a decomposed Hangul syllable) and Qwen2's splits
QWEN2_TEXTS = [
    *TEXTS,
    "cafe\u0301 and caf\u00e9, \u1100\u1161 and \uac00",
    "IT'S YOU'LL, digits 2024-11-25 and 1234567",
    "x=(a+b)*c;\r\n\r\n  \tend",
]


def qwen2_kind() -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    return tok


def gpt2_kind() -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    return tok


def write_fixture(tok: Tokenizer, name: str, texts: list[str]) -> None:
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS * 4, trainer)
    cases = []
    for text in texts:
        ids = tok.encode(text, add_special_tokens=False).ids
        cases.append({"text": text, "ids": ids, "decoded": tok.decode(ids, skip_special_tokens=True)})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}_tokenizer.json").write_text(tok.to_str(pretty=False) + "\n")
    lines = ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
    head = '{"generator": "android_app/tools/make_tokenizer_fixture.py", "cases": [\n'
    (OUT / f"{name}_vectors.json").write_text(head + lines + "\n]}\n")
    print(f"{name}: {len(cases)} cases, vocab {tok.get_vocab_size()}", file=sys.stderr)


def main() -> None:
    write_fixture(gpt2_kind(), "bpe", TEXTS)
    write_fixture(qwen2_kind(), "qwen2", QWEN2_TEXTS)


if __name__ == "__main__":
    main()
