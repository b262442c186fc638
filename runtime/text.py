"""Tokenizer, chat template and streaming detokenisation, from the artifact files only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer


@dataclass
class ChatTemplate:
    """The chat template rendered at export around one user turn."""

    prefix: str
    suffix: str
    image_position: str = "before_prompt"

    @classmethod
    def from_manifest(cls, manifest: dict) -> ChatTemplate:
        t = manifest["chat_template"]
        return cls(
            prefix=t["prefix"], suffix=t["suffix"], image_position=t.get("image_position", "before_prompt")
        )

    def segments(self, prompt: str, with_image: bool) -> tuple[str, str]:
        """(text before the image, text after it); without an image the first holds everything."""
        if not with_image:
            return self.prefix + prompt + self.suffix, ""
        return self.prefix, prompt + self.suffix


class TextCodec:
    """Encode text to ids and stream ids back to text."""

    def __init__(self, path: Path) -> None:
        self.tokenizer = Tokenizer.from_file(str(path))

    def encode(self, text: str) -> list[int]:
        # The chat template already holds every special token the model expects.
        return self.tokenizer.encode(text, add_special_tokens=False).ids if text else []

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
