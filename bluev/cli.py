"""The ``bluev`` command line. Verbs stay thin: options dataclass in, one call, output printed.

Each verb's flags come from its options dataclass (bluev/click_options.py), which checks
them. The subsystem a verb runs (torch, transformers, ExecuTorch: seconds to import) is
imported inside the verb, after the libraries are quieted, so `bluev tiles` and
`bluev --help` stay instant; each such import says so.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from typing import Any

import click

from bluev import __version__
from bluev.benchmarks.accuracy.options import ReportOptions
from bluev.benchmarks.host.options import HostBenchOptions
from bluev.benchmarks.phone.options import AdbBenchOptions
from bluev.click_options import options_from, options_of
from bluev.errors import BadInput
from bluev.export.bundle_options import BundleOptions
from bluev.export.options import ExportOptions
from bluev.quiet import library_warnings_quiet, native_logs_quiet
from bluev.runtime.grid_picture import plan_for
from bluev.runtime.options import RunOptions, TilesOptions
from bluev.runtime.tiler import TilePlan

SMOLLM2_HINT = (
    "for a real answer: bluev export --preset smollm2 --out artifacts/smollm2 && "
    'bluev run --artifacts artifacts/smollm2 --prompt "What is the capital of France?"'
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bluev")
def cli() -> None:
    """bluev: a BlueLM-V-3B-style multimodal LLM on a phone, with ExecuTorch."""


json_flag = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


@cli.command()
@options_of(TilesOptions)
@json_flag
def tiles(as_json: bool, **params: Any) -> None:
    """Show how an image (or a WxH size) is cut into tiles."""
    opts = options_from(TilesOptions, params)
    plan = plan_for(opts)
    info = plan.summary() | ({"out": str(opts.out)} if opts.out is not None else {})
    if as_json:
        click.echo(json.dumps(info))
        return
    click.echo(f"{plan.policy}: image {plan.image_size[0]}x{plan.image_size[1]} -> {plan_text(plan)}")
    if opts.out is not None:
        click.echo(f"grid picture: {opts.out}")


def plan_text(plan: TilePlan) -> str:
    m, n = plan.grid
    return (
        f"grid {m}:{n} (columns:rows), canvas {plan.canvas[0]}x{plan.canvas[1]}, {plan.tiles} tile(s)"
        f"{' + thumbnail' if plan.thumbnail else ''}, {plan.image_tokens} image tokens"
    )


@cli.command("export")
@options_of(ExportOptions)
def export_cmd(**params: Any) -> None:
    """Export a preset to .pte files, tokenizer and manifest.json."""
    started = time.monotonic()
    library_warnings_quiet()
    opts = options_from(ExportOptions, params)
    # deferred: torch, transformers and ExecuTorch's exporter take seconds to import
    from bluev.export.exporter import export
    from bluev.export.writer import summary_table

    manifest = export(opts)
    click.echo(summary_table(manifest, time.monotonic() - started))
    click.echo(f"artifacts: {opts.out}")
    if opts.bundle is not None:
        # deferred: the bundle writer opens the set with ExecuTorch's runtime module
        from bluev.export.bundle import write_bundle

        click.echo(write_bundle(opts.out, opts.bundle).summary())


@cli.command("bundle")
@options_of(BundleOptions)
def bundle_cmd(**params: Any) -> None:
    """Write an artifact set as one zip the app imports (manifest first, programs stored)."""
    opts = options_from(BundleOptions, params)
    library_warnings_quiet()
    # deferred: opening the artifact set imports ExecuTorch's runtime
    from bluev.export.bundle import write_bundle

    click.echo(write_bundle(opts.artifacts, opts.out).summary())


@cli.command()
@options_of(RunOptions)
@click.option(
    "--json", "as_json", is_flag=True, help='Print {"text": ..., "stats": {...}} instead of streaming.'
)
def run(as_json: bool, **params: Any) -> None:
    """Answer a prompt (about an image) with exported artifacts on the ExecuTorch runtime."""
    library_warnings_quiet()
    opts = options_from(RunOptions, params)
    if opts.audio is not None:
        spoken_run(opts, as_json)
        return
    # deferred: ExecuTorch's runtime takes seconds to import
    from bluev.runtime.pipeline import Pipeline

    assert opts.prompt is not None  # RunOptions: a prompt or an audio file
    on_text = None if as_json else (lambda piece: click.echo(piece, nl=False))
    with native_logs_quiet():  # ExecuTorch's own log lines go to fd 2 while it loads and runs
        # one picture per run: it is encoded first and its vision programs freed, then the
        # LLM loads, so the two never share memory (the paper's phone order)
        pipeline = Pipeline(opts.artifacts, release_vision=True, llm_after_image=opts.image is not None)
    with pipeline, native_logs_quiet():
        result = pipeline.generate(opts.prompt, opts.image, opts.max_new_tokens, opts.sampler, on_text)
    print_run(pipeline, result, as_json)


def spoken_run(opts: RunOptions, as_json: bool) -> None:
    """`bluev run --audio`: transcribe (while the picture encodes in its own process), then answer."""
    # deferred: ExecuTorch's runtime takes seconds to import
    from bluev.runtime.spoken import ask_spoken, open_spoken

    assert opts.audio is not None  # spoken_run is the --audio path
    with native_logs_quiet():  # bad audio or a set without speech is refused before any program loads
        pipeline, transcriber, samples = open_spoken(opts.artifacts, opts.audio, opts.image is not None)
    streaming = not as_json
    with pipeline, native_logs_quiet():
        answer = ask_spoken(
            pipeline,
            transcriber,
            samples,
            opts.image,
            opts.max_new_tokens,
            opts.sampler,
            on_text=(lambda piece: click.echo(piece, nl=False)) if streaming else None,
            on_transcript=(lambda text: click.echo(f"> {text}")) if streaming else None,
            source=str(opts.audio),
        )
    if as_json:
        s = answer.generation.stats.to_dict()
        click.echo(
            json.dumps({"transcript": answer.transcript.text, "text": answer.generation.text, "stats": s})
        )
        return
    print_run(pipeline, answer.generation, as_json)


def print_run(pipeline: Any, result: Any, as_json: bool) -> None:
    """The answer's stats line on stderr (the answer itself was streamed), or the JSON object."""
    s = result.stats.to_dict()
    if as_json:
        click.echo(json.dumps({"text": result.text, "stats": s}))
        return
    click.echo("")
    sys.stdout.flush()
    image = f"{s['tiles']} tiles, "
    if s.get("grid"):  # what the tiler cut the picture into
        (m, n), tokens = s["grid"], s["image_tokens"]
        thumb = " + thumbnail" if s["tiles"] > m * n else ""
        image = f"{s['tiles']} tiles (grid {m}:{n}{thumb}), {tokens} image tokens, "
    click.echo(
        f"[{image}image {s['image_encode_ms']:.0f} ms, prefill {s['prefill_tokens']} tok "
        f"@ {s['prefill_tok_s']:.1f} tok/s, decode {s['decode_tokens']} tok @ {s['decode_tok_s']:.1f} tok/s, "
        f"TTFT {s['ttft_ms']:.0f} ms{load_text(s)}{speech_text(s)}, peak RSS {s['peak_rss_mb']:.0f} MB, "
        f"stop: {s['stop_reason']}]",
        err=True,
    )
    if pipeline.art.manifest.source.kind == "random":  # say so rather than let noise pass for an answer
        note = f"note: preset {pipeline.art.preset} has random weights, so its words are noise; "
        click.echo(note + SMOLLM2_HINT, err=True)


def load_text(s: dict) -> str:
    """The LLM's load when it came after the picture (and so is part of TTFT)."""
    return f" (LLM loaded after the image: {s['llm_load_ms']:.0f} ms of it)" if "llm_load_ms" in s else ""


def speech_text(s: dict) -> str:
    """The spoken question's times, for the stats line (empty for a typed one)."""
    if "transcribe_ms" not in s:
        return ""
    text = f" (transcription {s['transcribe_ms']:.0f} ms"
    if "overlap_saved_ms" in s:
        text += f", overlapped with the image: {s['overlap_saved_ms']:.0f} ms saved"
    return text + ")"


@cli.command("quant-report")
@options_of(ReportOptions)
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (an object, or a list for several recipes)."
)
def quant_report_cmd(as_json: bool, **params: Any) -> None:
    """Float vs quantized, per component: perplexity, agreement, KL, cosine, size."""
    library_warnings_quiet()
    opts = options_from(ReportOptions, params)
    # deferred: torch, torchao and transformers take seconds to import
    from bluev.benchmarks.accuracy.report import quant_report, report_table

    reports = quant_report(opts)
    if as_json:
        click.echo(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    else:
        click.echo(report_table(reports))


@cli.group()
def bench() -> None:
    """Benchmarks: `bench host` on this machine, `bench adb` on phones over USB."""


@bench.command("host")
@options_of(HostBenchOptions)
@json_flag
def bench_host_cmd(as_json: bool, **params: Any) -> None:
    """Decode, prefill, vision and TTFT of our .pte files against eager PyTorch, llama.cpp, export_llm."""
    library_warnings_quiet()
    opts = options_from(HostBenchOptions, params)
    # deferred: the benchmark imports ExecuTorch and transformers (whose tokenizers log a line to fd 2)
    with native_logs_quiet():
        from bluev.benchmarks.host import bench, sweep

    kind = sweep if opts.sweep else bench  # the same three entry points: measure, table, files
    report = kind.bench_host(opts)
    if opts.out is not None:
        for path in kind.write_outputs(report, opts.out):
            click.echo(f"wrote {path}", err=True)
    click.echo(json.dumps(report, indent=2) if as_json else kind.report_table(report))


@bench.command("adb")
@options_of(AdbBenchOptions)
@click.option("--json", "as_json", is_flag=True, help="Print the results as a JSON list.")
def bench_adb(as_json: bool, **params: Any) -> None:
    """Decode/prefill tok/s, TTFT, image time and memory on phones over USB (adb)."""
    opts = options_from(AdbBenchOptions, params)
    # deferred: reading the artifacts imports ExecuTorch's runtime
    from bluev.benchmarks.phone.bench import run_bench
    from bluev.benchmarks.phone.report import markdown

    results = run_bench(opts)
    click.echo(json.dumps(results, indent=2) if as_json else "\n".join(markdown(r) for r in results))
    failed = [f"{r['serial']}: {r['error']}" for r in results if r["error"]]
    if failed:
        raise BadInput("; ".join(failed) + f" (partial results in {opts.out})")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user errors are one line on stderr and exit code 2."""
    # `kill` unwinds like Ctrl-C, so an export's staging folder is removed on the way out
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        code = cli.main(args=argv, prog_name="bluev", standalone_mode=False)
    except BadInput as exc:
        click.echo(f"bluev: error: {exc}", err=True)
        sys.exit(BadInput.exit_code)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx and exc.ctx.parent else ""
        click.echo(f"bluev: error: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"bluev: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("bluev: interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
