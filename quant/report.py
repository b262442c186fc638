"""`bluev quant-report`: what a recipe costs in accuracy and saves in size, per component.

LLM: perplexity of the float and the quantized model on a fixed English text
(`quant/data/eval_text.txt`, shipped with the package), top-1 next-token
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
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from bluev.errors import BadInput
from bluev.quant.apply import check_model_widths, quantize_llm_, quantize_vision_, weight_bytes
from bluev.quant.recipes import Recipe, check_llm_shape, parse_recipe
from bluev.runtime.tiler import TilerConfig

COMPONENTS = ("llm", "vision", "projector")


@dataclass
class ReportOptions:
    preset: str
    recipes: list[str] = field(default_factory=lambda: ["default"])
    checkpoint: Path | None = None
    components: tuple[str, ...] | None = None  # None: every component the preset has
    window: int = 256
    max_tokens: int | None = None
    images: list[Path] = field(default_factory=list)


def data_text(name: str) -> str:
    return resources.files("bluev.quant").joinpath("data", name).read_text(encoding="utf-8")


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


def token_windows(ids: list[int], window: int) -> list[torch.Tensor]:
    if len(ids) < window:
        window = len(ids)
    return [torch.tensor([ids[i : i + window]]) for i in range(0, len(ids) - window + 1, window)]


def calibration_windows(model, window: int) -> list[torch.Tensor]:  # noqa: ANN001  (BuiltModel)
    """Chat-formatted prompts (not the evaluation text), cut into windows of the eval length."""
    prompts = [p for p in data_text("calibration_prompts.txt").splitlines() if p.strip()]
    text = "".join(model.chat.prefix + p + model.chat.suffix for p in prompts)
    ids = model.tokenizer(text, add_special_tokens=False)["input_ids"]
    while len(ids) < window:
        ids = ids + ids
    return token_windows(ids, window)


def quantized_llm(model, recipe: Recipe, windows: list[torch.Tensor]):  # noqa: ANN001, ANN201
    """A callable ids -> logits for the recipe, and its weight bytes."""
    llm = copy.deepcopy(model.llm)
    if recipe.mediatek_llm:
        from bluev.quant.mediatek import pt2e_quantize

        calib = [(w,) for w in calibration_windows(model, windows[0].shape[1])]
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


def llm_report(model, recipe: Recipe, windows: list[torch.Tensor], float_logprobs: list) -> dict:  # noqa: ANN001
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


def float_log_probs(model, windows: list[torch.Tensor]) -> list[torch.Tensor]:  # noqa: ANN001
    with torch.no_grad():
        return [F.log_softmax(model.llm.window_logits(w)[0, :-1].float(), dim=-1) for w in windows]


# --- vision ------------------------------------------------------------------------------------


def textured_image(width: int = 1000, height: int = 700, seed: int = 0):  # noqa: ANN201
    """A busy picture (gradients, noise, text, edges): harder on 8-bit activations than flat shapes."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([x / width, y / height, 0.5 + 0.5 * np.sin(x / 37.0 + y / 53.0)], axis=-1) * 255
    noisy = np.clip(base + rng.normal(0, 18, base.shape), 0, 255).astype(np.uint8)
    img = Image.fromarray(noisy, "RGB")
    draw = ImageDraw.Draw(img)
    for i in range(12):
        draw.text((40 + 70 * i, 60 + 45 * (i % 7)), f"tile {i} 3.14", fill=(255 - 20 * i, 20 * i, 128))
        draw.line((0, 50 * i, width, height - 50 * i), fill=(20 * i, 255 - 20 * i, 60), width=3)
    return img


def built_in_tiles(
    tiler: TilerConfig, sample: tuple[int, int], textured: tuple[int, int], seed: int
) -> torch.Tensor:
    """Thumbnail + tiles of the sample picture and a textured one, drawn at the given sizes."""
    from bluev.runtime.image import tile_image
    from bluev.runtime.sample import draw_sample

    pictures = [draw_sample(*sample), textured_image(*textured, seed=seed)]
    return torch.cat([torch.from_numpy(tile_image(p, tiler).pixels) for p in pictures])


def image_tiles(model, images: list[Path]) -> torch.Tensor:  # noqa: ANN001
    """Tiles of the given image files, or of the built-in pictures."""
    from bluev.runtime.image import load_tiles

    if not images:
        return built_in_tiles(model.tiler, (1024, 768), (1000, 700), seed=0)
    return torch.cat([torch.from_numpy(load_tiles(p, model.tiler).pixels) for p in images])


def calibration_tiles(model) -> list[tuple[torch.Tensor]]:  # noqa: ANN001
    """One-tile batches of pictures other than the evaluated ones (other sizes, another seed)."""
    tiles = built_in_tiles(model.tiler, (640, 480), (800, 600), seed=1)
    return [(tiles[i : i + 1],) for i in range(tiles.shape[0])]


def cosines(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return F.cosine_similarity(a.flatten(1).double(), b.flatten(1).double(), dim=1)


def quantized_vision(model, recipe: Recipe, one_tile: torch.Tensor):  # noqa: ANN001, ANN201
    tower, projector = copy.deepcopy(model.tower), copy.deepcopy(model.projector)
    if recipe.mediatek_vision:
        from bluev.quant.mediatek import pt2e_quantize

        calib = calibration_tiles(model)
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


def vision_report(model, recipe: Recipe, tiles: torch.Tensor, float_out: tuple) -> tuple[dict, dict]:  # noqa: ANN001
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


def check_report_options(opts: ReportOptions) -> tuple:
    from bluev.export.presets import get_preset

    preset = get_preset(opts.preset)
    recipes = [parse_recipe(name) for name in opts.recipes]
    if opts.components is None:
        opts.components = COMPONENTS if preset.multimodal else ("llm",)
    unknown = [c for c in opts.components if c not in COMPONENTS]
    if unknown:
        raise BadInput(f"component {unknown[0]!r}: unknown, choose from {', '.join(COMPONENTS)}")
    if not preset.multimodal and set(opts.components) - {"llm"}:
        raise BadInput(f"preset {preset.name} is text-only: it has no vision tower or projector to report on")
    if opts.window < 2:
        raise BadInput("--window must be at least 2 tokens")
    if preset.llm is not None and "llm" in opts.components:  # refuse before any work
        for recipe in recipes:
            check_llm_shape(recipe, preset.llm.dim, preset.llm.hidden_dim)
    for path in opts.images:
        if not Path(path).is_file():
            raise BadInput(f"{path}: no such image file")
    return preset, recipes


def quant_report(opts: ReportOptions) -> list[dict]:
    from bluev.export.presets import build

    preset, recipes = check_report_options(opts)
    log(f"building preset {preset.name} ...")
    with_llm = "llm" in opts.components
    model = build(preset, opts.checkpoint, with_llm=with_llm)
    if with_llm and model.llm is not None:
        for recipe in recipes:
            check_model_widths(recipe, model.llm)
    reports = [{"preset": preset.name, "recipe": r.to_dict()} for r in recipes]
    if "llm" in opts.components:
        ids = model.tokenizer(data_text("eval_text.txt"), add_special_tokens=False)["input_ids"]
        windows = token_windows(ids[: opts.max_tokens] if opts.max_tokens else ids, opts.window)
        log(f"scoring the float LLM on {sum(w.numel() for w in windows)} tokens ...")
        float_lp = float_log_probs(model, windows)
        for recipe, report in zip(recipes, reports, strict=True):
            log(f"recipe {recipe.name}: scoring the quantized LLM ...")
            report["llm"] = llm_report(model, recipe, windows, float_lp)
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
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
