"""Vision side for export: SigLIP tower, the 2x2 token downsampler and the MLP projector.

The tower reuses transformers' SigLIP weights and submodules but not their
forwards: we stop at the feature layer the checkpoint asks for, run no attention
mask (every tile is a full 27x27 grid; the masked SDPA decomposition left
eq/any/where/logical_not on portable kernels), and write attention and layer norm
in the forms XNNPACK delegates (bluev/graph_forms.py).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from bluev.export.towers.patches import PatchEmbed
from bluev.export.towers.shuffle import pixel_shuffle
from bluev.graph_forms import layer_norm, unmasked_attention


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
        self.patches = PatchEmbed(self.embeddings.patch_embedding)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        h = self.embed(pixels)
        for layer in self.layers:
            h = h + self.attention(layer.self_attn, layer_norm(layer.layer_norm1, h))
            h = h + layer.mlp(layer_norm(layer.layer_norm2, h))
        return h

    @property
    def image_size(self) -> int:
        """The tile side the tower was trained on (its position table's grid)."""
        return self.embeddings.config.image_size

    def embed(self, pixels: torch.Tensor) -> torch.Tensor:
        """Patches [B, 729, 3*14*14] -> linear + learned positions (added whole: ids are 0..N-1)."""
        return self.patches(pixels) + self.position_rows()

    def position_rows(self) -> torch.Tensor:
        """[N, width]: what the checkpoint adds to patch n of a full tile."""
        return self.embeddings.position_embedding.weight

    @staticmethod
    def attention(attn: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """SigLIP's attention block (q, k, v, out projections) without a mask."""
        q, k, v = attn.q_proj(x) * attn.scale, attn.k_proj(x), attn.v_proj(x)
        return attn.out_proj(unmasked_attention(q, k, v, attn.num_heads))


class TokenDownsampler(nn.Module):
    """27x27 tokens -> pad to 28x28 -> every 2x2 neighbourhood concatenated: 14x14 x 4C."""

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        _, n, c = tokens.shape
        side = math.isqrt(n)
        pad = side % 2
        if pad:  # pad one row and one column at the bottom/right
            grid = F.pad(tokens.reshape(-1, side, side, c), (0, 0, 0, pad, 0, pad))
            tokens = grid.reshape(-1, (side + pad) ** 2, c)
        return pixel_shuffle(tokens, 2)


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
