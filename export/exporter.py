"""`bluev export`: preset -> per-component .pte files, tokenizer and manifest, written atomically.

Readable top to bottom, as ExecuTorch's export_llava: build the eager modules, apply the
recipe, export each component with torch.export, lower it for the backend, write it.
The MediaTek NPU takes its own route (mediatek/lower.py) through the same writer.
"""

from __future__ import annotations

import gc
import time

from bluev.errors import BadInput
from bluev.export.builders import build
from bluev.export.built_model import BuiltModel
from bluev.export.hf_checkpoint import check_checkpoint
from bluev.export.lower import lower
from bluev.export.mediatek.lower import export_mediatek
from bluev.export.options import FIXED_VISION_BATCH, ExportOptions
from bluev.export.programs import (
    llm_programs,
    projector_programs,
    runner_metadata,
    stock_multimodal_programs,
    stock_text_programs,
    vision_batch,
    vision_programs,
)
from bluev.export.shared_table import shares_table
from bluev.export.speech.checkpoint import check_speech_checkpoint
from bluev.export.speech.export import export_speech
from bluev.export.static_layout import static_programs, static_section, write_embedding
from bluev.export.vision import Projector
from bluev.export.writer import (
    ArtifactWriter,
    ProgramResult,
    Progress,
    assemble_manifest,
    destination_problem,
    tower_shape,
)
from bluev.quant.apply import check_model_widths, quantize_llm_, quantize_vision_
from bluev.quant.recipes import Recipe
from bluev.runtime.manifest import Manifest, Npu


def export(opts: ExportOptions) -> Manifest:
    check_inputs(opts)
    if opts.backend == "mediatek":
        return export_mediatek(opts)
    steps = 3 + 2 * opts.with_vision - (not opts.with_llm) + int(opts.stock_runner) + 3 * opts.with_speech
    progress = Progress(steps=steps)
    model, build_seconds = build_for_export(opts, progress)
    with ArtifactWriter(opts.out) as writer:
        results, static = export_components(model, opts, writer, progress)
        speech = None
        if opts.with_speech:
            speech_results, speech = export_speech(opts, writer, progress)
            results += speech_results
        started = progress.step("writing tokenizer and manifest")
        manifest = assemble_manifest(model, opts, writer, results, build_seconds, static, speech=speech)
        writer.commit(manifest)
        progress.finish(started)
    return manifest


def check_inputs(opts: ExportOptions) -> None:
    """What the options cannot check alone: the checkpoint's files and the destination folder."""
    if opts.checkpoint is not None:
        check_checkpoint(opts.checkpoint, opts.tiler)
    if opts.speech_checkpoint is not None:
        check_speech_checkpoint(opts.speech_checkpoint)
    problem = destination_problem(opts.out, opts.preset, opts.force)
    if problem is not None:
        raise BadInput(problem)


def build_for_export(opts: ExportOptions, progress: Progress) -> tuple[BuiltModel, float]:
    """The eager modules, fused and quantized in place, ready to trace; and the build time."""
    preset = opts.preset_config
    started = progress.step(f"building preset {preset.name} ({preset.description})")
    model = build(preset, opts.checkpoint, with_llm=opts.with_llm, tiler=opts.tiler)
    build_seconds = progress.finish(started)
    # The HF module shares its float weights with ours; once quantization swaps ours, only
    # this reference would keep them (11 GB for bluelm-v-3b, which ran out of memory).
    model.hf_llm = None
    if not opts.with_vision:
        model.tower = model.projector = None
    if not opts.with_llm:  # a checkpoint always brings its LLM (a random preset skips building it)
        model.llm = None
    if model.llm is not None:
        # fewer ops per layer; the fused rows quantize exactly as the separate ones did
        model.llm.fuse_qkv()
        model.llm.fuse_gate_up()
        model.llm.use_kv_cache(opts.kv_cache)
    quantize_model(model, opts.recipe, progress)
    gc.collect()  # the swapped-out float linears
    return model, build_seconds


def quantize_model(model: BuiltModel, recipe: Recipe, progress: Progress) -> None:
    """Apply the recipe to the eager modules in place (every program then exports quantized)."""
    if recipe.is_float:
        return
    started = time.monotonic()
    if model.llm is not None:
        check_model_widths(recipe, model.llm)
        quantize_llm_(model.llm, recipe)
    quantize_vision_(model.tower, model.projector, recipe)
    progress.log(f"quantized ({recipe.name}) in {time.monotonic() - started:.1f}s")


def export_components(
    model: BuiltModel, opts: ExportOptions, writer: ArtifactWriter, progress: Progress
) -> tuple[list[ProgramResult], Npu | None]:
    """vision_encoder.pte and projector.pte (multimodal), llm.pte, stock_runner.pte (if asked);
    and, for the static LLM layout, its manifest section (the token table is written with it)."""
    results: list[ProgramResult] = []
    static: Npu | None = None
    max_batch = vision_batch(model.tiler.max_tiles, opts.vision_batch, opts.backend) if model.tiler else 0

    def write(
        name: str,
        programs: dict,
        started: float,
        meta: dict | None = None,
        own_io: bool = False,
        shared: bool = False,
    ) -> None:
        low = lower(
            programs,
            opts.backend,
            meta,
            share_mutable_buffers=name != "projector",
            runner_owns_io=own_io,
            shared_table=shared,
        )
        results.append(writer.program(name, low, programs, started))
        note = f", table stored once in {low.data_file}" if low.data_file else ""
        progress.finish(started, f", {low.coverage.text()} ops delegated{note}")

    if model.tower is not None and model.projector is not None and model.tiler is not None:
        fixed = FIXED_VISION_BATCH.get(opts.backend, False)
        size = "a fixed batch of" if fixed else "up to"
        started = progress.step(f"exporting vision_encoder.pte ({size} {max_batch} tiles)")
        write("vision_encoder", vision_programs(model.tower, max_batch, fixed), started)
        started = progress.step(f"exporting projector.pte ({projector_kind(model.projector)})")
        shape = tower_shape(model.tower)
        programs = projector_programs(model.projector, shape.patches, shape.width, max_batch, fixed)
        write("projector", programs, started)
    if model.llm is None:
        return results, static

    chunk = model.preset.chunk_size
    meta = runner_metadata(model.llm, chunk, model.bos_id, model.eos_ids)
    if opts.static_layout:
        started = progress.step(
            f"exporting llm.pte (static layout: prefill t={chunk}, decode t=1, caches as inputs)"
        )
        programs, shapes = static_programs(model)
        meta.update(use_sdpa_with_kv_cache=False, enable_dynamic_shape=False)
        write("llm", programs, started, meta, own_io=True)  # the runner's caches, as on the NPU
        batch = max_batch if model.tower else 0
        static = static_section(model, shapes, write_embedding(writer, model), batch, soc=None)
    else:
        started = progress.step("exporting llm.pte (token_embedding, prefill/decode; static KV cache)")
        # the stock runners' bundle stays one file: ExecuTorch's Android LlmModule and the
        # Python runners are handed a .pte alone
        shared = opts.data_file and opts.backend == "xnnpack" and shares_table(model.llm, opts.recipe)
        write("llm", llm_programs(model.llm, chunk), started, meta, shared=shared)
    if opts.stock_runner:
        started = progress.step("exporting stock_runner.pte (ExecuTorch's stock LLM runners)")
        layout = model.layout
        if model.tower is not None and model.projector is not None and layout is not None:
            if layout.kind == "bluelm-v":
                size = model.tower.image_size
                programs = stock_multimodal_programs(model.llm, model.tower, model.projector, size)
            else:  # MultimodalRunner feeds one image of one tile: a family's layout needs ours
                progress.log(
                    f"text only: ExecuTorch's MultimodalRunner cannot lay out {layout.family} pictures"
                )
                programs = stock_text_programs(model.llm)
        else:
            programs = stock_text_programs(model.llm)
        # the stock runners hand a whole prompt segment to one call: its bound is the context
        meta = runner_metadata(model.llm, model.llm.args.max_seq_len - 1, model.bos_id, model.eos_ids)
        write("stock_runner", programs, started, meta)
    return results, static


def projector_kind(projector: object) -> str:
    """What the projector program holds, for the progress line."""
    if isinstance(projector, Projector):
        return "2x2 downsampler + MLP" if projector.downsample is not None else "MLP"
    return f"{type(projector).__name__}: pixel shuffle + projection"
