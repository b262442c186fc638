"""Pixel shuffle: the token downsampler SmolVLM / Idefics3 and InternVL share."""

from __future__ import annotations

import math

import torch


def pixel_shuffle(tokens: torch.Tensor, factor: int) -> torch.Tensor:
    """[B, side * side, C] -> [B, (side / f)^2, f * f * C]: each f x f block of the grid, concatenated.

    Output token (I, J) is the block at rows I*f .. I*f+f-1, columns J*f .. J*f+f-1, its
    channels ordered (row in block, column in block, channel). transformers writes this as
    four view/permute steps (Idefics3Connector.pixel_shuffle, InternVLModel.pixel_shuffle,
    the two agree); one 6-D reshape + permute is the same map with one symbolic size.
    """
    _, n, channels = tokens.shape
    side = math.isqrt(n)
    if side * side != n or side % factor:
        raise ValueError(f"pixel shuffle by {factor} needs a square grid divisible by it, got {n} tokens")
    half = side // factor
    grid = tokens.reshape(-1, half, factor, half, factor, channels).permute(0, 1, 3, 2, 4, 5)
    # contiguous first: reshaping the permuted view directly traced to a view_copy with a
    # symbolic size, which XNNPACK refuses (left on portable kernels)
    return grid.contiguous().reshape(-1, half * half, factor * factor * channels)
