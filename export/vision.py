"""Vision side for export: SigLIP tower, the 2x2 token downsampler and the MLP projector.

The tower reuses transformers' SigLIP modules (embeddings and encoder layers)
but not its top-level forward: we stop at the feature layer the checkpoint
asks for and run no attention mask, since every tile is a full 27x27 grid.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class VisionTower(nn.Module):
    """Tiles [B, 3, 384, 384] (SigLIP-normalised) -> patch features [B, 729, width]."""

    def __init__(self, siglip_vision_model: nn.Module, feature_layer: int = -1) -> None:
        super().__init__()
        vm = getattr(siglip_vision_model, "vision_model", siglip_vision_model)
        self.embeddings = vm.embeddings
        layers = list(vm.encoder.layers)
        # hidden_states[0] is the embedding output, hidden_states[i] the output of layer i
        keep = len(layers) + 1 + feature_layer if feature_layer < 0 else feature_layer
        if not 1 <= keep <= len(layers):
            raise ValueError(f"vision feature layer {feature_layer} outside 1..{len(layers)}")
        self.layers = nn.ModuleList(layers[:keep])

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        h = self.embeddings(pixels)
        for layer in self.layers:
            h = layer(h, None)
        return h


class TokenDownsampler(nn.Module):
    """27x27 tokens -> pad to 28x28 -> every 2x2 neighbourhood concatenated: 14x14 x 4C."""

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        b, n, c = tokens.shape
        side = math.isqrt(n)
        grid = tokens.reshape(b, side, side, c)
        pad = side % 2
        if pad:  # pad one row and one column at the bottom/right
            grid = F.pad(grid, (0, 0, 0, pad, 0, pad))
        half = (side + pad) // 2
        grid = grid.reshape(b, half, 2, half, 2, c).permute(0, 1, 3, 2, 4, 5)
        return grid.reshape(b, half * half, 4 * c)


class Projector(nn.Module):
    """Patch features [B, 729, C] -> LLM embeddings [B * tokens_per_tile, D]."""

    def __init__(self, in_dim: int, llm_dim: int, downsample: bool = True) -> None:
        super().__init__()
        self.downsample = TokenDownsampler() if downsample else None
        width = in_dim * 4 if downsample else in_dim
        self.linear_1 = nn.Linear(width, llm_dim)
        self.linear_2 = nn.Linear(llm_dim, llm_dim)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        if self.downsample is not None:
            features = self.downsample(features)
        out = self.linear_2(F.gelu(self.linear_1(features)))
        return out.reshape(-1, out.shape[-1])


class StockImageEncoder(nn.Module):
    """One uint8 tile [1, 3, 384, 384] -> [1, tokens, D]: what ExecuTorch's MultimodalRunner feeds.

    The stock runner hands the image over as raw bytes with no tiling, so the
    normalisation lives in the graph.
    """

    def __init__(self, tower: VisionTower, projector: Projector) -> None:
        super().__init__()
        self.tower, self.projector = tower, projector

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        pixels = image.to(torch.float32) * (2.0 / 255.0) - 1.0
        return self.projector(self.tower(pixels)).unsqueeze(0)
