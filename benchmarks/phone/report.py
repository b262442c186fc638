"""One device's benchmark result as JSON, a markdown table and a PNG, with the paper alongside."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

from bluev.benchmarks.phone.device import PAPER_SOC
from bluev.benchmarks.plot import Bar, Panel, bar_chart
from bluev.fileio import atomic_write_text

PAPER_DECODE_TOK_S = 24.4  # BlueLM-V-3B, 4-bit LLM weights, MediaTek Dimensity 9300 (arXiv 2411.10640)
METRICS = {  # key in a run -> label with unit
    "decode_tok_s": "decode tok/s",
    "prefill_tok_s": "prefill tok/s",
    "ttft_ms": "time to first token ms",
    "image_encode_ms": "image encode ms",
    "image_encode_ms_per_tile": "image encode ms/tile",
    "peak_rss_mb": "peak memory MB",
}


def add_per_tile(run: dict) -> dict:
    ms, tiles = run.get("image_encode_ms"), run.get("tiles") or 0
    run["image_encode_ms_per_tile"] = round(ms / tiles, 2) if ms is not None and tiles else None
    return run


def summarize(runs: list[dict]) -> dict[str, dict[str, float]]:
    """min/median/max of each metric over the measured (not warm-up) runs that report it."""
    measured = [r for r in runs if not r.get("warmup")]
    out = {}
    for key in METRICS:
        values = [float(r[key]) for r in measured if r.get(key) is not None]
        if values:
            out[key] = {"min": min(values), "median": statistics.median(values), "max": max(values)}
    return out


def paper_line(summary: dict, soc: str) -> str:
    decode = summary.get("decode_tok_s")
    if decode is None:
        return f"paper: {PAPER_DECODE_TOK_S} tok/s decode on {PAPER_SOC}; no measured decode here"
    where = "the same SoC" if soc == PAPER_SOC else f"{soc}, not the paper's {PAPER_SOC}"
    return (
        f"paper: {PAPER_DECODE_TOK_S} tok/s decode (BlueLM-V-3B, 4-bit LLM) on {PAPER_SOC}; "
        f"here: {decode['median']:.1f} tok/s median on {where} "
        f"({decode['median'] / PAPER_DECODE_TOK_S:.2f}x the paper)"
    )


def markdown(result: dict) -> str:
    dev = result.get("device") or {}
    lines = [
        f"## {dev.get('model', '?')} ({result['serial']}): {dev.get('soc', '?')}, "
        f"Android {dev.get('android', '?')}",
        "",
        f"runner {result['runner']}, backend {result['backend']}, "
        f"{sum(not r.get('warmup') for r in result['runs'])} measured + "
        f"{sum(bool(r.get('warmup')) for r in result['runs'])} warm-up runs",
        "",
        "| metric | min | median | max |",
        "|---|---|---|---|",
    ]
    for key, s in result["summary"].items():
        lines.append(f"| {METRICS[key]} | {s['min']:.4g} | {s['median']:.4g} | {s['max']:.4g} |")
    thermal = result.get("thermal") or {}
    if thermal:
        lines += ["", thermal_line(thermal)]
    lines += ["", result["paper"]]
    if result.get("error"):
        lines += ["", f"**incomplete**: {result['error']}"]
    return "\n".join(lines) + "\n"


def thermal_line(t: dict) -> str:
    def clocks(khz: dict) -> str:
        return f"{max(khz.values()) / 1e6:.2f} GHz" if khz else "?"

    temps = f"{t['before_max_zone_c']} -> {t['after_max_zone_c']} C" if t.get("after_max_zone_c") else "?"
    return (
        f"thermal status {t['before_status']} -> {t['after_status']}, hottest zone {temps}, "
        f"fastest core {clocks(t['before_cpu_khz'])} -> {clocks(t['after_cpu_khz'])}"
        + (f", THROTTLED (capped: {', '.join(t['capped_cpus']) or 'none'})" if t["throttled"] else "")
    )


def chart_panels(result: dict) -> list[Panel]:
    panels = []
    for key, s in result["summary"].items():
        bars: dict[str, Bar | float] = {result["serial"]: Bar(s["median"], s["min"], s["max"])}
        if key == "decode_tok_s":
            bars["paper (D9300)"] = PAPER_DECODE_TOK_S
        panels.append(Panel(METRICS[key] + " (median, min..max)", bars))
    return panels


def write_report(out_dir: Path, result: dict) -> dict[str, Path]:
    """<serial>.json, <serial>.md and (when something was measured) <serial>.png in out_dir."""
    stem = re.sub(r"[^\w.-]", "_", result["serial"])
    paths = {"json": out_dir / f"{stem}.json", "markdown": out_dir / f"{stem}.md"}
    atomic_write_text(paths["json"], json.dumps(result, indent=2) + "\n")
    atomic_write_text(paths["markdown"], markdown(result))
    if result["summary"]:
        paths["png"] = bar_chart(out_dir / f"{stem}.png", chart_panels(result))
    return paths
