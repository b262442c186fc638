"""``bluev bench host --sweep``: how cost grows with prompt length, decode position and tile count.

Curves (issue 21 item 4): prefill tok/s at prompt lengths 128, 512, 1024, 2048 and the
context limit; decode tok/s at positions 0, 512, 1024, 2048 (and the limit); vision ms
for 1, 2, 4, 9 tiles. The context limit is the largest prompt after which
``--decode-tokens`` more tokens still fit (``max_seq_len - decode_tokens``): points past
it are clipped, with the reason. Each system measures all of its points in one process
per round (sweep_worker.py), the systems alternating as in bench.py; a peer that cannot
run a point is left out of it with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bluev.benchmarks.host import roofline
from bluev.benchmarks.host.bench import open_bench_set, report_header, run_rounds, run_worker, smollm2_llm
from bluev.benchmarks.host.export_llm import MAX_SEQ_LENGTH, baseline_pte
from bluev.benchmarks.host.llamacpp import LlamaBench, find_llama_tool, llama_bench_sweep
from bluev.benchmarks.host.options import HostBenchOptions
from bluev.benchmarks.host.sweep_worker import key
from bluev.benchmarks.host.worker import Task
from bluev.benchmarks.plot import Point, line_chart
from bluev.errors import BadInput
from bluev.export.builders import smollm2_gguf
from bluev.fileio import atomic_write_text
from bluev.runtime.manifest import Manifest
from bluev.text_table import aligned

PREFILL_LENGTHS = (128, 512, 1024, 2048)
DECODE_POSITIONS = (0, 512, 1024, 2048)
VISION_TILES = (1, 2, 4, 9)
AXES = {  # curve: (what x is, unit of y)
    "prefill": ("prompt tokens", "tok/s"),
    "decode": ("position", "tok/s"),
    "vision": ("tiles", "ms"),
}
WORKER = "bluev.benchmarks.host.sweep_worker"
NO_LLAMA_BENCH = "no llama-bench (run `make peers` or pass --llama-bench)"
SMOLLM2_ONLY = "only for the smollm2 preset (it needs the GGUF the set was built from)"


@dataclass
class Curve:
    points: list[int]
    clipped: dict[str, str] = field(default_factory=dict)  # the points that do not fit, and why


@dataclass
class SweepPlan:
    """Per system: a measurement of all its points; per system and curve: the points left out, and why."""

    curves: dict[str, Curve]
    systems: dict[str, Callable[[], dict]] = field(default_factory=dict)
    left_out: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    def leave_out(self, system: str, curve: str, points: list[int], reason: str) -> None:
        for point in points:
            self.left_out.setdefault(system, {}).setdefault(curve, {})[str(point)] = reason


def context_limit(max_seq_len: int, decode_tokens: int) -> int:
    """The largest prompt after which ``decode_tokens`` more tokens fit in the KV cache."""
    return max_seq_len - decode_tokens


def clip(wanted: tuple[int, ...], limit: int, max_seq_len: int, decode_tokens: int) -> Curve:
    """``wanted`` up to ``limit``, plus the limit itself; the rest clipped, with why."""
    why = f"past the context limit {limit} (max_seq_len {max_seq_len} - {decode_tokens} decode tokens)"
    kept = sorted({p for p in wanted if p <= limit} | {limit})
    return Curve(kept, {str(p): why for p in wanted if p > limit})


def sweep_curves(opts: HostBenchOptions, manifest: Manifest, components: list[str]) -> dict[str, Curve]:
    curves: dict[str, Curve] = {}
    decode_tokens = opts.decode_tokens
    if "llm" in components and manifest.llm is not None:
        seq = manifest.llm.max_seq_len
        limit = context_limit(seq, decode_tokens)
        if limit < 1:
            why = f"--decode-tokens {decode_tokens} leaves no room for a prompt in max_seq_len {seq}"
            raise BadInput(f"{opts.artifacts}: {why}")
        curves["prefill"] = clip(PREFILL_LENGTHS, limit, seq, decode_tokens)
        curves["decode"] = clip(DECODE_POSITIONS, limit, seq, decode_tokens)
    if "vision" in components and manifest.vision is not None:
        curves["vision"] = Curve(list(VISION_TILES))
    return curves


def plan_sweep(opts: HostBenchOptions, manifest: Manifest, curves: dict[str, Curve]) -> SweepPlan:
    """bluev and eager run every point; llama.cpp and export_llm the text points they hold (smollm2)."""
    plan = SweepPlan(curves)
    common = dict(threads=opts.threads, components=list(opts.components), artifacts=str(opts.artifacts))
    common |= dict(decode_tokens=opts.decode_tokens, preset=manifest.preset)
    every = {name: curve.points for name, curve in curves.items()}
    systems = ["bluev", *(b for b in ("eager",) if b in opts.baselines)]
    for name in systems:
        task = Task(system=name, sweep=every, **common)
        plan.systems[name] = lambda task=task: run_worker(task, WORKER)
    text = {c: p for c, p in every.items() if c != "vision"}
    for name in (b for b in ("llama.cpp", "executorch") if b in opts.baselines):
        if "vision" in every:
            plan.leave_out(name, "vision", every["vision"], "a text-only peer: no vision encoder")
        if not text:
            continue
        if manifest.source.kind != "gguf" or manifest.source.sha256 is None:
            for curve, points in text.items():
                plan.leave_out(name, curve, points, SMOLLM2_ONLY)
        elif name == "llama.cpp":
            plan_llama_cpp(opts, plan, text)
        else:
            plan_executorch(opts, plan, text, common, manifest.source.sha256)
    return plan


def plan_llama_cpp(opts: HostBenchOptions, plan: SweepPlan, text: dict[str, list[int]]) -> None:
    binary = find_llama_tool(opts.llama_bench, opts.peers)
    if binary is None:
        for curve, points in text.items():
            plan.leave_out("llama.cpp", curve, points, NO_LLAMA_BENCH)
        return
    prompts, depths = text.get("prefill", []), text.get("decode", [])
    tool, decode_tokens = LlamaBench(binary, opts.threads, opts.llama_flash_attn), opts.decode_tokens

    def measure() -> dict:
        prefill, decode = llama_bench_sweep(tool, smollm2_gguf(), prompts, depths, decode_tokens)
        flat = {key("prefill", n): v for n, v in prefill.items()}
        return flat | {key("decode", d): v for d, v in decode.items()}

    plan.systems["llama.cpp"] = measure


def plan_executorch(
    opts: HostBenchOptions, plan: SweepPlan, text: dict[str, list[int]], common: dict, sha256: str
) -> None:
    """export_llm's program holds MAX_SEQ_LENGTH positions: a prompt (>= 1 token) and what is generated."""
    generated = {"prefill": 1, "decode": opts.decode_tokens + 1}
    runs: dict[str, list[int]] = {}
    for curve, points in text.items():
        runs[curve] = [p for p in points if max(p, 1) + generated[curve] <= MAX_SEQ_LENGTH]
        why = (
            f"export_llm's program holds {MAX_SEQ_LENGTH} positions: this prompt and "
            f"{generated[curve]} generated tokens do not fit"
        )
        plan.leave_out("executorch", curve, [p for p in points if p not in runs[curve]], why)
    pte, _ = baseline_pte(opts.peers, sha256, smollm2_llm, opts.log)
    task = Task(system="executorch", pte=str(pte), sweep=runs, **(common | {"components": ["llm"]}))
    plan.systems["executorch"] = lambda: run_worker(task, WORKER)


def bench_host(opts: HostBenchOptions) -> dict:
    """The sweep: ``repeats`` rounds, every system once per round, a bandwidth probe after each."""
    manifest, components = open_bench_set(opts)
    components = [c for c in components if c != "speech"]  # the sweep has no speech curve
    opts.components = tuple(components)
    curves = sweep_curves(opts, manifest, components)
    plan = plan_sweep(opts, manifest, curves)
    probe = "decode" in curves
    results, bandwidth = run_rounds(plan.systems, opts, probe_bandwidth=probe, label="sweep round")
    report = report_header(manifest, opts, components)
    report["sweep"] = sweep_report(plan, results, manifest, opts.decode_tokens, bandwidth)
    return report


def sweep_report(
    plan: SweepPlan, results: dict[str, dict], manifest: Manifest, decode_tokens: int, bandwidth: list[float]
) -> dict:
    """Per curve: its points, what was clipped, per system and point median + spread, what was left out."""
    out: dict = {"decode_tokens": decode_tokens}
    if manifest.llm is not None and "prefill" in plan.curves:
        out["context_limit"] = {
            "max_seq_len": manifest.llm.max_seq_len,
            "prompt_tokens": context_limit(manifest.llm.max_seq_len, decode_tokens),
            "means": "the largest prompt after which --decode-tokens more tokens still fit "
            "(max_seq_len - decode_tokens): the last prefill length and decode position",
        }
    for curve, (x, unit) in AXES.items():
        if curve not in plan.curves:
            what = "vision" if curve == "vision" else "LLM"
            out[curve] = {"skipped": f"no {what} programs in the set or in --components"}
            continue
        entry: dict = {"x": x, "unit": unit, "points": plan.curves[curve].points}
        entry["clipped"] = plan.curves[curve].clipped
        entry["systems"] = {name: curve_points(r, curve, entry["points"]) for name, r in results.items()}
        entry["left_out"] = {s: c[curve] for s, c in plan.left_out.items() if curve in c}
        out[curve] = entry
    if "vision" in plan.curves and manifest.vision is not None:
        batch = manifest.vision.max_batch
        split = {str(n): [min(batch, n - i) for i in range(0, n, batch)] for n in VISION_TILES}
        out["vision"]["batches"] = split  # how each count is run: batches of at most max_batch
    if "decode" in plan.curves and bandwidth:
        out["decode"]["roofline"] = decode_roofline(manifest, out["decode"], decode_tokens, max(bandwidth))
    out["peak_rss_mb"] = {name: r["peak_rss_mb"] for name, r in results.items() if "peak_rss_mb" in r}
    return out


def curve_points(result: dict, curve: str, points: list[int]) -> dict[str, dict]:
    """bench.summarize's flat ``curve@point`` keys as ``{point: {median, spread}}``."""
    out = {}
    for point in points:
        name = key(curve, point)
        if name in result:
            out[str(point)] = {"median": result[name], "spread": result[f"{name}_spread"]}
    return out


def decode_roofline(manifest: Manifest, decode: dict, decode_tokens: int, bandwidth_gb_s: float) -> dict:
    """Our decode per position against the read limit: the weights plus the KV cache at that point."""
    limits, achieved = {}, {}
    for point in decode["points"]:
        traffic = roofline.decode_traffic(manifest, point + decode_tokens // 2)
        limits[str(point)] = round(bandwidth_gb_s * 1e9 / traffic.total, 1)
        ours = decode["systems"].get("bluev", {}).get(str(point))
        if ours:
            achieved[str(point)] = round(ours["median"] / limits[str(point)], 3)
    return {"bandwidth_gb_s": bandwidth_gb_s, "limit_tok_s": limits, "bluev_achieved": achieved}


def report_table(report: dict) -> str:
    """Per curve: points as rows, systems as columns, 'median (min-max)'; then what was left out."""
    sweep = report["sweep"]
    lines = [f"sweep: preset {report['preset']}, quant {report['quant']}, {report['threads']} threads, "
             f"{report['repeats']} rounds, {sweep['decode_tokens']} decode tokens per point"]  # fmt: skip
    if "context_limit" in sweep:
        lines.append(f"context limit: {sweep['context_limit']['prompt_tokens']} prompt tokens")
    for curve, (x, unit) in AXES.items():
        entry = sweep[curve]
        if "skipped" in entry:
            continue
        names = list(entry["systems"])
        rows = [(f"{curve} {unit} / {x}", *names)]
        for point in entry["points"]:
            cells = [cell(entry["systems"][n].get(str(point))) for n in names]
            rows.append((str(point), *cells))
        lines += ["", *aligned(rows)]
        lines += [f"  clipped {p}: {why}" for p, why in entry["clipped"].items()]
        for system, points in entry["left_out"].items():
            for why in dict.fromkeys(points.values()):
                which = ", ".join(p for p, w in points.items() if w == why)
                lines.append(f"  {system} left out at {which}: {why}")
    return "\n".join(lines)


def cell(value: dict | None) -> str:
    if value is None:
        return "-"
    low, high = value["spread"]
    return f"{value['median']:g}" + (f" ({low:g}-{high:g})" if low != high else "")


def write_outputs(report: dict, out: Path) -> list[Path]:
    """report.json, report.txt and one PNG per curve (sweep-prefill.png, ...) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "report.json", json.dumps(report, indent=2))
    atomic_write_text(out / "report.txt", report_table(report) + "\n")
    written = [out / "report.json", out / "report.txt"]
    for curve, (x, unit) in AXES.items():
        entry = report["sweep"][curve]
        if "skipped" in entry:
            continue
        series = {
            name: [Point(float(p), v["median"], *v["spread"]) for p, v in points.items()]
            for name, points in entry["systems"].items()
            if points
        }
        title = f"{report['preset']}: {curve} {unit} by {x} ({report['threads']} threads)"
        written.append(line_chart(out / f"sweep-{curve}.png", title, x, series))
    return written
