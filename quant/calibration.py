"""Calibration data shipped with the package: chat prompts, evaluation text, pictures' tiles.

Quantizers that observe activations (the MediaTek recipes' PT2E) calibrate on these, and
`bluev quant-report` evaluates on other data of the same kinds, so the two never overlap:
calibration uses the chat prompts and pictures drawn at other sizes and with another seed
than the report's.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image, ImageDraw
from transformers import PreTrainedTokenizerBase

from bluev.quant.texts import data_text
from bluev.runtime.image import tile_image
from bluev.runtime.manifest import ChatTemplate
from bluev.runtime.sample_picture import draw_sample
from bluev.runtime.tiler import TilerConfig


def calibration_texts(chat: ChatTemplate) -> list[str]:
    """Each calibration prompt as one chat-formatted user turn."""
    prompts = [p for p in data_text("calibration_prompts.txt").splitlines() if p.strip()]
    return [chat.prefix + p + chat.suffix for p in prompts]


def calibration_prompt_ids(tokenizer: PreTrainedTokenizerBase, chat: ChatTemplate) -> list[list[int]]:
    """Token ids of each chat-formatted prompt, and of all of them as one conversation."""
    ids = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in calibration_texts(chat)]
    return [*ids, [i for one in ids for i in one]]


def token_windows(ids: list[int], window: int) -> list[torch.Tensor]:
    """Consecutive [1, window] slices of ``ids`` (the whole list when it is shorter)."""
    window = min(window, len(ids))
    return [torch.tensor([ids[i : i + window]]) for i in range(0, len(ids) - window + 1, window)]


def calibration_windows(
    tokenizer: PreTrainedTokenizerBase, chat: ChatTemplate, window: int
) -> list[torch.Tensor]:
    """The chat-formatted prompts (not the evaluation text), cut into windows of the eval length."""
    ids = tokenizer("".join(calibration_texts(chat)), add_special_tokens=False)["input_ids"]
    while len(ids) < window:
        ids = ids + ids
    return token_windows(ids, window)


def textured_image(width: int = 1000, height: int = 700, seed: int = 0) -> Image.Image:
    """A busy picture (gradients, noise, text, edges): harder on 8-bit activations than flat shapes."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([x / width, y / height, 0.5 + 0.5 * np.sin(x / 37.0 + y / 53.0)], axis=-1) * 255
    noisy = np.clip(base + rng.normal(0, 18, base.shape), 0, 255).astype(np.uint8)
    img = Image.fromarray(noisy, "RGB")
    draw = ImageDraw.Draw(img)
    for i in range(12):
        draw.text((40 + 70 * i, 60 + 45 * (i % 7)), f"tile {i} 3.14", fill=(255 - 20 * i, 20 * i, 128))
        draw.line((0, 50 * i, width, height - 50 * i), fill=(20 * i, 255 - 20 * i, 60), width=3)
    return img


def built_in_tiles(
    tiler: TilerConfig, sample: tuple[int, int], textured: tuple[int, int], seed: int
) -> torch.Tensor:
    """Thumbnail + tiles of the sample picture and a textured one, drawn at the given sizes."""
    pictures = [draw_sample(*sample), textured_image(*textured, seed=seed)]
    return torch.cat([torch.from_numpy(tile_image(p, tiler).pixels) for p in pictures])


def calibration_tiles(tiler: TilerConfig) -> list[tuple[torch.Tensor]]:
    """One-tile batches of pictures other than the evaluated ones (other sizes, another seed)."""
    tiles = built_in_tiles(tiler, (640, 480), (800, 600), seed=1)
    return [(tiles[i : i + 1],) for i in range(tiles.shape[0])]
