"""Tokenizer and streaming detokenisation, from the artifact's tokenizer.json only."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer


class TextCodec:
    """Encode text to ids and stream ids back to text."""

    def __init__(self, path: Path) -> None:
        self.tokenizer = Tokenizer.from_file(str(path))

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        """By default the chat template already holds every special token the model expects;
        ``add_special_tokens`` adds the tokenizer's own (a BOS), as a processor's tokenizer call does."""
        if not text and not add_special_tokens:
            return []
        return self.tokenizer.encode(text, add_special_tokens=add_special_tokens).ids

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)


class StreamDecoder:
    """Turns a growing list of ids into text pieces, holding back incomplete characters."""

    def __init__(self, codec: TextCodec) -> None:
        self.codec, self.ids, self.emitted = codec, [], ""

    def push(self, token: int) -> str:
        self.ids.append(token)
        text = self.codec.decode(self.ids)
        if text.endswith("\ufffd"):  # a multi-byte character is not complete yet
            return ""
        piece, self.emitted = text[len(self.emitted) :], text
        return piece

    @property
    def text(self) -> str:
        return self.codec.decode(self.ids)
