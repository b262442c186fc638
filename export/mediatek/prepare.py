"""Everything before the NeuroPilot SDK: static-shape NPU programs, PT2E-quantized and calibrated.

The LLM as a t=chunk prefill and a t=1 decode program (export/mediatek/graphs.py), the vision
encoder and projector at a fixed tile batch, each quantized with ExecuTorch's
NeuropilotQuantizer (quant/pt2e.py) and calibrated on real inputs: the
calibration prompts run through the programs as the phone would run them (chunked
prefill, then greedy decode), and tiles of real pictures. Runs on any host.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.export import ExportedProgram

from bluev.export.built_model import BuiltModel
from bluev.export.mediatek.graphs import NpuDecoder, NpuSession, NpuShapes, example_inputs, npu_shapes
from bluev.export.programs import vision_batch
from bluev.export.writer import Progress
from bluev.quant.calibration import calibration_prompt_ids, calibration_tiles
from bluev.quant.pt2e import pt2e_convert, pt2e_prepare, pt2e_quantize
from bluev.quant.recipes import Recipe

DECODE_STEPS = 4  # greedy decode calls per calibration prompt: the t=1 program's activation ranges


@dataclass
class NpuPrograms:
    """Static-shape, quantized ExportedPrograms per component, ready for the NeuroPilot partitioner."""

    shapes: NpuShapes
    llm: dict[str, ExportedProgram]
    vision: dict[str, ExportedProgram] | None = None
    projector: dict[str, ExportedProgram] | None = None
    vision_batch: int = 0


# --- calibration data ---------------------------------------------------------------------------


def calibration_prompts(model: BuiltModel) -> list[list[int]]:
    """Token ids of each chat-formatted calibration prompt, and of all of them in one conversation."""
    return calibration_prompt_ids(model.tokenizer, model.chat)


def calibrate_llm(
    model: BuiltModel,
    shapes: NpuShapes,
    prefill: torch.nn.Module,
    decode: torch.nn.Module,
    prompts: list[list[int]],
) -> dict:
    """Run the observed graph as the phone would: chunked prefill of each prompt, then greedy decode."""
    calls = {"prefill": 0, "decode": 0, "prompts": 0}
    longest = shapes.cache - shapes.chunk - DECODE_STEPS  # a padded chunk needs t free slots
    with torch.no_grad():
        for ids in prompts:
            ids = ids[:longest]
            session = NpuSession(model.llm, shapes, prefill, decode)
            logits = session.run(model.llm.tok_embeddings(torch.tensor([ids])))
            calls["prefill"] += -(-len(ids) // shapes.chunk)
            for _ in range(DECODE_STEPS):
                token = logits.argmax(-1, keepdim=True)
                logits = session.run(model.llm.tok_embeddings(token))
                calls["decode"] += 1
            calls["prompts"] += 1
    return calls


def vision_batches(model: BuiltModel, batch: int) -> list[torch.Tensor]:
    """Real picture tiles (the calibration pictures) in fixed batches, the last topped up."""
    assert model.tiler is not None
    tiles = torch.cat([t for (t,) in calibration_tiles(model.tiler)])
    if tiles.shape[0] % batch:
        extra = batch - tiles.shape[0] % batch
        tiles = torch.cat([tiles, tiles[:extra]])
    return list(tiles.split(batch))


# --- preparation: static graphs, quantized ------------------------------------------------------


def static_export(module: torch.nn.Module, example: tuple) -> ExportedProgram:
    with torch.no_grad():
        return torch.export.export(module, example, strict=False)


def prepare_llm(
    model: BuiltModel,
    chunk: int,
    precision: str,
    prompts: list[list[int]] | None = None,
) -> tuple[dict[str, ExportedProgram], NpuShapes, dict]:
    """The t=chunk prefill and t=1 decode graphs, observed together through the same conversations.

    Two static graphs rather than one traced with a symbolic t (ExecuTorch's example):
    the GQA broadcast over a symbolic length made torch.export guard on the length.
    Per-channel weight scales come from the weights alone, so both graphs quantize the
    weights identically (NeuroPilot can then share one weight blob); each keeps the
    activation ranges of its own calls.
    """
    shapes = npu_shapes(model.llm, chunk)
    decoder = NpuDecoder(model.llm).eval()
    prefill = pt2e_prepare(decoder, example_inputs(shapes, chunk), precision)
    decode = pt2e_prepare(decoder, example_inputs(shapes, 1), precision)
    prompts = calibration_prompts(model) if prompts is None else prompts
    calls = calibrate_llm(model, shapes, prefill, decode, prompts)
    programs = {
        "prefill": static_export(pt2e_convert(prefill, fold_quantize=False), example_inputs(shapes, chunk)),
        "decode": static_export(pt2e_convert(decode, fold_quantize=False), example_inputs(shapes, 1)),
    }
    return programs, shapes, calls


def prepare_vision(model: BuiltModel, precision: str, batch: int) -> tuple[dict, dict, int]:
    """Vision encoder and projector at a fixed tile batch, calibrated on real picture tiles."""
    batches = vision_batches(model, batch)
    tower = pt2e_quantize(model.tower, (batches[0],), [(b,) for b in batches], precision, fold_quantize=False)
    with torch.no_grad():
        features = [model.tower(b) for b in batches]
    projector = pt2e_quantize(
        model.projector, (features[0],), [(f,) for f in features], precision, fold_quantize=False
    )
    return (
        {"forward": static_export(tower, (batches[0],))},
        {"forward": static_export(projector, (features[0],))},
        len(batches),
    )


def prepare_programs(
    model: BuiltModel, recipe: Recipe, progress: Progress, requested_batch: int = 0
) -> NpuPrograms:
    """Everything before the SDK: static shapes, quantization, calibration; progress on stderr.
    ``requested_batch``: `--vision-batch` (0: the thumbnail and the most tiles the tiler makes)."""
    preset, vision, projector, batch = model.preset, None, None, 0
    if model.tower is not None and model.projector is not None and model.tiler is not None:
        batch = vision_batch(model.tiler.max_tiles, requested_batch, "mediatek")
        started = progress.step(
            f"preparing vision encoder + projector for the NPU (fixed batch of {batch} tiles)"
        )
        vision, projector, n = prepare_vision(model, recipe.mediatek_vision, batch)
        progress.finish(
            started, f", {recipe.mediatek_vision} PT2E-quantized, calibrated on {n} batches of real tiles"
        )
    started = progress.step(
        f"preparing llm for the NPU (prefill t={preset.chunk_size}, decode t=1, caches as inputs)"
    )
    llm, shapes, calls = prepare_llm(model, preset.chunk_size, recipe.mediatek_llm)
    progress.finish(
        started,
        f", {recipe.mediatek_llm} PT2E-quantized, calibrated on {calls['prompts']} prompts "
        f"({calls['prefill']} prefill + {calls['decode']} decode calls), cache {shapes.cache}",
    )
    return NpuPrograms(shapes, llm, vision, projector, batch)
