"""InternVL (HF-format InternVL3): InternViT with its CLS token and layer scale, and the MLP projector.

`InternVLVisionModel` prepends a learned CLS token, adds absolute positions (the table
is used as is for tiles of the trained size: no interpolation), and runs pre-norm
layers whose two residual branches are scaled per channel (`lambda_1`, `lambda_2`).
The features are taken at `vision_feature_layer`, the CLS row dropped under the
"default" `vision_feature_select_strategy`, pixel-shuffled by 1 / `downsample_ratio`,
then LayerNorm + Linear + GELU + Linear.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from bluev.export.towers.patches import PatchEmbed
from bluev.export.towers.shuffle import pixel_shuffle
from bluev.graph_forms import layer_norm, rms_norm, unmasked_attention


def norm(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The tower's LayerNorm (InternViT-300M) or RMSNorm (InternViT-6B) in delegable form."""
    if isinstance(module, nn.Identity):
        return x
    if isinstance(module, nn.LayerNorm):
        return layer_norm(module, x)
    return rms_norm(module.weight, module.variance_epsilon, x)


class InternViTTower(nn.Module):
    """Tiles [B, 3, S, S] (ImageNet-normalised) -> patch features [B, (S / p)^2, width] (CLS dropped).

    ``feature_layer`` -1 is the last hidden state (after the model's final norm, an
    Identity in InternVL3 checkpoints); any other k is hidden_states[k] as transformers
    counts them (0 = the embeddings, i = after layer i, never the final norm, even for
    the last layer by number).
    """

    def __init__(
        self, vision_model: nn.Module, feature_layer: int = -1, select_strategy: str = "default"
    ) -> None:
        super().__init__()
        emb = vision_model.embeddings
        if emb.position_embeddings is None:
            raise ValueError("InternViT without absolute position embeddings is not supported")
        if select_strategy != "default":  # "full" keeps the CLS row: 1 + side^2 tokens do not pixel-shuffle
            raise ValueError(
                f"vision_feature_select_strategy {select_strategy!r}: only 'default' is supported"
            )
        layers = list(vision_model.encoder.layer)
        keep = len(layers) + 1 + feature_layer if feature_layer < 0 else feature_layer
        if not 1 <= keep <= len(layers):
            raise ValueError(f"vision feature layer {feature_layer} outside 1..{len(layers)}")
        self.layers = nn.ModuleList(layers[:keep])
        self.final_norm = vision_model.layernorm if feature_layer == -1 else nn.Identity()
        self.patches = PatchEmbed(emb.patch_embeddings.projection)
        height, width = emb.patch_embeddings.image_size
        if height != width:
            raise ValueError(f"InternViT on {height}x{width} tiles: only square tiles are supported")
        self.image_size = int(height)
        with torch.no_grad():  # row 0: the CLS token and its position; rows 1..N: the patches' positions
            rows = emb.position_embeddings[0].clone()
            rows[0] += emb.cls_token[0, 0]
        self.register_buffer("start_rows", rows, persistent=False)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        # a zero row in front of the patch embeddings becomes the CLS token once the rows are added
        h = F.pad(self.patches(pixels), (0, 0, 1, 0)) + self.start_rows
        for layer in self.layers:
            h = h + layer.lambda_1 * self.attention(layer.attention, norm(layer.layernorm_before, h))
            h = h + layer.lambda_2 * layer.mlp(norm(layer.layernorm_after, h))
        h = norm(self.final_norm, h)
        return h[:, 1:]

    @staticmethod
    def attention(attn: nn.Module, x: torch.Tensor) -> torch.Tensor:
        q, k = norm(attn.q_norm, attn.q_proj(x)), norm(attn.k_norm, attn.k_proj(x))
        return attn.projection_layer(unmasked_attention(q * attn.scale, k, attn.v_proj(x), attn.num_heads))


class InternVLProjector(nn.Module):
    """[B, N, C] -> [B * N / f^2, D]: pixel shuffle by f = 1 / downsample_ratio, then the MLP."""

    def __init__(self, projector: nn.Module, downsample_ratio: float) -> None:
        super().__init__()
        self.factor = round(1 / downsample_ratio)
        if abs(self.factor * downsample_ratio - 1) > 1e-6:
            raise ValueError(f"downsample_ratio {downsample_ratio}: only 1 / integer is supported")
        self.layer_norm, self.linear_1 = projector.layer_norm, projector.linear_1
        self.act, self.linear_2 = projector.act, projector.linear_2

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        h = layer_norm(self.layer_norm, pixel_shuffle(features, self.factor))
        out = self.linear_2(self.act(self.linear_1(h)))
        return out.reshape(-1, out.shape[-1])
