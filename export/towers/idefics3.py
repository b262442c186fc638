"""SmolVLM / Idefics3: the SigLIP-like tower with its post layer norm, and the pixel-shuffle connector.

`Idefics3VisionTransformer` and `SmolVLMVisionTransformer` (transformers) are SigLIP's
layers behind NaViT-style embeddings: a patch-attention mask and position ids bucketed
from the real (unpadded) part of each tile. The family's image processor only ever
emits full tiles (it resizes to whole multiples of the tile side, then splits), so the
mask is all ones and the ids are a fixed table, read once from the checkpoint's own
embedding code; the tower then runs no mask at all.
"""

from __future__ import annotations

import torch
from torch import nn

from bluev.export.towers.shuffle import pixel_shuffle
from bluev.export.vision import VisionTower
from bluev.graph_forms import layer_norm


def full_tile_position_ids(embeddings: nn.Module) -> torch.Tensor:
    """The position ids the checkpoint's embeddings give a full tile, [N] (as its forward computes them).

    Read off a forward hook rather than recomputed: the ids come from float bucketing
    (torch.bucketize of i / side), and the table must be the one the model was run with.
    """
    seen: list[torch.Tensor] = []
    hook = embeddings.position_embedding.register_forward_hook(lambda _m, args, _out: seen.append(args[0]))
    side = embeddings.num_patches_per_side
    size = side * embeddings.patch_size
    try:
        with torch.no_grad():
            embeddings(torch.zeros(1, 3, size, size), torch.ones(1, side, side, dtype=torch.bool))
    finally:
        hook.remove()
    return seen[0].reshape(-1).clone()


class Idefics3Tower(VisionTower):
    """Full tiles [B, 3, S, S] (normalised as the image processor does) -> [B, (S / p)^2, width].

    Works on `Idefics3VisionTransformer` and `SmolVLMVisionTransformer`, which have the
    same layers as SigLIP (VisionTower's) plus a final `post_layernorm`; the family
    always uses the last layer.
    """

    def __init__(self, vision_model: nn.Module) -> None:
        super().__init__(vision_model, feature_layer=-1)
        self.post_layernorm = vision_model.post_layernorm
        ids = full_tile_position_ids(self.embeddings)
        rows = self.embeddings.position_embedding.weight.detach()[ids].clone()
        self.register_buffer("positions", rows, persistent=False)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return layer_norm(self.post_layernorm, super().forward(pixels))

    @property
    def image_size(self) -> int:
        return self.embeddings.image_size

    def position_rows(self) -> torch.Tensor:
        return self.positions


class Idefics3Projector(nn.Module):
    """Idefics3Connector / SmolVLMConnector: patch features [B, N, C] -> [B * N / f^2, D].

    Pixel shuffle by `scale_factor` f, then `modality_projection` (one linear, no bias).
    """

    def __init__(self, connector: nn.Module) -> None:
        super().__init__()
        self.factor = int(connector.scale_factor)
        self.proj = connector.modality_projection.proj

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        out = self.proj(pixel_shuffle(features, self.factor))
        return out.reshape(-1, out.shape[-1])
