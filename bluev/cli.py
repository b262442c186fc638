"""The ``bluev`` command line. Subcommands stay thin: they parse, call a module, print."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from bluev import __version__
from bluev.errors import BadInput

Command = TypeVar("Command", bound=Callable)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bluev")
def cli() -> None:
    """bluev: a BlueLM-V-3B-style multimodal LLM on a phone, with ExecuTorch."""


def tiler_options(fn: Command) -> Command:
    """The tiler's knobs, shared by every command that tiles an image."""
    for option in reversed(
        [
            click.option(
                "--policy",
                type=click.Choice(["relaxed", "llava-next", "internvl"]),
                default="relaxed",
                show_default=True,
                help="Grid policy.",
            ),
            click.option("--max-tiles", type=click.IntRange(1, 64), default=9, show_default=True),
            click.option("--min-tiles", type=click.IntRange(1, 64), default=1, show_default=True),
            click.option(
                "--alpha",
                type=click.FloatRange(0.0, 1.0, max_open=True),
                default=0.1,
                show_default=True,
                help="Relaxed matching threshold on effective resolution.",
            ),
            click.option("--tile-size", type=click.IntRange(1), default=384, show_default=True),
            click.option("--tokens-per-tile", type=click.IntRange(1), default=196, show_default=True),
            click.option("--thumbnail/--no-thumbnail", default=True, show_default=True),
        ]
    ):
        fn = option(fn)
    return fn


@cli.command()
@click.argument("image", required=False, type=click.Path(path_type=Path))
@click.option("--size", "size_text", metavar="WxH", help="Plan for an image size, no file needed.")
@tiler_options
@click.option("--max-pixels", type=click.IntRange(1), default=64_000_000, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Write the grid drawn over the image (PNG).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def tiles(
    image: Path | None,
    size_text: str | None,
    policy: str,
    max_tiles: int,
    min_tiles: int,
    alpha: float,
    tile_size: int,
    tokens_per_tile: int,
    thumbnail: bool,
    max_pixels: int,
    out: Path | None,
    as_json: bool,
) -> None:
    """Show how an image (or a WxH size) is cut into tiles."""
    from bluev.runtime.tiler import TilerConfig, parse_size, plan_tiles

    if (image is None) == (size_text is None):
        raise BadInput("tiles: give either an IMAGE file or --size WxH")
    cfg = TilerConfig(
        policy=policy,
        tile_size=tile_size,
        alpha=alpha,
        min_tiles=min_tiles,
        max_tiles=max_tiles,
        thumbnail=thumbnail,
        tokens_per_tile=tokens_per_tile,
    )
    if size_text is not None:
        if out is not None:
            raise BadInput("--out draws over an image: give an IMAGE file, not --size")
        plan = plan_tiles(*parse_size(size_text), cfg)
    else:
        from bluev.fileio import atomic_path
        from bluev.runtime.grid_picture import draw_grid
        from bluev.runtime.image import open_image, place_on_canvas

        assert image is not None
        rgb = open_image(image, max_pixels=max_pixels)
        plan = plan_tiles(rgb.width, rgb.height, cfg)
        if out is not None:
            if out.suffix.lower() != ".png":
                raise BadInput(f"{out}: --out writes a PNG, name it *.png")
            with atomic_path(out) as tmp:
                draw_grid(place_on_canvas(rgb, plan), plan).save(tmp, format="PNG")
    info = plan.summary()
    if out is not None:
        info["out"] = str(out)
    if as_json:
        click.echo(json.dumps(info))
        return
    m, n = plan.grid
    click.echo(
        f"{plan.policy}: image {plan.image_size[0]}x{plan.image_size[1]} -> grid {m}:{n} "
        f"(columns:rows), canvas {plan.canvas[0]}x{plan.canvas[1]}, {plan.tiles} tile(s)"
        f"{' + thumbnail' if plan.thumbnail else ''}, {plan.image_tokens} image tokens"
    )
    if out is not None:
        click.echo(f"grid picture: {out}")


def split_components(option: str | None) -> tuple[str, ...]:
    """``--components llm,vision`` as a tuple; empty when the option is not given."""
    return tuple(c.strip() for c in option.split(",")) if option else ()


@cli.command("export")
@click.option("--preset", default="tiny", show_default=True, help="tiny, bluelm-v-3b, smollm2 or hf.")
@click.option("--checkpoint", type=click.Path(path_type=Path), help="Local HF checkpoint dir (preset hf).")
@click.option(
    "--backend",
    type=click.Choice(["xnnpack", "vulkan", "portable", "mediatek"]),
    default="xnnpack",
    show_default=True,
    help="xnnpack (phone CPU), vulkan (phone GPU), mediatek (Dimensity NPU, needs the NeuroPilot SDK).",
)
@click.option(
    "--quant",
    default=None,
    help="Quantization recipe: default (LLM 4-bit g32, 8-bit embeddings and head, ViT 8-bit), float, "
    "8da4w-g64, 8da4w-g32-head4 (4-bit head, as export_llm), mtk-a16w4, ... "
    "[default: default on xnnpack, float on vulkan, mtk-a16w4 on mediatek]",
)
@click.option("--soc", help="MediaTek SoC for --backend mediatek: mt6989 (Dimensity 9300), mt6991, mt6993.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Artifact directory to write.")
@click.option("--force", is_flag=True, help="Replace artifacts of another preset in --out.")
@click.option("--no-stock-runner", is_flag=True, help="Skip the bundle for ExecuTorch's stock runners.")
@click.option(
    "--components",
    help="Comma-separated subset of llm,vision (default: all the preset has). "
    "vision alone: artifacts for benchmarking the ViT, which cannot answer prompts.",
)
def export_cmd(
    preset: str,
    checkpoint: Path | None,
    backend: str,
    quant: str | None,
    soc: str | None,
    out: Path,
    force: bool,
    no_stock_runner: bool,
    components: str | None,
) -> None:
    """Export a preset to .pte files, tokenizer and manifest.json."""
    import time

    from bluev.quiet import library_warnings_quiet

    library_warnings_quiet()
    from bluev.export.exporter import ExportOptions, export, summary_table

    started = time.monotonic()
    opts = ExportOptions(
        preset=preset,
        out=out,
        checkpoint=checkpoint,
        backend=backend,
        quant=quant,
        soc=soc,
        force=force,
        stock_runner=not no_stock_runner,
        components=split_components(components),
    )
    manifest = export(opts)
    click.echo(summary_table(manifest, time.monotonic() - started))
    click.echo(f"artifacts: {out}")


@cli.command()
@click.option(
    "--artifacts", type=click.Path(path_type=Path), required=True, help="Directory from bluev export."
)
@click.option("--image", type=click.Path(path_type=Path), help="Image file to ask about.")
@click.option("--prompt", required=True, help="The question.")
@click.option("--max-new-tokens", type=click.IntRange(1), default=128, show_default=True)
@click.option("--temperature", type=float, default=0.0, show_default=True, help="0 = greedy.")
@click.option("--top-k", type=int, default=0, show_default=True)
@click.option("--top-p", type=float, default=1.0, show_default=True)
@click.option("--seed", type=int, help="Seed for sampling.")
@click.option(
    "--json", "as_json", is_flag=True, help='Print {"text": ..., "stats": {...}} instead of streaming.'
)
def run(
    artifacts: Path,
    image: Path | None,
    prompt: str,
    max_new_tokens: int,
    temperature: float,
    top_k: int,
    top_p: float,
    seed: int | None,
    as_json: bool,
) -> None:
    """Answer a prompt (about an image) with exported artifacts on the ExecuTorch runtime."""
    from bluev.quiet import library_warnings_quiet

    library_warnings_quiet()
    from bluev.runtime.pipeline import Pipeline
    from bluev.runtime.sampling import SamplerConfig

    sampler = SamplerConfig(temperature=temperature, top_k=top_k, top_p=top_p, seed=seed)
    if image is not None and not image.is_file():
        raise BadInput(f"{image}: no such image file")
    from bluev.quiet import native_logs_quiet

    on_text = None if as_json else (lambda piece: click.echo(piece, nl=False))
    with native_logs_quiet():
        pipeline = Pipeline(artifacts)
        result = pipeline.generate(prompt, image, max_new_tokens, sampler, on_text)
    s = result.stats.to_dict()
    if as_json:
        click.echo(json.dumps({"text": result.text, "stats": s}))
        return
    click.echo("")
    sys.stdout.flush()
    click.echo(
        f"[{s['tiles']} tiles, image {s['image_encode_ms']:.0f} ms, prefill {s['prefill_tokens']} tok "
        f"@ {s['prefill_tok_s']:.1f} tok/s, decode {s['decode_tokens']} tok @ {s['decode_tok_s']:.1f} tok/s, "
        f"TTFT {s['ttft_ms']:.0f} ms, peak RSS {s['peak_rss_mb']:.0f} MB, stop: {s['stop_reason']}]",
        err=True,
    )


@cli.command("quant-report")
@click.option("--preset", default="tiny", show_default=True, help="tiny, bluelm-v-3b, smollm2 or hf.")
@click.option("--checkpoint", type=click.Path(path_type=Path), help="Local HF checkpoint dir (preset hf).")
@click.option(
    "--recipe",
    "recipes",
    multiple=True,
    default=("default",),
    show_default=True,
    help="Recipe to measure (repeatable): default, 8da4w-g64, 4w-g32, 8da8w, mtk-a16w4, ...",
)
@click.option(
    "--components",
    help="Comma-separated subset of llm,vision,projector (default: all the preset has).",
)
@click.option(
    "--window", type=click.IntRange(2), default=256, show_default=True, help="Tokens per scored window."
)
@click.option("--max-tokens", type=click.IntRange(2), help="Score only the first N tokens of the text.")
@click.option(
    "--image",
    "images",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Image(s) whose tiles to compare.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (an object, or a list for several recipes)."
)
def quant_report_cmd(
    preset: str,
    checkpoint: Path | None,
    recipes: tuple[str, ...],
    components: str | None,
    window: int,
    max_tokens: int | None,
    images: tuple[Path, ...],
    as_json: bool,
) -> None:
    """Float vs quantized, per component: perplexity, agreement, KL, cosine, size."""
    from bluev.quiet import library_warnings_quiet

    library_warnings_quiet()
    from bluev.quant.report import ReportOptions, quant_report, report_table

    opts = ReportOptions(
        preset=preset,
        recipes=list(recipes),
        checkpoint=checkpoint,
        components=split_components(components) or None,
        window=window,
        max_tokens=max_tokens,
        images=list(images),
    )
    reports = quant_report(opts)  # PyTorch only: no native runtime logs to hold back
    if as_json:
        click.echo(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    else:
        click.echo(report_table(reports))


@cli.group()
def bench() -> None:
    """Benchmarks: `bench host` on this machine, `bench adb` on phones over USB."""


@bench.command("host")
@click.option("--artifacts", type=click.Path(path_type=Path), help="Directory from bluev export.")
@click.option("--preset", help="Use artifacts/PRESET, exporting it there first if it is missing.")
@click.option("--components", help="Comma-separated subset of llm,vision (default: all the artifacts have).")
@click.option("--repeats", type=click.IntRange(1), default=3, show_default=True, help="Rounds, alternating.")
@click.option("--threads", type=click.IntRange(0), default=0, help="Threads for every system (0: all cores).")
@click.option(
    "--baseline",
    "baselines",
    multiple=True,
    type=click.Choice(["eager", "llama.cpp", "executorch", "none"]),
    help="Baselines to run (repeatable; default all that apply).",
)
@click.option(
    "--llama-bench", type=click.Path(path_type=Path), help="llama-bench binary (default: make peers')."
)
@click.option("--peers", type=click.Path(path_type=Path), default=Path(".peers"), show_default=True)
@click.option("--image", type=click.Path(path_type=Path), help="Picture for TTFT (default: the sample).")
@click.option("--decode-tokens", type=click.IntRange(1), default=128, show_default=True)
@click.option("--prefill-tokens", type=click.IntRange(1), default=512, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Write report.json, report.txt, chart.png here.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_host_cmd(
    artifacts: Path | None,
    preset: str | None,
    components: str | None,
    repeats: int,
    threads: int,
    baselines: tuple[str, ...],
    llama_bench: Path | None,
    peers: Path,
    image: Path | None,
    decode_tokens: int,
    prefill_tokens: int,
    out: Path | None,
    as_json: bool,
) -> None:
    """Decode, prefill, vision and TTFT of our .pte files against eager PyTorch, llama.cpp, export_llm."""
    from bluev.quiet import library_warnings_quiet

    library_warnings_quiet()
    from bluev.benchmarks.host import HostBenchOptions, bench_host, report_table, write_outputs
    from bluev.benchmarks.prepare import bench_artifacts, bench_image

    if (artifacts is None) == (preset is None):
        raise BadInput("bench host: give either --artifacts DIR or --preset NAME")
    parts = split_components(components)
    folder = bench_artifacts(artifacts, preset, parts)
    opts = HostBenchOptions(
        artifacts=folder,
        components=parts,
        repeats=repeats,
        threads=threads,
        baselines=() if "none" in baselines else (baselines or HostBenchOptions.baselines),
        peers=peers,
        llama_bench=llama_bench,
        image=bench_image(image, folder),
        decode_tokens=decode_tokens,
        prefill_tokens=prefill_tokens,
    )
    report = bench_host(opts)
    if out is not None:
        for path in write_outputs(report, out):
            click.echo(f"wrote {path}", err=True)
    click.echo(json.dumps(report, indent=2) if as_json else report_table(report))


@bench.command("adb")
@click.argument("runner_path", required=False, type=click.Path(path_type=Path), metavar="[PATH]")
@click.option(
    "--artifacts", type=click.Path(path_type=Path), required=True, help="Directory from bluev export."
)
@click.option("--serial", "serials", multiple=True, help="Device serial (repeatable; default: all devices).")
@click.option(
    "--runner",
    type=click.Choice(["native", "app"]),
    default="app",
    show_default=True,
    help="`--runner native PATH`: an ExecuTorch runner binary built with the NDK; `app`: the demo app.",
)
@click.option("--prompt", default="Describe this picture.", show_default=True)
@click.option(
    "--image", type=click.Path(path_type=Path), help="Image file to ask about (pushed to the phone)."
)
@click.option("--max-new-tokens", type=click.IntRange(1), default=64, show_default=True)
@click.option("--warmup", type=click.IntRange(0), default=1, show_default=True, help="Warm-up runs.")
@click.option("--runs", type=click.IntRange(1), default=3, show_default=True, help="Measured runs.")
@click.option(
    "--cooldown", type=click.FloatRange(0), default=0.0, show_default=True, help="Seconds between runs."
)
@click.option(
    "--timeout", type=click.FloatRange(1), default=300.0, show_default=True, help="Seconds per run."
)
@click.option("--out", type=click.Path(path_type=Path), default=Path("bench-adb"), show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the results as a JSON list.")
@click.option("--adb", "adb_path", default="adb", show_default=True, help="The adb client binary.")
@click.option("--adb-port", type=click.IntRange(1, 65535), help="adb server port (adb -P; default 5037).")
def bench_adb(
    runner_path: Path | None,
    artifacts: Path,
    serials: tuple[str, ...],
    runner: str,
    prompt: str,
    image: Path | None,
    max_new_tokens: int,
    warmup: int,
    runs: int,
    cooldown: float,
    timeout: float,
    out: Path,
    as_json: bool,
    adb_path: str,
    adb_port: int | None,
) -> None:
    """Decode/prefill tok/s, TTFT, image time and memory on phones over USB (adb)."""
    from bluev.benchmarks.adb import AdbConfig
    from bluev.benchmarks.adb_bench import AdbBenchConfig, run_bench
    from bluev.benchmarks.report import markdown

    if (runner == "native") != (runner_path is not None):
        raise BadInput("give `--runner native PATH` (a runner binary) or `--runner app` (no PATH)")
    cfg = AdbBenchConfig(
        artifacts=artifacts,
        serials=serials,
        runner=runner,
        runner_path=runner_path,
        prompt=prompt,
        image=image,
        warmup=warmup,
        runs=runs,
        max_new_tokens=max_new_tokens,
        cooldown=cooldown,
        timeout=timeout,
        out=out,
        adb=AdbConfig(adb_path, adb_port),
    )
    results = run_bench(cfg)
    click.echo(json.dumps(results, indent=2) if as_json else "\n".join(markdown(r) for r in results))
    failed = [f"{r['serial']}: {r['error']}" for r in results if r["error"]]
    if failed:
        raise BadInput("; ".join(failed) + f" (partial results in {out})")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user errors are one line on stderr and exit code 2."""
    import signal

    # `kill` unwinds like Ctrl-C, so an export's staging folder is removed on the way out
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        code = cli.main(args=argv, prog_name="bluev", standalone_mode=False)
    except BadInput as exc:
        click.echo(f"bluev: error: {exc}", err=True)
        sys.exit(BadInput.exit_code)
    except click.UsageError as exc:
        hint = f" (see 'bluev {exc.ctx.info_name} --help')" if exc.ctx and exc.ctx.parent else ""
        click.echo(f"bluev: error: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"bluev: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("bluev: interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
