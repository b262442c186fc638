"""What every image layout provides, and the prompt's token ids around an image.

A layout (one module per ``layout.kind`` of the manifest) turns a picture into the tiles
the vision encoder takes, in encoder order, and the encoder's outputs into the LLM
embeddings of the image, in prompt order; ``prompt_ids`` places them in the user turn.
Everything comes from the manifest: no model code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from PIL import Image

from bluev.errors import BadInput
from bluev.runtime.manifest import ChatTemplate, ImageLayout
from bluev.runtime.text import TextCodec

# the id written where image embeddings go when the layout has no image token of its own
# (bluev's presets): any valid id, its embedding is replaced
SPLICE_ID = 0


class ImagePlan(Protocol):
    """One picture's plan: what the CLI and the stats show, and what the layout needs back."""

    @property
    def grid(self) -> tuple[int, int]: ...  # (columns, rows)

    @property
    def images_to_encode(self) -> int: ...

    @property
    def image_tokens(self) -> int: ...  # LLM embeddings of the image

    def summary(self) -> dict: ...


class Layout(Protocol):
    spec: ImageLayout

    def plan(self, width: int, height: int) -> ImagePlan:
        """The plan of a ``width`` x ``height`` picture (no pixels needed)."""
        ...

    def open(self, path: str | os.PathLike) -> tuple[Image.Image, ImagePlan]:
        """The upright RGB picture and its plan."""
        ...

    def stages(self, img: Image.Image, plan: ImagePlan) -> list[Callable[[], np.ndarray]]:
        """Normalised tiles [N, 3, S, S] in encoder order, in steps the encoder can overlap."""
        ...

    def pack(self, plan: ImagePlan, features: torch.Tensor) -> torch.Tensor:
        """Projector outputs [tiles * tokens per tile, D] -> the image's embeddings [image_tokens, D]."""
        ...

    def image_text(self, plan: ImagePlan) -> str | None:
        """The image's run in the prompt text (None: embeddings spliced between text pieces)."""
        ...


@dataclass(frozen=True)
class EncodedImage:
    """A picture's LLM embeddings [1, image_tokens, D] and the plan they were made by."""

    embeds: torch.Tensor
    plan: ImagePlan


@dataclass(frozen=True)
class PromptIds:
    ids: list[int]
    image_positions: list[int]  # where the image's embeddings go, in order


def prompt_ids(
    codec: TextCodec, chat: ChatTemplate, layout: Layout | None, prompt: str, plan: ImagePlan | None
) -> PromptIds:
    """Token ids of one user turn (generation prompt added) and the positions of the image's embeddings."""
    if plan is None or layout is None:
        return PromptIds(codec.encode(chat.prefix + prompt + chat.suffix, chat.add_special_tokens), [])
    turn = layout.spec.prompt
    after = turn.after_image + prompt + chat.suffix
    n = plan.image_tokens
    run = layout.image_text(plan)
    if run is None:
        before = codec.encode(turn.before_image, chat.add_special_tokens)
        ids = before + [SPLICE_ID] * n + codec.encode(after)
        return PromptIds(ids, list(range(len(before), len(before) + n)))
    # tokenized whole, as the processor tokenizes its expanded text
    ids = codec.encode(turn.before_image + run + after, chat.add_special_tokens)
    positions = [i for i, t in enumerate(ids) if t == turn.image_token_id]
    if len(positions) != n:
        raise BadInput(
            f"prompt: {len(positions)} {turn.image_token} tokens for an image of {n} embeddings "
            f"(the prompt may not hold {turn.image_token} itself)"
        )
    return PromptIds(ids, positions)
