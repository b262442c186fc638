"""Quantization recipes: what each part of the model is stored and computed in.

A recipe is a named, frozen config. `export` applies it to the eager modules
before `torch.export`, the manifest records it, and `quant-report` measures
what it costs. Names:

``float``            nothing quantized.
``default``          the paper's: LLM linears 4-bit weights (group 32) with 8-bit dynamic
                     activations, 8-bit embeddings, ViT and projector 8-bit (per channel).
``8da4w-gN``         LLM linears 4-bit group N + 8-bit dynamic activations (XNNPACK's fast path),
                     min/max groups (quant/affine4.py).
``8da4w-gN-sym``     the same with symmetric groups, no offsets: ExecuTorch export_llm's scheme,
                     fewer ops per layer, less exact.
``4w-gN``            LLM linears 4-bit group N, weight-only (activations stay float).
``8da8w``            LLM linears 8-bit per channel: the fallback when 4-bit costs too much.
``...-emb4``         any of the above with 4-bit embeddings (group 32) instead of 8-bit.
``...-head4``        a 4-bit recipe whose output head takes the linears' scheme: ExecuTorch
                     export_llm's layout (4-bit head, 8-bit embedding table).
``mtk-a16w4``        MediaTek NPU: LLM A16W4, ViT/projector A16W8, calibrated (host-evaluated).
``mtk-a16w8``        MediaTek NPU: A16W8 everywhere.

The output head follows the embedding scheme, tied or not (``Recipe.llm_head``):
8-bit per row, or 4-bit groups with ``-emb4``; ``-head4`` gives it the linears' scheme.
A 4-bit head reads half the bytes (SmolLM2: 14 instead of 28 of the 98 MB a decoded
token reads) but drops SmolLM2's top-1 agreement from 0.90 to 0.79 (docs/results.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bluev.errors import BadInput
from bluev.runtime.manifest import EmbeddingScheme, LinearScheme, MediatekPrecision, Quantization

LINEAR_KINDS = ("none", "8da4w", "4w", "8da8w")
XNNPACK_GROUP_MULTIPLE = 32  # XNNPACK's blockwise 4-bit kernels take groups in multiples of 32


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    llm_linear: LinearScheme = LinearScheme()
    llm_embedding: EmbeddingScheme = EmbeddingScheme()
    vision_linear: LinearScheme = LinearScheme()  # ViT and projector
    llm_head: LinearScheme | None = None  # None: set from the embedding scheme (__post_init__)
    # MediaTek recipes are PT2E-quantized with NeuropilotQuantizer (precision names)
    mediatek_llm: str | None = None
    mediatek_vision: str | None = None

    def __post_init__(self) -> None:
        if self.llm_head is None:  # frozen: set once here, so the manifest states the head's format
            object.__setattr__(self, "llm_head", head_for_table(self.llm_embedding, self.llm_linear))

    @property
    def is_float(self) -> bool:
        return self.name == "float"

    @property
    def backend(self) -> str:
        return "mediatek" if self.mediatek_llm else "xnnpack"

    def to_manifest(self) -> Quantization:
        """The manifest's record of this recipe (its schemes are the manifest's own types)."""
        assert self.llm_head is not None  # set in __post_init__
        mediatek = None
        if self.mediatek_llm and self.mediatek_vision:
            mediatek = MediatekPrecision(llm=self.mediatek_llm, vision=self.mediatek_vision)
        return Quantization(
            name=self.name,
            description=self.description,
            llm_linear=self.llm_linear,
            llm_embedding=self.llm_embedding,
            llm_head=self.llm_head,
            vision_linear=self.vision_linear,
            mediatek=mediatek,
        )


def head_for_table(embedding: EmbeddingScheme, linear: LinearScheme) -> LinearScheme:
    """The head in the table's format (it is the same table when tied); a float table: the linears'."""
    if embedding.bits == 8:
        return LinearScheme("8da8w")
    if embedding.bits == 4:
        return LinearScheme("8da4w", embedding.group_size or 32)
    return linear


EMB8 = EmbeddingScheme(bits=8)
EMB4 = EmbeddingScheme(bits=4, group_size=32)
VISION8 = LinearScheme("8da8w")

RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in [
        Recipe("float", "no quantization (float32)"),
        Recipe(
            "default",
            "the paper's: LLM 4-bit g32 + 8-bit dynamic activations, 8-bit embeddings, ViT/projector 8-bit",
            LinearScheme("8da4w", 32),
            EMB8,
            VISION8,
        ),
        Recipe(
            "mtk-a16w4",
            "MediaTek NPU: LLM 16-bit activations/4-bit weights, ViT/projector A16W8 (calibrated)",
            mediatek_llm="A16W4",
            mediatek_vision="A16W8",
        ),
        Recipe(
            "mtk-a16w8",
            "MediaTek NPU: 16-bit activations/8-bit weights everywhere (calibrated)",
            mediatek_llm="A16W8",
            mediatek_vision="A16W8",
        ),
    ]
}

_PATTERN = re.compile(
    r"^(?P<kind>8da4w|4w|8da8w)(?:-g(?P<group>\d+))?(?P<sym>-sym)?(?P<emb>-emb[48])?(?P<head>-head4)?$"
)


def parse_recipe(name: str) -> Recipe:
    """A registered name, or a family name such as ``8da4w-g64`` or ``4w-g128-emb4``."""
    if name in RECIPES:
        return RECIPES[name]
    match = _PATTERN.match(name)
    if match is None:
        families = "8da4w-gN[-sym], 4w-gN, 8da8w (each optionally with -emb4 or -emb8, then -head4)"
        raise BadInput(f"quant recipe {name!r}: unknown; use {', '.join(RECIPES)} or {families}")
    kind, group = match["kind"], int(match["group"] or 0)
    if match["sym"] and kind != "8da4w":
        raise BadInput(f"quant recipe {name!r}: -sym applies to 8da4w only ({kind} is symmetric already)")
    if kind == "8da8w" and group:
        raise BadInput(f"quant recipe {name!r}: 8da8w is per channel, it takes no -g group size")
    if kind == "8da8w" and match["head"]:
        raise BadInput(f"quant recipe {name!r}: -head4 needs 4-bit linears to follow (8da8w is 8-bit)")
    if kind != "8da8w":
        group = group or 32
        if group % XNNPACK_GROUP_MULTIPLE:
            raise BadInput(
                f"quant recipe {name!r}: group size {group} cannot run on XNNPACK "
                f"(4-bit groups must be a multiple of {XNNPACK_GROUP_MULTIPLE})"
            )
    scheme = LinearScheme(kind, group, symmetric=bool(match["sym"]))
    embedding = EMB4 if match["emb"] == "-emb4" else EMB8
    head = scheme if match["head"] else None
    description = f"LLM linears {scheme.describe()}, embeddings {embedding.describe()}"
    if head is not None:
        description += ", head as the linears"
    return Recipe(name, description + ", ViT/projector 8-bit", scheme, embedding, VISION8, llm_head=head)


def check_widths(recipe: Recipe, llm_widths: dict[str, int], embedding_dim: int) -> None:
    """Refuse a group size that does not divide a layer's input width, naming the layer."""
    group = recipe.llm_linear.group_size
    if group:
        bad = {name: width for name, width in llm_widths.items() if width % group}
        if bad:
            name, width = next(iter(bad.items()))
            more = f" (and {len(bad) - 1} more layers)" if len(bad) > 1 else ""
            raise BadInput(
                f"quant recipe {recipe.name!r}: group size {group} does not divide the input width "
                f"{width} of {name}{more}; pick a group size that divides it"
            )
    emb = recipe.llm_embedding
    if emb.group_size and embedding_dim % emb.group_size:
        raise BadInput(
            f"quant recipe {recipe.name!r}: embedding group {emb.group_size} "
            f"does not divide the embedding width {embedding_dim}"
        )


def check_llm_shape(recipe: Recipe, dim: int, hidden_dim: int) -> None:
    """The same check from a preset's declared shape, before anything is built."""
    check_widths(recipe, {"the q/k/v/gate/up projections": dim, "feed_forward.w2": hidden_dim}, dim)
