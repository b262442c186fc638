"""`bluev export --backend mediatek`: fixed-shape, PT2E-quantized programs for the Dimensity NPU.

Up to the NeuroPilot SDK everything runs on any host: the option and shape checks
here, the static-shape graphs (export/npu.py), their A16W4/A16W8 quantization and
calibration (export/npu_prepare.py) and their conversion to the edge dialect.
Lowering needs MediaTek's ``mtk_converter`` and ``mtk_neuron`` wheels; without them
the export stops there with one line naming the missing module, and nothing is
written to ``--out``.
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
from pathlib import Path

from torch.export import ExportedProgram

from bluev.errors import BadInput
from bluev.export.lower import Coverage
from bluev.export.npu_prepare import NpuPrograms, prepare_programs

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
