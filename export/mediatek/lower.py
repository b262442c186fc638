"""`bluev export --backend mediatek`: fixed-shape, PT2E-quantized programs for the Dimensity NPU.

Up to the NeuroPilot SDK everything runs on any host: the option and shape checks
(checks.py), the static-shape graphs (graphs.py), their A16W4/A16W8 quantization and
calibration (prepare.py) and their conversion to the edge dialect. Lowering needs
MediaTek's ``mtk_converter`` and ``mtk_neuron`` wheels; without them the export stops
there with one line naming the missing module, and nothing is written to ``--out``.
The lowering follows ExecuTorch's MediaTek LLM example (examples/mediatek/
model_export_scripts/llama.py): one partitioner per method with the SoC's
``platform-config``, a shared-weights blob key across prefill and decode, and
runtime-allocated inputs and outputs (the runner owns the caches).
"""

from __future__ import annotations

import struct
import time

from executorch import exir
from executorch.exir.backend.backend_api import MethodProgramsPartitionerSpec, to_backend
from executorch.exir.backend.backend_details import CompileSpec
from torch.export import ExportedProgram

from bluev.export.builders import build
from bluev.export.lower import Coverage, Lowered, coverage_of
from bluev.export.mediatek.checks import SOCS, check_sdk
from bluev.export.mediatek.prepare import NpuPrograms, prepare_programs
from bluev.export.options import ExportOptions
from bluev.export.programs import runner_metadata
from bluev.export.static_layout import static_section, write_embedding
from bluev.export.writer import ArtifactWriter, ProgramResult, Progress, assemble_manifest
from bluev.runtime.manifest import Manifest


def compile_specs(soc: str, shared_key: str | None) -> list[CompileSpec]:
    """The compile specs of ExecuTorch's MediaTek LLM example, for the chosen SoC."""
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
    # deferred: executorch.backends.mediatek imports the SDK (mtk_converter), present only past check_sdk()
    from executorch.backends.mediatek import NeuropilotPartitioner

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


def write_component(
    writer: ArtifactWriter, name: str, programs: dict, edge: dict, soc: str, meta: dict | None = None
) -> ProgramResult:
    started = time.monotonic()
    shared = f"{name}_weights" if len(programs) > 1 else None
    buffer, coverage = lower_neuropilot(edge, soc, shared, meta)
    return writer.program(name, Lowered(buffer, coverage), programs, started)


def export_mediatek(opts: ExportOptions) -> Manifest:
    preset = opts.preset_config
    assert opts.soc is not None  # ExportOptions checked it
    # build, [vision + projector], llm, lowering, writing
    progress = Progress(steps=5 if preset.multimodal else 4)
    started = progress.step(f"building preset {preset.name} ({preset.description})")
    model = build(preset, opts.checkpoint)
    build_seconds = progress.finish(started)
    assert model.llm is not None
    model.llm.fuse_qkv()  # one projection per layer; its rows quantize per channel as the separate ones
    programs = prepare_programs(model, opts.recipe, progress, opts.vision_batch)

    started = progress.step(f"lowering to NeuroPilot for {opts.soc} ({SOCS[opts.soc]})")
    edge = edge_components(programs)
    methods = sum(len(m) for m in edge.values())
    progress.log(f"edge dialect: {methods} methods of {', '.join(edge)} in {time.monotonic() - started:.1f}s")
    check_sdk()
    with ArtifactWriter(opts.out) as writer:
        results = []
        if programs.vision is not None and programs.projector is not None:
            for name, aten in (("vision_encoder", programs.vision), ("projector", programs.projector)):
                results.append(write_component(writer, name, aten, edge[name], opts.soc))
        meta = runner_metadata(model.llm, programs.shapes.chunk, model.bos_id, model.eos_ids)
        meta.update(use_sdpa_with_kv_cache=False, enable_dynamic_shape=False)
        results.append(write_component(writer, "llm", programs.llm, edge["llm"], opts.soc, meta))
        progress.finish(started, ", ".join(f"{r.name} {r.coverage.text()} ops delegated" for r in results))

        started = progress.step("writing embedding table, tokenizer and manifest")
        embedding = write_embedding(writer, model)
        npu = static_section(model, programs.shapes, embedding, programs.vision_batch, opts.soc)
        manifest = assemble_manifest(model, opts, writer, results, build_seconds, npu)
        writer.commit(manifest)
        progress.finish(started)
    return manifest
