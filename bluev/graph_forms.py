"""Ops written in the forms that XNNPACK delegates: shared by the export graphs and quant's linears.

Each rule here comes from the partitioner's constraints (executorch.backends.xnnpack
partition configs): reshapes take no symbolic sizes (only one -1), ``mean`` averages
only the two innermost dims of a 4-D tensor, and there is no layer-norm kernel.
A portable op between two delegated ones splits the delegate and costs a dispatch
per call, which on a 30-layer decoder was most of the decode time.
"""

from __future__ import annotations

import torch
from torch import nn


def delegable_shape(shape: list) -> list[int]:
    """A reshape target with its (single) symbolic size written as -1."""
    return [d if isinstance(d, int) else -1 for d in shape]


def mean_last(x: torch.Tensor) -> torch.Tensor:
    """``x.mean(-1, keepdim=True)`` as [..., D] -> [1, N, D, 1] -> mean over (2, 3).

    XNNPACK wraps that mean in two transposes. A linear with a constant [1, D] row of 1/D
    instead (and the same for quant/affine4's group means) has no transposes and a quarter
    fewer XNNPACK ops per decoder layer, but decoded no faster (12 SmolLM2-sized layers:
    1.09 vs 1.09 ms per token in the ExecuTorch runtime), so the mean stays.
    """
    means = x.reshape(1, -1, x.shape[-1], 1).mean(dim=(2, 3), keepdim=True)
    return means.reshape(delegable_shape([*x.shape[:-1], 1]))


def layer_norm(norm: nn.LayerNorm, x: torch.Tensor) -> torch.Tensor:
    """``norm(x)`` from mean, mul and rsqrt (same result to float rounding)."""
    centered = x - mean_last(x)
    out = centered * torch.rsqrt(mean_last(centered * centered) + norm.eps)
    return out * norm.weight + norm.bias if norm.elementwise_affine else out


def rms_norm(weight: torch.Tensor, eps: float, x: torch.Tensor) -> torch.Tensor:
    """``weight * x / sqrt(mean(x^2) + eps)`` with the delegable mean."""
    return weight * (x * torch.rsqrt(mean_last(x * x) + eps))


def unmasked_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int) -> torch.Tensor:
    """Multi-head attention over [B, N, heads * head_dim] inputs (q already scaled), no mask.

    Batched matmuls over [B * heads, N, head_dim]: XNNPACK has no attention kernel, and
    SDPA's decomposition with a mask left eq/any/where/logical_not on portable kernels.
    Each transposed view is made contiguous before it is reshaped: reshaped directly, it
    traced to a view_copy with a symbolic batch size, which XNNPACK's partitioner refuses
    (4 portable ops per layer, each splitting the delegate).
    """
    n, width = q.shape[1], q.shape[2]
    head_dim = width // heads

    def split(t: torch.Tensor) -> torch.Tensor:
        return t.reshape(-1, n, heads, head_dim).transpose(1, 2).contiguous().reshape(-1, n, head_dim)

    out = torch.bmm(torch.bmm(split(q), split(k).transpose(1, 2)).softmax(dim=-1), split(v))
    return out.reshape(-1, heads, n, head_dim).transpose(1, 2).contiguous().reshape(-1, n, width)
