"""A ViT's patch convolution as one linear layer over flattened patches."""

from __future__ import annotations

import torch
from torch import nn


class PatchEmbed(nn.Module):
    """Tiles [B, C, S, S] -> patch embeddings [B, (S / p)^2, width], from a stride-p Conv2d.

    The convolution's NHWC conversions broke XNNPACK's partition of the next layer norm
    (export/vision.py); a reshape to patches and a linear layer compute the same sums.
    """

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        if conv.kernel_size != conv.stride or conv.kernel_size[0] != conv.kernel_size[1]:
            raise ValueError(f"patch embedding {conv}: needs a square kernel equal to its stride")
        self.patch_size, width = conv.kernel_size[0], conv.out_channels
        self.proj = nn.Linear(conv.in_channels * self.patch_size**2, width, bias=conv.bias is not None)
        with torch.no_grad():
            self.proj.weight.copy_(conv.weight.reshape(width, -1))
            if conv.bias is not None:
                self.proj.bias.copy_(conv.bias)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        p, channels = self.patch_size, pixels.shape[1]
        side = pixels.shape[-1] // p
        if side * p != pixels.shape[-1]:  # like the strided convolution, drop a last partial patch
            pixels = pixels[:, :, : side * p, : side * p]
        patches = pixels.reshape(-1, channels, side, p, side, p).permute(0, 2, 4, 1, 3, 5)
        # contiguous first, as in graph_forms.unmasked_attention: XNNPACK then takes the reshape
        return self.proj(patches.contiguous().reshape(-1, side * side, channels * p * p))
