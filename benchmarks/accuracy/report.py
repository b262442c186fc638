"""`bluev quant-report`: what a recipe costs in accuracy and saves in size, per component.

LLM: perplexity of the float and the quantized model on a fixed English text
(`quant/data/eval_text.txt`, shipped with the package; quant/calibration.py), top-1 next-token
agreement and the mean KL(float || quant) of the next-token distributions,
scored in windows from position 0. Vision: cosine similarity of ViT features
on real image tiles; projector: cosine of the LLM embeddings coming out of the
quantized tower + projector. Sizes are the weights' bytes as stored on the
device (packed integers + 16-bit scales), not the `.pte` file (export's
summary gives that).
"""

from __future__ import annotations

import copy
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from bluev.benchmarks.accuracy.kv_cache import kv_cache_report
from bluev.benchmarks.accuracy.options import ReportOptions
from bluev.export.builders import build
from bluev.export.built_model import BuiltModel
from bluev.quant.apply import check_model_widths, quantize_llm_, quantize_vision_, weight_bytes
from bluev.quant.calibration import (
    built_in_tiles,
    calibration_tiles,
    calibration_windows,
    token_windows,
)
from bluev.quant.pt2e import pt2e_quantize
from bluev.quant.recipes import Recipe
from bluev.quant.texts import data_text
from bluev.runtime.image import load_tiles
from bluev.runtime.typed_json import to_json
from bluev.text_table import aligned


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- LLM ----------------------------------------------------------------------------------------


class WindowLogits(nn.Module):
    """ids [1, S] -> logits [1, S, vocab]: the graph PT2E quantizers see."""

    def __init__(self, llm: nn.Module) -> None:
        super().__init__()
        self.llm = llm

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.llm.window_logits(tokens)


def quantized_llm(model: BuiltModel, recipe: Recipe, windows: list[torch.Tensor]):  # noqa: ANN201
    """A callable ids -> logits for the recipe, and its weight bytes."""
    llm = copy.deepcopy(model.llm)
    if recipe.mediatek_llm:
        calib = [(w,) for w in calibration_windows(model.tokenizer, model.chat, windows[0].shape[1])]
        graph = pt2e_quantize(WindowLogits(llm), (windows[0],), calib, recipe.mediatek_llm)
        return graph, mediatek_weight_bytes(llm, recipe.mediatek_llm)
    quantize_llm_(llm, recipe)
    return llm.window_logits, weight_bytes(llm)


def mediatek_weight_bytes(module: nn.Module, precision: str) -> float:
    """NeuroPilot stores linear/conv weights at W bits with a float scale per output channel."""
    bits = int(precision.partition("W")[2])
    total = 0.0
    for sub in module.modules():
        for name, p in sub.named_parameters(recurse=False):
            if name == "weight" and isinstance(sub, nn.Linear | nn.Conv2d):
                total += p.numel() * bits / 8 + p.shape[0] * 4
            else:
                total += p.numel() * p.element_size()
    return total


def llm_report(model: BuiltModel, recipe: Recipe, windows: list[torch.Tensor], float_logprobs: list) -> dict:
    quant, size = quantized_llm(model, recipe, windows)
    nll_f = nll_q = kl = agree = count = 0.0
    with torch.no_grad():
        for ids, lp_f in zip(windows, float_logprobs, strict=True):
            lp_q = F.log_softmax(quant(ids)[0, :-1].float(), dim=-1)
            target = ids[0, 1:]
            nll_f += -lp_f.gather(1, target[:, None]).sum().item()
            nll_q += -lp_q.gather(1, target[:, None]).sum().item()
            kl += F.kl_div(lp_q, lp_f, log_target=True, reduction="sum").item()
            agree += (lp_f.argmax(-1) == lp_q.argmax(-1)).sum().item()
            count += target.numel()
    ppl_f, ppl_q = math.exp(nll_f / count), math.exp(nll_q / count)
    return {
        "recipe": recipe.name,
        "ppl_float": round(ppl_f, 4),
        "ppl_quant": round(ppl_q, 4),
        "ppl_change": round(ppl_q / ppl_f - 1.0, 4),
        "top1_agreement": round(agree / count, 4),
        "kl": round(kl / count, 5),
        "size_mb": round(size / 1e6, 2),
        "size_mb_float": round(weight_bytes(model.llm) / 1e6, 2),
        "tokens": int(count),
    }


def float_log_probs(model: BuiltModel, windows: list[torch.Tensor]) -> list[torch.Tensor]:
    with torch.no_grad():
        return [F.log_softmax(model.llm.window_logits(w)[0, :-1].float(), dim=-1) for w in windows]


# --- vision ------------------------------------------------------------------------------------


def image_tiles(model: BuiltModel, images: tuple[Path, ...]) -> torch.Tensor:
    """Tiles of the given image files, or of the built-in pictures."""
    if not images:
        return built_in_tiles(model.tiler, (1024, 768), (1000, 700), seed=0)
    return torch.cat([torch.from_numpy(load_tiles(p, model.tiler).pixels) for p in images])


def cosines(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return F.cosine_similarity(a.flatten(1).double(), b.flatten(1).double(), dim=1)


def quantized_vision(model: BuiltModel, recipe: Recipe, one_tile: torch.Tensor):  # noqa: ANN201
    tower, projector = copy.deepcopy(model.tower), copy.deepcopy(model.projector)
    if recipe.mediatek_vision:
        calib = calibration_tiles(model.tiler)
        q_tower = pt2e_quantize(tower, (one_tile,), calib, recipe.mediatek_vision)
        with torch.no_grad():
            feats = [(model.tower(t),) for (t,) in calib]
        q_proj = pt2e_quantize(projector, feats[0], feats, recipe.mediatek_vision)
        sizes = (
            mediatek_weight_bytes(tower, recipe.mediatek_vision),
            mediatek_weight_bytes(projector, recipe.mediatek_vision),
        )
        # PT2E graphs are traced at batch 1: run tiles one at a time
        return (
            (lambda x: torch.cat([q_tower(t[None]) for t in x])),
            (lambda f: torch.cat([q_proj(t[None]) for t in f])),
            sizes,
        )
    quantize_vision_(tower, projector, recipe)
    return tower, projector, (weight_bytes(tower), weight_bytes(projector))


def vision_report(
    model: BuiltModel, recipe: Recipe, tiles: torch.Tensor, float_out: tuple
) -> tuple[dict, dict]:
    feats_f, emb_f = float_out
    tower, projector, (tower_bytes, proj_bytes) = quantized_vision(model, recipe, tiles[:1])
    with torch.no_grad():
        feats_q = tower(tiles)
        emb_q = projector(feats_q)
    per_tile = emb_f.shape[0] // tiles.shape[0]
    cos_v = cosines(feats_f, feats_q)
    cos_p = cosines(emb_f.reshape(tiles.shape[0], per_tile, -1), emb_q.reshape(tiles.shape[0], per_tile, -1))
    vision = {
        "recipe": recipe.name,
        "feature_cosine": round(cos_v.mean().item(), 5),
        "feature_cosine_min": round(cos_v.min().item(), 5),
        "tiles": int(tiles.shape[0]),
        "size_mb": round(tower_bytes / 1e6, 2),
        "size_mb_float": round(weight_bytes(model.tower) / 1e6, 2),
    }
    projector_out = {
        "recipe": recipe.name,
        "output_cosine": round(cos_p.mean().item(), 5),
        "output_cosine_min": round(cos_p.min().item(), 5),
        "size_mb": round(proj_bytes / 1e6, 2),
        "size_mb_float": round(weight_bytes(model.projector) / 1e6, 2),
    }
    return vision, projector_out


# --- the report --------------------------------------------------------------------------------


def quant_report(opts: ReportOptions) -> list[dict]:
    preset, recipes = opts.preset_config, opts.parsed
    log(f"building preset {preset.name} ...")
    with_llm = "llm" in opts.components
    model = build(preset, opts.checkpoint, with_llm=with_llm)
    if with_llm and model.llm is not None:
        for recipe in recipes:
            check_model_widths(recipe, model.llm)
    reports = [{"preset": preset.name, "recipe": to_json(r.to_manifest())} for r in recipes]
    if "llm" in opts.components:
        ids = model.tokenizer(data_text("eval_text.txt"), add_special_tokens=False)["input_ids"]
        windows = token_windows(ids[: opts.max_tokens] if opts.max_tokens else ids, opts.window)
        log(f"scoring the float LLM on {sum(w.numel() for w in windows)} tokens ...")
        float_lp = float_log_probs(model, windows)
        for recipe, report in zip(recipes, reports, strict=True):
            log(f"recipe {recipe.name}: scoring the quantized LLM ...")
            report["llm"] = llm_report(model, recipe, windows, float_lp)
            if opts.kv_cache != "float32" and not recipe.mediatek_llm:  # NPU caches are program inputs
                log(f"recipe {recipe.name}: scoring its {opts.kv_cache} KV cache against float32 ...")
                report["kv_cache"] = kv_cache_report(model, recipe, windows, opts.kv_cache)
        del float_lp
    if model.tower is not None and {"vision", "projector"} & set(opts.components):
        tiles = image_tiles(model, opts.images)
        log(f"running the float vision tower on {tiles.shape[0]} tiles ...")
        with torch.no_grad():
            feats = model.tower(tiles)
            float_out = (feats, model.projector(feats))
        for recipe, report in zip(recipes, reports, strict=True):
            log(f"recipe {recipe.name}: running the quantized vision tower ...")
            vision, projector = vision_report(model, recipe, tiles, float_out)
            if "vision" in opts.components:
                report["vision"] = vision
            if "projector" in opts.components:
                report["projector"] = projector
    return reports


def report_table(reports: list[dict]) -> str:
    rows = [("recipe", "component", "float", "quantized", "agreement / cosine", "KL", "MB float", "MB quant")]
    for rep in reports:
        name = rep["recipe"]["name"]
        if "llm" in rep:
            r = rep["llm"]
            rows.append(
                (
                    name,
                    "llm (ppl)",
                    f"{r['ppl_float']:.3f}",
                    f"{r['ppl_quant']:.3f}",
                    f"top-1 {r['top1_agreement']:.4f}",
                    f"{r['kl']:.4f}",
                    f"{r['size_mb_float']:.1f}",
                    f"{r['size_mb']:.1f}",
                )
            )
        if "kv_cache" in rep:
            r = rep["kv_cache"]
            rows.append(
                (
                    name,
                    f"llm, {r['kv_cache']} KV cache (ppl)",
                    f"{r['ppl_float32_cache']:.3f}",
                    f"{r['ppl_cache']:.3f}",
                    f"top-1 {r['top1_agreement']:.4f}",
                    f"{r['kl']:.4f}",
                    f"{r['cache_mb_float32']:.1f}",
                    f"{r['cache_mb']:.1f}",
                )
            )
        for key, metric in (("vision", "feature_cosine"), ("projector", "output_cosine")):
            if key in rep:
                r = rep[key]
                rows.append(
                    (
                        name,
                        key,
                        "",
                        "",
                        f"cos {r[metric]:.5f} (min {r[metric + '_min']:.5f})",
                        "",
                        f"{r['size_mb_float']:.1f}",
                        f"{r['size_mb']:.1f}",
                    )
                )
    return "\n".join(aligned(rows))
