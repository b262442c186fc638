"""Asymmetric 4-bit groups on the symmetric kernel: exact on a Q4_1 grid, better than symmetric."""

from __future__ import annotations

import copy

import torch
from torch import nn

from bluev.quant.affine4 import AffineInt4Linear, affine_groups, group_means
from bluev.quant.apply import quantize_linears_
from bluev.runtime.manifest import LinearScheme


def q4_1_grid_linear(out: int = 96, width: int = 128, group: int = 32) -> nn.Linear:
    """Weights exactly as llama.cpp's Q4_1 stores them: d * u + m, u in 0..15, both ends used."""
    g = torch.Generator().manual_seed(0)
    u = torch.randint(0, 16, (out, width // group, group), generator=g)
    u[..., 0], u[..., 1] = 0, 15
    d = torch.rand(out, width // group, 1, generator=g) * 0.02 + 0.001
    m = torch.randn(out, width // group, 1, generator=g) * 0.05 - 0.1  # off-centre: asymmetric groups
    linear = nn.Linear(width, out, bias=False)
    with torch.no_grad():
        linear.weight.copy_((d * u + m).reshape(out, width))
    return linear


def test_groups_recover_the_q4_1_grid_exactly():
    linear = q4_1_grid_linear()
    levels, step, lo = affine_groups(linear.weight, 32)
    rebuilt = (levels * step[..., None] + lo[..., None]).reshape(linear.weight.shape)
    assert torch.allclose(rebuilt, linear.weight, atol=1e-7, rtol=0)
    assert levels.min() == 0 and levels.max() == 15


def test_affine_beats_symmetric_on_asymmetric_groups():
    linear = q4_1_grid_linear()
    x = torch.randn(8, 128, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref = linear(x)
        affine = AffineInt4Linear(copy.deepcopy(linear), 32)(x)
        holder = nn.Sequential(copy.deepcopy(linear))
        quantize_linears_(holder, LinearScheme("4w", 32))
        symmetric = holder(x)
    err_affine = (affine - ref).norm() / ref.norm()
    err_symmetric = (symmetric - ref).norm() / ref.norm()
    # what is left is the 8-bit dynamic activation quantization only
    assert err_affine < 0.02 and err_affine < err_symmetric / 3


def test_group_means_in_the_delegable_form_match_a_plain_mean():
    x = torch.randn(1, 5, 128, generator=torch.Generator().manual_seed(2))
    expected = x.reshape(1, 5, 4, 32).mean(-1)
    torch.testing.assert_close(group_means(x, 32), expected)
    torch.testing.assert_close(group_means(x[0], 32), expected[0])


def test_symmetric_scheme_keeps_plain_linears_without_offsets():
    holder = nn.Sequential(q4_1_grid_linear())
    assert quantize_linears_(holder, LinearScheme("8da4w", 32, symmetric=True)) == 1
    assert isinstance(holder[0], nn.Linear) and not hasattr(holder[0], "offset")
    assert quantize_linears_(nn.Sequential(q4_1_grid_linear()), LinearScheme("8da4w", 32)) == 1
