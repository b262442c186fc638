"""``bluev bench host``: our .pte files and the baselines side by side on this machine.

Systems run alternately, one process per measurement, ``repeats`` rounds; each metric
is reported as median with min..max. Baselines: HF eager PyTorch (float, same
threads), llama.cpp's llama-bench on the same GGUF, and ExecuTorch's own export_llm
path through its stock TextLLMRunner (smollm2 only: those two need the same weights
in their formats). Roofline lines say how close decode is to memory bandwidth, and
prefill and a vision tile to the measured rate of their own GEMM kernels.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bluev.benchmarks.host import roofline
from bluev.benchmarks.host.child import failure
from bluev.benchmarks.host.export_llm import EMBEDDING_BITS, baseline_pte
from bluev.benchmarks.host.gemm_probe import GemmShape, gemm_gop_s
from bluev.benchmarks.host.inputs import PHOTO_SIZE, RACE_PHOTO, bench_artifacts, bench_audio, bench_image
from bluev.benchmarks.host.llamacpp import LlamaBench, find_llama_tool, llama_bench
from bluev.benchmarks.host.machine import Machine, this_machine
from bluev.benchmarks.host.mtmd import MtmdRun, mtmd_answer
from bluev.benchmarks.host.onevision import onevision_set
from bluev.benchmarks.host.options import ONEVISION, HostBenchOptions
from bluev.benchmarks.host.worker import PHOTO_QUESTION, SHORT_PROMPT_TOKENS, Task, task_json
from bluev.benchmarks.plot import Bar, Panel, bar_chart
from bluev.errors import BadInput
from bluev.export.builders import build, smollm2_gguf
from bluev.export.llm import Transformer
from bluev.export.presets import get_preset
from bluev.fileio import atomic_write_text
from bluev.runtime import kernels
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.layouts import plan_for
from bluev.runtime.manifest import LinearScheme, Manifest
from bluev.text_table import aligned

# eager and export_llm run in their own worker module: it imports what bluev's measurements
# must not carry (worker.py's docstring)
PEER_WORKER = "bluev.benchmarks.host.peer_worker"
METRICS = (
    "decode_tok_s",
    "prefill_tok_s",
    "vision_tile_ms",
    "vision_tile_ms_batched",
    "image_encode_ms",
    "image_encode_ms_pipelined",
    "pipelining_saved_ms",
    "ttft_ms",
    "ttft_decoupled_ms",
    "ttft_saved_ms",
    "caller_stall_ms",
    "caller_stall_ms_inline",
    "transcribe_ms",
    "spoken_ttft_inline_ms",
    "spoken_ttft_overlapped_ms",
    "spoken_ttft_saved_ms",
    "spoken_overlap_saved_ms",
    "image_tokens",
    "prompt_tokens",
    "ttft_ms_per_image_token",
    "peak_rss_mb",
)


def default_threads() -> int:
    return len(os.sched_getaffinity(0))


def run_worker(task: Task, module: str = "bluev.benchmarks.host.worker") -> dict:
    """``module``'s main on ``task`` in a process of its own; its last stdout line as JSON."""
    command = [sys.executable, "-m", module, task_json(task)]
    done = subprocess.run(command, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BadInput(f"bench worker for {task.system} failed: {failure(done.returncode, done.stderr)}")
    return json.loads(lines[-1])


def summarize(samples: list[dict]) -> dict:
    """Per metric: median, and the spread as [min, max]."""
    out: dict = {}
    for key in sorted({k for s in samples for k in s}):
        values = [s[key] for s in samples if isinstance(s.get(key), int | float)]
        if values:
            out[key] = round(statistics.median(values), 2)
            out[f"{key}_spread"] = [round(min(values), 2), round(max(values), 2)]
    return out


Measure = Callable[[], dict]


@dataclass
class Plan:
    """What runs (one callable per system) and what each decoded token reads (for the roofline)."""

    systems: dict[str, Measure]
    traffic: dict[str, roofline.DecodeTraffic]


def mean_decode_position(opts: HostBenchOptions) -> int:
    """Where the worker's decode sits on average: after the short prompt, halfway through."""
    return SHORT_PROMPT_TOKENS + opts.decode_tokens // 2


def plan_systems(opts: HostBenchOptions, manifest: Manifest, components: list[str]) -> Plan:
    """Which measurements run, as callables; baselines that do not apply are left out with a note."""
    threads = opts.threads
    image = str(opts.image) if opts.image else None
    audio = str(opts.audio) if opts.audio else None
    common = dict(threads=threads, components=components, artifacts=str(opts.artifacts), image=image)
    common |= dict(audio=audio)
    common |= dict(decode_tokens=opts.decode_tokens, prefill_tokens=opts.prefill_tokens)
    systems: dict[str, Measure] = {"bluev": lambda: run_worker(Task(system="bluev", **common))}
    plan = Plan(systems, {})
    if "llm" in components:
        plan.traffic["bluev"] = roofline.decode_traffic(manifest, mean_decode_position(opts))
    if "eager" in opts.baselines:
        eager = Task(system="eager", preset=manifest.preset, **common)
        systems["eager"] = lambda: run_worker(eager, PEER_WORKER)
    same_weights = manifest.source.kind == "gguf" and manifest.llm is not None and "llm" in components
    wanted = {"llama.cpp", "executorch"} & set(opts.baselines)
    if not wanted or not same_weights:
        if wanted:
            opts.log("llama.cpp / executorch baselines: only for the smollm2 preset (they need its GGUF)")
        return plan
    assert manifest.llm is not None and manifest.source.sha256 is not None
    gguf = smollm2_gguf()
    if "llama.cpp" in opts.baselines:
        binary = find_llama_tool(opts.llama_bench, opts.peers)
        if binary is None:
            opts.log(
                "llama.cpp baseline skipped: no llama-bench (run `make peers` or pass --llama-bench PATH)"
            )
        else:
            tool = LlamaBench(binary, threads, opts.llama_flash_attn)
            systems["llama.cpp"] = lambda: llama_bench(tool, gguf, opts.prefill_tokens, opts.decode_tokens)
            # llama-bench decodes from an empty context into an f16 cache
            kv = roofline.kv_bytes(manifest.llm, opts.decode_tokens // 2, element_bytes=2)
            plan.traffic["llama.cpp"] = roofline.gguf_traffic(gguf, kv)
    if "executorch" in opts.baselines:
        pte, seconds = baseline_pte(opts.peers, manifest.source.sha256, smollm2_llm, opts.log)
        text_only = [c for c in components if c == "llm"]
        task = Task(system="executorch", pte=str(pte), **(common | {"components": text_only, "image": None}))
        systems["executorch"] = lambda: run_worker(task, PEER_WORKER) | {"export_s": round(seconds, 1)}
        kv = roofline.kv_bytes(manifest.llm, mean_decode_position(opts))
        plan.traffic["executorch"] = roofline.program_traffic(
            pte.stat().st_size, manifest.llm, EMBEDDING_BITS, kv
        )
    return plan


def plan_photo_race(opts: HostBenchOptions, manifest: Manifest) -> Plan:
    """bluev and llama-mtmd-cli answering the same photo + question (docs/host-benchmark.md)."""
    assert opts.mtmd_llm is not None and opts.mtmd_mmproj is not None and opts.image is not None
    binary = find_llama_tool(opts.llama_mtmd, opts.peers, "llama-mtmd-cli")
    if binary is None:
        raise BadInput("photo race: no llama-mtmd-cli (run `make peers` or pass --llama-mtmd PATH)")
    task = Task(
        system="photo", threads=opts.threads, components=["llm", "vision"], artifacts=str(opts.artifacts),
        image=str(opts.image), decode_tokens=opts.decode_tokens,
    )  # fmt: skip
    run = MtmdRun(
        binary, opts.mtmd_llm, opts.mtmd_mmproj, opts.threads, mtmd_context(manifest, opts.image),
        opts.decode_tokens, opts.llama_flash_attn,
    )  # fmt: skip
    systems: dict[str, Measure] = {
        "bluev": lambda: per_image_token(run_worker(task)),
        "llama.cpp": lambda: per_image_token(mtmd_answer(run, opts.image, PHOTO_QUESTION)),
    }
    return Plan(systems, {})


MTMD_TEXT_MARGIN = 1024  # as the export leaves beside a set's largest image


def mtmd_context(manifest: Manifest, image: Path) -> int:
    """llama.cpp's context: ours, or more when its image needs it. Its LLaVA-NeXT path keeps every
    tile's tokens (no unpadding, no ``anyres_max`` shrink), so it gets room for all of the grid's
    tiles and the thumbnail beside the same text margin; no more, as a larger cache costs it memory."""
    assert manifest.llm is not None and manifest.vision is not None
    with Image.open(image) as picture:
        plan = plan_for(manifest, *picture.size)
    needed = plan.images_to_encode * manifest.vision.tokens_per_tile + MTMD_TEXT_MARGIN
    return max(manifest.llm.max_seq_len, -(-needed // 1024) * 1024)


def per_image_token(result: dict) -> dict:
    """TTFT over the image's tokens: the two systems may cut the same photo into different counts."""
    if result.get("image_tokens"):
        result["ttft_ms_per_image_token"] = round(result["ttft_ms"] / result["image_tokens"], 3)
    return result


def smollm2_llm() -> Transformer:
    """Our Transformer with SmolLM2's weights, for export_llm's checkpoint."""
    llm = build(get_preset("smollm2")).llm
    assert llm is not None
    return llm


def open_bench_set(opts: HostBenchOptions) -> tuple[Manifest, list[str]]:
    """The set's manifest (hashes verified) and the components to measure; settles artifacts and threads."""
    # --preset NAME: artifacts/NAME, exported first when missing; then one folder for every system
    if opts.preset == ONEVISION and opts.artifacts is None:  # made locally, converted for llama.cpp
        opts.artifacts, files = onevision_set(opts.peers, opts.log)
        opts.mtmd_llm, opts.mtmd_mmproj = opts.mtmd_llm or files.llm, opts.mtmd_mmproj or files.mmproj
    opts.artifacts = bench_artifacts(opts.artifacts, opts.preset, opts.components)
    art = open_artifacts(opts.artifacts)
    opts.threads = opts.threads or default_threads()  # one count for every system and the roofline
    manifest = art.manifest
    has = (("llm", art.has_llm), ("vision", art.multimodal), ("speech", manifest.has_speech))
    present = [c for c, there in has if there]
    components = list(opts.components) or present
    if "speech" in components and not manifest.has_speech:
        raise BadInput(f"{opts.artifacts}: --components speech, but the set has no speech programs")
    if "vision" in components and not art.multimodal:
        raise BadInput(f"{opts.artifacts}: --components vision, but the {art.preset} artifacts are text-only")
    if "llm" in components and not art.has_llm:
        raise BadInput(f"{opts.artifacts}: --components llm, but these artifacts are vision-only")
    if opts.mtmd_llm is not None and not art.multimodal:
        raise BadInput(f"{opts.artifacts}: --mtmd-llm races a photo, but the set is text-only")
    return manifest, components


def bench_host(opts: HostBenchOptions) -> dict:
    manifest, components = open_bench_set(opts)
    race = opts.mtmd_llm is not None  # given, or made by --preset onevision-0.5b
    opts.image = bench_image(opts.image, opts.artifacts, RACE_PHOTO if race else PHOTO_SIZE)
    if "speech" in components and not race:
        opts.audio = bench_audio(opts.audio, opts.log)
    plan = plan_photo_race(opts, manifest) if race else plan_systems(opts, manifest, components)
    # the race times one answer per system: no per-token or per-tile figure to set a roof over
    rooflined = [] if race else components
    results, bandwidth = run_rounds(plan.systems, opts, probe_bandwidth="llm" in rooflined)
    return assemble(results, manifest, components, opts, bandwidth, plan.traffic, rooflined)


def run_rounds(
    systems: dict[str, Measure], opts: HostBenchOptions, probe_bandwidth: bool, label: str = "round"
) -> tuple[dict[str, dict], list[float]]:
    """``repeats`` rounds, the systems alternating so that drift hits every system alike, and a
    read-bandwidth probe after each round (this VM's rate drifts 32-54 GB/s over minutes);
    each system's results summarized."""
    samples: dict[str, list[dict]] = {name: [] for name in systems}
    bandwidth: list[float] = []
    for round_index in range(opts.repeats):
        for name, measure in systems.items():
            opts.log(f"[{label} {round_index + 1}/{opts.repeats}] {name} ...")
            samples[name].append(measure())
        if probe_bandwidth:
            bandwidth.append(roofline.read_bandwidth_gb_s(opts.threads))
    return {name: summarize(s) for name, s in samples.items()}, bandwidth


def report_header(manifest: Manifest, opts: HostBenchOptions, components: list[str]) -> dict:
    """What every host report starts with: the set, the run's settings and the machine."""
    return {
        "preset": manifest.preset,
        "quant": manifest.quantization.name,
        "threads": opts.threads,
        "repeats": opts.repeats,
        "components": components,
        "machine": this_machine().to_dict(),
        # the workers import the same runtime: bluev's decode attention, or ExecuTorch's alone
        "decode_attention": kernels.decode_attention(),
        "llama_flash_attn": opts.llama_flash_attn,  # -fa of every llama.cpp tool, if one ran
    }


def assemble(
    results: dict[str, dict],
    manifest: Manifest,
    components: list[str],
    opts: HostBenchOptions,
    bandwidth: list[float],
    traffic: dict[str, roofline.DecodeTraffic],
    rooflined: list[str] | None = None,
) -> dict:
    """The report; ``rooflined``: the components set against a roof (default: all of them)."""
    ours = results["bluev"]
    report: dict = {
        **report_header(manifest, opts, components),
        **{k: v for k, v in ours.items()},
        "export_s": export_seconds(manifest),
        "baselines": {name: r for name, r in results.items() if name != "bluev"},
    }
    roofed = components if rooflined is None else rooflined
    report["roofline"] = roofline_report(manifest, roofed, opts, results, bandwidth, traffic)
    return report


def export_seconds(manifest: Manifest) -> float:
    """Build + every component program: what `bluev export` spends on the runtime's artifacts."""
    parts = [c.export_seconds for c in manifest.components.values()]
    return round(manifest.export.build_seconds + sum(parts), 1)


def roofline_report(
    manifest: Manifest,
    components: list[str],
    opts: HostBenchOptions,
    results: dict[str, dict],
    bandwidth: list[float],
    traffic: dict[str, roofline.DecodeTraffic],
) -> dict:
    """``bandwidth``: one probe per round (bench_host); the limit is the best rate the run saw.

    Each system's decode is set against its own bytes per token: export_llm's 4-bit head
    reads half what our 8-bit one does, llama.cpp reads the GGUF's tied 8-bit table.
    """
    out: dict = {}
    ours = results["bluev"]
    if "llm" in components:
        best = max(bandwidth)
        for name, bytes_read in traffic.items():
            limit = best * 1e9 / bytes_read.total
            entry = {
                "bytes_per_token": bytes_read.total,
                "decode_limit_tok_s": round(limit, 1),
                "decode_achieved": round(results[name].get("decode_tok_s", 0.0) / limit, 3),
            }
            if name == "bluev":
                out |= {"bandwidth_gb_s": best, "bandwidth_gb_s_spread": [min(bandwidth), best], **entry}
            else:
                out.setdefault("baselines", {})[name] = entry
    on_xnnpack = manifest.backend == "xnnpack"  # the probe times XNNPACK's kernels
    if on_xnnpack and "llm" in components and "prefill_tok_s" in ours:
        out |= prefill_floor(manifest, opts, ours["prefill_tok_s"])
    if on_xnnpack and "vision" in components and manifest.vision is not None:
        out |= vision_floor(manifest, opts.threads, ours.get("vision_tile_ms"))
    return out


def gemm_floor(scheme: LinearScheme, shape: GemmShape, threads: int) -> dict:
    """The probe's rate for ``scheme`` at ``shape``, and what it measured."""
    return {
        "gemm_gop_s": gemm_gop_s(scheme, shape, threads),
        "gemm": f"{scheme.describe()} linear, {shape.rows}x{shape.k}x{shape.n}, XNNPACK",
    }


def prefill_floor(manifest: Manifest, opts: HostBenchOptions, achieved_tok_s: float) -> dict:
    """Prefill against its compute floor: the decoder's ops per token over the measured rate of
    the LLM's own linear kernel at a prefill chunk's rows and the FFN's shape."""
    llm = manifest.llm
    assert llm is not None
    rows = min(llm.chunk_size, opts.prefill_tokens)
    shape = GemmShape(rows, llm.dim, llm.hidden_dim)
    probe = gemm_floor(manifest.quantization.llm_linear, shape, opts.threads)
    ops = roofline.prefill_ops_per_token(llm, opts.prefill_tokens // 2)
    limit = probe["gemm_gop_s"] * 1e9 / ops
    return {f"prefill_{key}": value for key, value in probe.items()} | {
        "prefill_gop_per_token": round(ops / 1e9, 3),
        "prefill_floor_tok_s": round(limit, 1),
        "prefill_achieved": round(achieved_tok_s / limit, 3),
    }


def vision_floor(manifest: Manifest, threads: int, tile_ms: float | None) -> dict:
    """A tile against its compute floor: its ops over the measured rate of the ViT's own linear
    kernel at a tile's rows and the MLP's shape."""
    vision = manifest.vision
    assert vision is not None
    shape = GemmShape(vision.patches_per_tile, vision.width, vision.mlp_width)
    probe = gemm_floor(manifest.quantization.vision_linear, shape, threads)
    flops = roofline.vision_flops_per_tile(
        vision.width, vision.mlp_width, vision.layers, vision.patches_per_tile
    )
    floor_ms = flops / (probe["gemm_gop_s"] * 1e9) * 1000.0
    out = {f"vision_{key}": value for key, value in probe.items()}
    out |= {"vision_gflop_per_tile": round(flops / 1e9, 2), "vision_floor_ms": round(floor_ms, 1)}
    if tile_ms:
        out["vision_achieved"] = round(floor_ms / tile_ms, 3)
    return out


def system_columns(report: dict) -> dict[str, dict]:
    ours = {k: v for k, v in report.items() if k in METRICS or k.endswith("_spread") or k == "export_s"}
    return {"bluev": ours, **report["baselines"]}


def report_table(report: dict) -> str:
    """Systems as columns, metrics as rows: 'median (min-max)'."""
    columns = system_columns(report)
    rows = [("metric", *columns)]
    for metric in (*METRICS, "export_s"):
        cells = []
        for result in columns.values():
            value, spread = result.get(metric), result.get(f"{metric}_spread")
            cell = "-" if value is None else f"{value:g}"
            if spread and spread[0] != spread[1]:
                cell += f" ({spread[0]:g}-{spread[1]:g})"
            cells.append(cell)
        if any(c != "-" for c in cells):
            rows.append((metric, *cells))
    lines = aligned(rows)
    llama_cpp_ran = "llama.cpp" in report.get("baselines", {})
    head = (
        f"preset {report['preset']}, quant {report['quant']}, "
        f"{report['threads']} threads, {report['repeats']} rounds"
        + (f", decode attention: {report['decode_attention']}" if "decode_attention" in report else "")
        + (f", llama.cpp -fa {report['llama_flash_attn']}" if llama_cpp_ran else "")
    )
    machine = f"machine: {Machine(**report['machine']).describe()}" if "machine" in report else ""
    return "\n".join([head, *([machine] if machine else []), *lines, *roofline_lines(report)])


def roofline_lines(report: dict) -> list[str]:
    r, lines = report["roofline"], []
    if "decode_limit_tok_s" in r:
        lines.append(
            f"roofline decode: {r['bandwidth_gb_s']} GB/s read (best probe of the run; lowest "
            f"{r['bandwidth_gb_s_spread'][0]}) / "
            f"{r['bytes_per_token'] / 1e6:.1f} MB per token = "
            f"{r['decode_limit_tok_s']} tok/s limit; achieved {report.get('decode_tok_s', 0)} "
            f"({100 * r['decode_achieved']:.0f}%)"
        )
    for name, b in r.get("baselines", {}).items():
        lines.append(
            f"  {name}: {b['bytes_per_token'] / 1e6:.1f} MB per token = {b['decode_limit_tok_s']} tok/s "
            f"limit; achieved {report['baselines'][name].get('decode_tok_s', 0)} "
            f"({100 * b['decode_achieved']:.0f}%)"
        )
    if "prefill_floor_tok_s" in r:
        lines.append(
            f"roofline prefill: {r['prefill_gop_per_token']} GOP per token / {r['prefill_gemm_gop_s']} "
            f"GOP/s ({r['prefill_gemm']}) = {r['prefill_floor_tok_s']} tok/s floor; achieved "
            f"{report.get('prefill_tok_s', 0)} ({100 * r['prefill_achieved']:.0f}%)"
        )
    if "vision_floor_ms" in r:
        lines.append(
            f"roofline vision: {r['vision_gflop_per_tile']} GFLOP per tile / {r['vision_gemm_gop_s']} "
            f"GOP/s ({r['vision_gemm']}) = {r['vision_floor_ms']} ms floor; achieved "
            f"{report.get('vision_tile_ms', '-')} ms ({100 * r.get('vision_achieved', 0):.0f}%)"
        )
    return lines + past_the_roof(r)


def past_the_roof(roof: dict) -> list[str]:
    """A share past 100% means a probe ran slower than the program it bounds: something else
    took the cores while probing (two 2-thread jobs on 2 cores make XNNPACK's threads wait on
    each other), so the floor is not this machine's and the share says nothing."""
    over = [part for part in ("decode", "prefill", "vision") if roof.get(f"{part}_achieved", 0) > 1.0]
    # the baselines' decode shares divide by the same probe
    over += [f"{name} decode" for name, b in roof.get("baselines", {}).items() if b["decode_achieved"] > 1.0]
    if not over:
        return []
    return [
        f"  {' and '.join(over)} past 100% of the roof: the machine was busy while probing; "
        "re-run on an idle machine for a share that means anything"
    ]


def write_outputs(report: dict, out: Path) -> list[Path]:
    """report.json, report.txt and chart.png in ``out``."""
    columns = system_columns(report)
    panels = []
    for metric in METRICS:
        bars = {}
        for name, result in columns.items():
            if metric in result:
                low, high = result.get(f"{metric}_spread", [None, None])
                bars[name] = Bar(result[metric], low, high)
        if bars:
            panels.append(Panel(metric.replace("_", " "), bars))
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "report.json", json.dumps(report, indent=2))
    atomic_write_text(out / "report.txt", report_table(report) + "\n")
    return [out / "report.json", out / "report.txt", bar_chart(out / "chart.png", panels)]
