"""4-bit asymmetric weight groups on XNNPACK's symmetric 4-bit kernels.

XNNPACK's blockwise 4-bit linear takes one scale per group and no zero point:
w = d * q with q in [-8, 7]. A group's min/max grid, w = d * u + lo with u in
[0, 15], fits the range better, and is exactly how llama.cpp's Q4_1 stores
weights. We split it as

    w = d * (u - 8)  +  (lo + 8 d)
        ^ symmetric 4-bit, XNNPACK      ^ one offset per group

so ``W x = W_sym x + C · groupsum(x) = W_sym x + (group C) · groupmean(x)``, where
C [out, in / group] is a small linear (8-bit, per channel) over the per-group
means of the input. The means are XNNPACK's 4-D mean over [1, N * in / group,
group, 1]: it reads only x, where the 0/1 group-sum matmul it replaced read an
fp32 [in / group, in] matrix per projection (12.6 MB per SmolLM2 token; decode
0.86x -> 0.92x export_llm in `bluev bench host --preset smollm2`). For weights
that came from a Q4_1 GGUF file (preset smollm2) the split reproduces the file's
grid exactly; re-quantizing those weights symmetrically instead (``-sym``) costs
a third more perplexity on SmolLM2-135M (`bluev quant-report --preset smollm2
--recipe default --recipe 8da4w-g32-sym`).

Tried and dropped: the offsets as two extra 4-bit blocks of the main linear
over ``[x, group sums]`` (~10 fewer XNNPACK ops per layer): decode no faster
(median 184 vs 192 tok/s over 9 alternating rounds) and perplexity 34.2 vs 34.1.
"""

from __future__ import annotations

import torch
from torch import nn
from torchao.quantization import Int8DynamicActivationIntxWeightConfig, IntxUnpackedToInt8Tensor, quantize_
from torchao.quantization.granularity import PerAxis
from torchao.quantization.quantize_.workflows.intx.intx_unpacked_to_int8_tensor import (
    IntxUnpackedToInt8TensorActivationQuantization as ActQuant,
)

from bluev.graph_forms import delegable_shape

LEVELS = 15  # 4-bit unsigned range 0..15


def affine_groups(weight: torch.Tensor, group: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Min/max 4-bit groups along the input dim: (u in 0..15, step d, low lo) per group."""
    out, width = weight.shape
    blocks = weight.detach().float().reshape(out, width // group, group)
    lo, hi = blocks.amin(-1), blocks.amax(-1)
    step = ((hi - lo) / LEVELS).clamp_min(torch.finfo(torch.float32).tiny)
    levels = ((blocks - lo[..., None]) / step[..., None]).round().clamp(0, LEVELS)
    return levels, step, lo


class AffineInt4Linear(nn.Module):
    """nn.Linear replacement: symmetric 4-bit groups (8-bit dynamic activations) + group offsets."""

    def __init__(self, linear: nn.Linear, group: int) -> None:
        super().__init__()
        out, width = linear.weight.shape
        self.group = group
        levels, step, lo = affine_groups(linear.weight, group)
        symmetric = ((levels - 8) * step[..., None]).reshape(out, width)
        self.linear = nn.Linear(width, out, bias=linear.bias is not None)
        weight = IntxUnpackedToInt8Tensor.from_hp(
            symmetric,
            (1, group),
            torch.int4,
            activation_quantization=ActQuant.INT8_ASYM_PER_TOKEN,
            intx_choose_qparams_algorithm=None,
            custom_scale=step,
            custom_zero_point=torch.zeros_like(step, dtype=torch.int8),
        )
        self.linear.weight = nn.Parameter(weight, requires_grad=False)
        if linear.bias is not None:
            self.linear.bias = nn.Parameter(linear.bias.detach().clone(), requires_grad=False)
        self.offset = nn.Linear(width // group, out, bias=False)
        with torch.no_grad():  # applied to group means: times group gives the sums' coefficient
            self.offset.weight.copy_((lo + 8 * step) * group)
        if width // group > 1:  # a one-column offset stays float (torchao cannot quantize it; it is tiny)
            config = Int8DynamicActivationIntxWeightConfig(
                weight_dtype=torch.int8, weight_granularity=PerAxis(0)
            )
            quantize_(self.offset, config, filter_fn=lambda m, _fqn: isinstance(m, nn.Linear))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x) + self.offset(group_means(x, self.group))


def group_means(x: torch.Tensor, group: int) -> torch.Tensor:
    """[..., width] -> [..., width / group] in the one mean form XNNPACK delegates (4-D, inner dims)."""
    means = x.reshape(1, -1, group, 1).mean(dim=(2, 3), keepdim=True)
    return means.reshape(delegable_shape([*x.shape[:-1], x.shape[-1] // group]))


def swap_linears_(module: nn.Module, group: int, skip: set[str] | None = None, prefix: str = "") -> int:
    """Replace every nn.Linear under `module` (except the dotted names in `skip`); returns the count."""
    count = 0
    for name, child in module.named_children():
        dotted = prefix + name
        if skip and dotted in skip:
            continue
        if isinstance(child, nn.Linear):
            setattr(module, name, AffineInt4Linear(child, group))
            count += 1
        else:
            count += swap_linears_(child, group, skip, dotted + ".")
    return count
