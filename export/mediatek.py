"""`bluev export --backend mediatek`: fixed-shape, PT2E-quantized programs for the Dimensity NPU.

Up to the NeuroPilot SDK everything runs on any host: the static-shape graphs
(vision encoder at a fixed tile batch, projector likewise, the LLM as a t=chunk
prefill program and a t=1 decode program, export/npu.py), NeuropilotQuantizer's
A16W4/A16W8 PT2E quantization (quant/mediatek.py) calibrated on the calibration
prompts and on real picture tiles, and the shape checks. Lowering needs MediaTek's
``mtk_converter`` and ``mtk_neuron`` wheels; without them the export stops there
with one line naming the missing module, and nothing is written to ``--out``.
The lowering follows ExecuTorch's MediaTek LLM example (examples/mediatek/
model_export_scripts/llama.py): one partitioner per method with the SoC's
``platform-config``, a shared-weights blob key across prefill and decode, and
runtime-allocated inputs and outputs (the runner owns the caches).
"""

from __future__ import annotations

import importlib.util
import shutil
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.export import ExportedProgram

from bluev.errors import BadInput
from bluev.export.lower import Coverage
from bluev.export.npu import NpuDecoder, NpuSession, NpuShapes, example_inputs, npu_shapes

# platform-config values ExecuTorch's NeuropilotBackend accepts (backends/mediatek/preprocess.py)
SOCS = {
    "mt6989": "Dimensity 9300",
    "mt6991": "Dimensity 9400",
    "mt6993": "the newest platform ExecuTorch's NeuroPilot backend lists",
}
SDK_MODULES = ("mtk_converter", "mtk_neuron")
SDK_HELP = (
    "install MediaTek's NeuroPilot SDK wheels (mtk_converter, mtk_neuron) from the NeuroPilot portal "
    "(neuropilot.mediatek.com); see README section 'MediaTek NPU (NeuroPilot)'"
)
DECODE_STEPS = 4  # greedy decode calls per calibration prompt: the t=1 program's activation ranges


@dataclass
class NpuPrograms:
    """Static-shape, quantized ExportedPrograms per component, ready for the NeuroPilot partitioner."""

    shapes: NpuShapes
    llm: dict[str, ExportedProgram]
    vision: dict[str, ExportedProgram] | None = None
    projector: dict[str, ExportedProgram] | None = None
    vision_batch: int = 0


def check_soc(backend: str, soc: str | None) -> None:
    known = ", ".join(f"{name} ({chip})" if "Dimensity" in chip else name for name, chip in SOCS.items())
    if backend != "mediatek":
        if soc is not None:
            raise BadInput(f"--soc {soc}: only for --backend mediatek (the NPU's SoC)")
        return
    if soc is None:
        raise BadInput(f"backend mediatek needs --soc: one of {known}")
    if soc not in SOCS:
        raise BadInput(f"--soc {soc}: unknown; NeuroPilot targets {known}")


def check_preset(preset) -> None:  # noqa: ANN001  (a Preset)
    """NPU shape checks on the preset, before anything is built (npu_shapes repeats them on the model)."""
    chunk, context = preset.chunk_size, preset.max_seq_len
    if chunk < 2 or 2 * chunk > context:
        raise BadInput(
            f"preset {preset.name}: chunk size {chunk} must be at least 2 and fit twice in max_seq_len "
            f"{context} for the NPU's fixed prefill program"
        )
    llm = preset.llm
    if llm is not None and (
        llm.dim % llm.n_heads or (llm.dim // llm.n_heads) % 2 or llm.n_heads % llm.n_kv_heads
    ):
        raise BadInput(
            f"preset {preset.name}: dim {llm.dim}, {llm.n_heads} heads, {llm.n_kv_heads} KV heads "
            "do not give an even head dim shared by whole KV groups"
        )


def missing_sdk_module() -> str | None:
    for name in SDK_MODULES:
        if importlib.util.find_spec(name) is None:
            return name
    return None


def check_sdk() -> None:
    """The SDK boundary: one line naming the missing module and where it comes from."""
    missing = missing_sdk_module()
    if missing is not None:
        raise BadInput(f"backend mediatek: NeuroPilot SDK module {missing!r} is not installed; {SDK_HELP}")


def log(text: str) -> None:
    print(f"      {text}", file=sys.stderr, flush=True)


# --- calibration data ---------------------------------------------------------------------------


def calibration_prompts(model) -> list[list[int]]:  # noqa: ANN001  (BuiltModel)
    """Token ids of each chat-formatted calibration prompt, and of all of them in one conversation."""
    from bluev.quant.report import data_text

    prompts = [p for p in data_text("calibration_prompts.txt").splitlines() if p.strip()]
    texts = [model.chat.prefix + p + model.chat.suffix for p in prompts]
    encode = model.tokenizer
    ids = [encode(t, add_special_tokens=False)["input_ids"] for t in texts]
    return [*ids, [i for one in ids for i in one]]


def calibrate_llm(
    model,  # noqa: ANN001  (BuiltModel)
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


def vision_batches(model, batch: int) -> list[torch.Tensor]:  # noqa: ANN001
    """Real picture tiles (the quant report's calibration pictures) in fixed batches, the last topped up."""
    from bluev.quant.report import calibration_tiles

    tiles = torch.cat([t for (t,) in calibration_tiles(model)])
    if tiles.shape[0] % batch:
        extra = batch - tiles.shape[0] % batch
        tiles = torch.cat([tiles, tiles[:extra]])
    return list(tiles.split(batch))


# --- preparation: static graphs, quantized ------------------------------------------------------


def static_export(module: torch.nn.Module, example: tuple) -> ExportedProgram:
    with torch.no_grad():
        return torch.export.export(module, example, strict=False)


def prepare_llm(
    model,  # noqa: ANN001  (BuiltModel)
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
    from bluev.quant.mediatek import pt2e_convert, pt2e_prepare

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


def prepare_vision(model, precision: str, batch: int) -> tuple[dict, dict, int]:  # noqa: ANN001
    """Vision encoder and projector at a fixed tile batch, calibrated on real picture tiles."""
    from bluev.quant.mediatek import pt2e_quantize

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


def prepare_programs(model, recipe, progress) -> NpuPrograms:  # noqa: ANN001  (BuiltModel, Recipe, Progress)
    """Everything before the SDK: static shapes, quantization, calibration; progress on stderr."""
    preset, vision, projector, batch = model.preset, None, None, 0
    if model.tower is not None and model.projector is not None and model.tiler is not None:
        batch = model.tiler.max_tiles + 1  # the thumbnail and the most tiles the tiler makes
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


# --- after the SDK boundary ---------------------------------------------------------------------


def compile_specs(soc: str, shared_key: str | None) -> list:
    """The compile specs of ExecuTorch's MediaTek LLM example, for the chosen SoC."""
    from executorch.exir.backend.backend_details import CompileSpec

    specs = [
        CompileSpec("gno", b"LTS"),
        CompileSpec("gno-exp", b""),
        CompileSpec("gno-non-4d-tiling", b""),
        CompileSpec("ImportForever", struct.pack("?", True)),
        CompileSpec("platform-config", soc.encode()),
    ]
    if shared_key is not None:  # prefill and decode keep one copy of the weights
        specs.append(CompileSpec("ExtractSharedBlobKey", shared_key.encode()))
    return specs


def edge_components(programs: NpuPrograms) -> dict[str, dict[str, ExportedProgram]]:
    """Every method in the edge dialect, per component: what NeuroPilot's partitioner reads.

    Runs without the SDK, so a graph the edge dialect rejects fails here, not on the user's SDK host.
    """
    from executorch import exir

    config = exir.EdgeCompileConfig(_check_ir_validity=False)
    components = {"vision_encoder": programs.vision, "projector": programs.projector, "llm": programs.llm}
    return {
        name: {m: exir.to_edge(ep, compile_config=config).exported_program() for m, ep in methods.items()}
        for name, methods in components.items()
        if methods is not None
    }


def lower_neuropilot(
    edge: dict[str, ExportedProgram], soc: str, shared_key: str | None, meta: dict | None
) -> tuple[bytes, Coverage]:
    """Partition every edge method to NeuroPilot and emit one program; needs the SDK."""
    from executorch import exir
    from executorch.backends.mediatek import NeuropilotPartitioner
    from executorch.exir.backend.backend_api import MethodProgramsPartitionerSpec, to_backend

    from bluev.export.lower import coverage_of

    config = exir.EdgeCompileConfig(_check_ir_validity=False)
    partitioners = {name: NeuropilotPartitioner(compile_specs(soc, shared_key)) for name in edge}
    delegated = to_backend(MethodProgramsPartitionerSpec(edge, partitioners))
    manager = exir.EdgeProgramManager(delegated, constant_methods=meta, compile_config=config)
    coverage = coverage_of(manager, list(edge))
    program = manager.to_executorch(
        config=exir.ExecutorchBackendConfig(
            # the runner allocates inputs/outputs itself and swaps the caches between calls
            memory_planning_pass=exir.passes.MemoryPlanningPass(
                alloc_graph_input=False, alloc_graph_output=False
            ),
            extract_delegate_segments=True,
        )
    )
    return program.buffer, coverage


def write_component(  # noqa: ANN201  (an exporter.ComponentResult)
    out: Path, name: str, programs: dict, edge: dict, soc: str, started: float, meta: dict | None = None
):
    from bluev.export.exporter import ComponentResult, signature_of
    from bluev.fileio import atomic_path

    methods = {method: signature_of(ep) for method, ep in programs.items()}
    shared = f"{name}_weights" if len(programs) > 1 else None
    buffer, coverage = lower_neuropilot(edge, soc, shared, meta)
    path = out / f"{name}.pte"
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer)
    return ComponentResult(name, path.name, len(buffer), coverage, time.monotonic() - started, methods)


def write_embedding(out: Path, model) -> dict:  # noqa: ANN001
    """The token embedding table as raw float32 [vocab, dim]: the runner looks tokens up on the CPU."""
    from bluev.export import manifest as mf
    from bluev.fileio import atomic_path

    table = model.llm.tok_embeddings.weight.detach().float().contiguous()
    path = out / "token_embedding_fp32.bin"
    with atomic_path(path) as tmp:
        tmp.write_bytes(table.numpy().tobytes())
    return {
        "file": path.name,
        "sha256": mf.sha256_file(path),
        "bytes": path.stat().st_size,
        "shape": list(table.shape),
        "dtype": "float32",
    }


def export_mediatek(opts, preset, recipe) -> dict:  # noqa: ANN001  (ExportOptions, Preset, Recipe)
    from bluev.export.exporter import Progress, assemble_manifest, replace_dir
    from bluev.export.presets import build
    from bluev.export.programs import runner_metadata
    from bluev.fileio import umask_mode

    # build, [vision + projector], llm, lowering, writing
    progress = Progress(steps=5 if preset.multimodal else 4)
    started = progress.step(f"building preset {preset.name} ({preset.description})")
    model = build(preset, opts.checkpoint)
    build_seconds = progress.finish(started)
    model.llm.fuse_qkv()  # one projection per layer; its rows quantize per channel as the separate ones
    programs = prepare_programs(model, recipe, progress)

    started = progress.step(f"lowering to NeuroPilot for {opts.soc} ({SOCS[opts.soc]})")
    edge = edge_components(programs)
    methods = sum(len(m) for m in edge.values())
    log(f"edge dialect: {methods} methods of {', '.join(edge)} in {time.monotonic() - started:.1f}s")
    check_sdk()
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{opts.out.name}.", suffix=".part", dir=opts.out.parent))
    staging.chmod(umask_mode(directory=True))
    try:
        results = []
        if programs.vision is not None and programs.projector is not None:
            for name, aten in (("vision_encoder", programs.vision), ("projector", programs.projector)):
                results.append(write_component(staging, name, aten, edge[name], opts.soc, started))
        meta = runner_metadata(model.llm, programs.shapes.chunk, model.bos_id, model.eos_ids)
        meta.update(use_sdpa_with_kv_cache=False, enable_dynamic_shape=False)
        results.append(write_component(staging, "llm", programs.llm, edge["llm"], opts.soc, started, meta))
        progress.finish(started, ", ".join(f"{r.name} {r.coverage.text()} ops delegated" for r in results))

        started = progress.step("writing embedding table, tokenizer and manifest")
        embedding = write_embedding(staging, model)
        manifest = assemble_manifest(
            model, opts, recipe, staging, results, build_seconds, npu_info(opts, programs, embedding)
        )
        progress.finish(started)
        replace_dir(staging, opts.out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def npu_info(opts, programs: NpuPrograms, embedding: dict) -> dict:  # noqa: ANN001
    """What the NPU runner needs beyond the .pte files: shapes, cache layout, mask, embedding table."""
    from bluev.export.npu import MASK_VALUE, input_names

    s = programs.shapes
    return {
        "soc": opts.soc,
        "chip": SOCS[opts.soc],
        "llm_methods": {"prefill": "prefill", "decode": "decode"},
        "chunk": s.chunk,
        "cache_len": s.cache,
        "cache_layout": "[1, n_kv_heads, cache_len, head_dim] per layer, keys then values; sliding",
        "inputs": input_names(s),
        "mask_value": MASK_VALUE,
        "rope": "[1, 2, t, head_dim]: cos then sin rows of the call's positions",
        "vision_batch": programs.vision_batch,
        "embedding": embedding,
    }
