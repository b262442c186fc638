"""Apply a recipe's XNNPACK schemes to eager modules in place (torchao module swaps).

torchao replaces each weight with a quantized tensor subclass. `torch.export`
traces those into dequantize/quantize ops that ExecuTorch's XNNPACK partitioner
turns into its 4/8-bit linear kernels, and that `to_executorch`'s quant fusion
turns into `quantized_decomposed::embedding_{byte,4bit}` for the embedding table.
"""

from __future__ import annotations

import torch
from torch import nn
from torchao.core.config import AOBaseConfig
from torchao.quantization import Int8DynamicActivationIntxWeightConfig, IntxWeightOnlyConfig, quantize_
from torchao.quantization.granularity import PerAxis, PerGroup
from torchao.quantization.quantize_.workflows.intx.intx_choose_qparams_algorithm import (
    IntxChooseQParamsAlgorithm,
)

from bluev.quant.affine4 import swap_linears_
from bluev.quant.recipes import Recipe, check_widths
from bluev.runtime.manifest import EmbeddingScheme, LinearScheme

# On the device the scales are kept in 16 bits (XNNPACK's blockwise kernels take bf16).
SCALE_BYTES = 2


def linear_config(scheme: LinearScheme) -> AOBaseConfig:
    granularity = PerGroup(scheme.group_size) if scheme.group_size else PerAxis(0)
    if scheme.kind == "8da4w":
        # symmetric groups: HQQ picks each group's scale (SmolLM2 ppl 45.1 -> 42.4 over max-abs scales)
        return Int8DynamicActivationIntxWeightConfig(
            weight_dtype=torch.int4,
            weight_granularity=granularity,
            intx_choose_qparams_algorithm=IntxChooseQParamsAlgorithm.HQQ_SCALE_ONLY,
        )
    if scheme.kind == "8da8w":
        return Int8DynamicActivationIntxWeightConfig(weight_dtype=torch.int8, weight_granularity=granularity)
    if scheme.kind == "4w":
        return IntxWeightOnlyConfig(weight_dtype=torch.int4, granularity=granularity)
    raise ValueError(f"no torchao config for linear scheme {scheme.kind!r}")


def embedding_config(scheme: EmbeddingScheme) -> AOBaseConfig:
    granularity = PerGroup(scheme.group_size) if scheme.group_size else PerAxis(0)
    return IntxWeightOnlyConfig(weight_dtype=getattr(torch, f"int{scheme.bits}"), granularity=granularity)


def quantize_linears_(module: nn.Module, scheme: LinearScheme, skip: frozenset[str] = frozenset()) -> int:
    """Quantize every nn.Linear under `module` but the dotted names in `skip`; returns the count."""
    if scheme.kind == "none":
        return 0
    if scheme.kind == "8da4w" and not scheme.symmetric:  # min/max groups on the symmetric kernel (affine4.py)
        return swap_linears_(module, scheme.group_size, set(skip))

    def chosen(m: nn.Module, fqn: str) -> bool:
        return isinstance(m, nn.Linear) and fqn not in skip

    count = sum(chosen(m, fqn) for fqn, m in module.named_modules())
    with torch.no_grad():
        quantize_(module, linear_config(scheme), filter_fn=chosen)
    return count


def quantize_embeddings_(module: nn.Module, scheme: EmbeddingScheme) -> int:
    if not scheme.bits:
        return 0
    count = sum(isinstance(m, nn.Embedding) for m in module.modules())
    with torch.no_grad():
        quantize_(module, embedding_config(scheme), filter_fn=lambda m, _fqn: isinstance(m, nn.Embedding))
    return count


def check_model_widths(recipe: Recipe, llm: nn.Module) -> None:
    """check_widths on a built model's own linear layers (checkpoint presets have no declared shape)."""
    widths = {name: m.in_features for name, m in llm.named_modules() if isinstance(m, nn.Linear)}
    check_widths(recipe, widths, llm.tok_embeddings.embedding_dim)


def quantize_llm_(llm: nn.Module, recipe: Recipe) -> None:
    """Embedding table, decoder linears, then the head (named ``output`` in our Transformer)."""
    quantize_embeddings_(llm, recipe.llm_embedding)
    quantize_linears_(llm, recipe.llm_linear, skip=frozenset({"output"}))
    not_head = frozenset(n for n, _ in llm.named_modules() if n != "output")
    quantize_linears_(llm, recipe.llm_head, skip=not_head)  # set by Recipe.__post_init__


def quantize_vision_(tower: nn.Module | None, projector: nn.Module | None, recipe: Recipe) -> None:
    """ViT and projector linears; the patch-embedding conv and position table stay float."""
    for module in (tower, projector):
        if module is not None:
            quantize_linears_(module, recipe.vision_linear)


def tensor_bytes(t: torch.Tensor) -> float:
    """Bytes a weight takes on the device: packed integer data plus 16-bit scales."""
    qdata = getattr(t, "qdata", None)
    if qdata is None:
        return float(t.numel() * t.element_size())
    bits = int(str(t.target_dtype).removeprefix("torch.int"))
    zero_point = t.zero_point
    zp_bytes = zero_point.numel() if zero_point is not None and bool(zero_point.any()) else 0
    return qdata.numel() * bits / 8 + t.scale.numel() * SCALE_BYTES + zp_bytes


def weight_bytes(module: nn.Module) -> float:
    """Parameters and persistent buffers (not the KV cache or rope tables, which are state)."""
    persistent = set(module.state_dict())
    total = sum(tensor_bytes(p) for p in module.parameters())  # shared parameters count once
    buffers = module.named_buffers()
    return total + sum(tensor_bytes(b) for n, b in buffers if n in persistent and b.is_floating_point())
