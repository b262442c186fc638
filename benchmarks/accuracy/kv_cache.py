"""What an 8-bit KV cache costs in accuracy: the recipe's LLM through its cache, int8 against fp32.

`bluev quant-report --kv-cache int8` scores the quantized LLM the way it generates
(``Transformer.cached_logits``: from position 0, ``chunk`` tokens per call, attention
on the static cache with ExecuTorch's ``llama::`` kernels, the ops the exported
program runs) once with the float32 cache and once with the int8 cache, on the same
windows as the recipe's own score. Perplexity of both, top-1 agreement of their
next-token predictions and the mean KL(fp32 cache || int8 cache); and the cache's
bytes at the full context, both ways.
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F

from bluev.export.built_model import BuiltModel
from bluev.export.llm import Transformer, cache_layout
from bluev.quant.apply import quantize_llm_
from bluev.quant.recipes import Recipe


def cache_bytes(llm: Transformer) -> int:
    """Every layer's cache buffers at the full context, as the program holds them."""
    per_layer = sum(
        math.prod(shape) * torch.empty(0, dtype=dtype).element_size()
        for shape, dtype in cache_layout(llm.args).values()
    )
    return per_layer * llm.args.n_layers


def cached_log_probs(llm: Transformer, windows: list[torch.Tensor], chunk: int) -> list[torch.Tensor]:
    with torch.no_grad():
        return [F.log_softmax(llm.cached_logits(w, chunk)[0, :-1].float(), dim=-1) for w in windows]


def kv_cache_report(model: BuiltModel, recipe: Recipe, windows: list[torch.Tensor], kv_cache: str) -> dict:
    """The recipe's LLM with a ``kv_cache`` cache against the same LLM with the float32 one."""
    assert model.llm is not None
    base = copy.deepcopy(model.llm)
    quantize_llm_(base, recipe)
    chunk = model.preset.chunk_size
    ref = cached_log_probs(base, windows, chunk)
    other = copy.deepcopy(base)
    other.use_kv_cache(kv_cache)
    got = cached_log_probs(other, windows, chunk)
    nll_ref = nll_got = kl = agree = count = 0.0
    for ids, lp_ref, lp_got in zip(windows, ref, got, strict=True):
        target = ids[0, 1:, None]
        nll_ref += -lp_ref.gather(1, target).sum().item()
        nll_got += -lp_got.gather(1, target).sum().item()
        kl += F.kl_div(lp_got, lp_ref, log_target=True, reduction="sum").item()
        agree += (lp_ref.argmax(-1) == lp_got.argmax(-1)).sum().item()
        count += target.shape[0]
    ppl_ref, ppl_got = math.exp(nll_ref / count), math.exp(nll_got / count)
    return {
        "recipe": recipe.name,
        "kv_cache": kv_cache,
        "ppl_float32_cache": round(ppl_ref, 4),
        "ppl_cache": round(ppl_got, 4),
        "ppl_change": round(ppl_got / ppl_ref - 1.0, 4),
        "top1_agreement": round(agree / count, 4),
        "kl": round(kl / count, 5),
        "cache_mb_float32": round(cache_bytes(base) / 1e6, 2),
        "cache_mb": round(cache_bytes(other) / 1e6, 2),
        "chunk": chunk,
        "tokens": int(count),
    }
