"""`bluev bench host`'s options (light: the CLI builds its flags from these fields at start-up)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bluev.errors import BadInput
from bluev.export.options import EXPORT_COMPONENTS
from bluev.export.presets import PRESETS
from bluev.options import cli, cli_list

BASELINES = ("eager", "llama.cpp", "executorch")
FLASH_ATTN = ("auto", "on", "off")  # llama.cpp's -fa values
# bench-only: a checkpoint made locally and raced against llama.cpp's mtmd (benchmarks/host/onevision.py)
ONEVISION = "onevision-0.5b"


def log_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class HostBenchOptions:
    artifacts: Path | None = cli(None, help="Directory from bluev export.")
    preset: str | None = cli(
        None,
        choices=(*PRESETS, ONEVISION),
        help=f"Use artifacts/PRESET, exporting it there first if it is missing ({ONEVISION}: a random "
        "LLaVA-OneVision-0.5B-shaped checkpoint, made once, raced against llama.cpp's mtmd).",
    )
    # () = llm, plus vision when the artifacts have it
    components: tuple[str, ...] = cli_list(
        "Comma-separated subset of llm,vision,speech (default: all the artifacts have)."
    )
    repeats: int = cli(3, minimum=1, help="Rounds; the systems alternate within each.")
    threads: int = cli(0, minimum=0, help="Threads for every system (0: all cores).")
    baselines: tuple[str, ...] = cli(
        (),
        flag="--baseline",
        multiple=True,
        choices=(*BASELINES, "none"),
        show_default=False,
        help="Baselines to run (repeatable; default all that apply; none: only bluev).",
    )
    llama_bench: Path | None = cli(None, help="llama-bench binary (default: what `make peers` built).")
    llama_mtmd: Path | None = cli(None, help="llama-mtmd-cli binary (default: what `make peers` built).")
    mtmd_llm: Path | None = cli(
        None,
        metavar="GGUF",
        help="The set's LLM as a GGUF, with --mtmd-mmproj: race one photo + question against llama-mtmd-cli.",
    )
    mtmd_mmproj: Path | None = cli(None, metavar="GGUF", help="The set's vision tower + projector (mmproj).")
    llama_flash_attn: str = cli(
        "auto",
        choices=FLASH_ATTN,
        help="llama.cpp's flash attention (-fa) in every llama.cpp tool (auto: its own choice, on for a "
        "CPU; on some CPUs off decodes a long context twice as fast: docs/host-benchmark.md).",
    )
    peers: Path = cli(Path(".peers"), help="Where `make peers` builds the baselines.")
    image: Path | None = cli(
        None, help="Picture for TTFT (default: the sample drawn at 12 MP; 1920x1080 for the mtmd race)."
    )
    audio: Path | None = cli(
        None,
        metavar="FILE.wav",
        help="Spoken question for the speech timings (default: espeak-ng says one, if installed).",
    )
    decode_tokens: int = cli(128, minimum=1, help="Tokens decoded per measurement.")
    prefill_tokens: int = cli(512, minimum=1, help="Prompt tokens per prefill measurement.")
    sweep: bool = cli(
        False,
        help="Measure how cost grows instead of the fixed points: prefill per prompt length, decode "
        "per position, vision per tile count (docs/host-benchmark.md).",
    )
    out: Path | None = cli(
        None, help="Write report.json, report.txt, chart.png (--sweep: one PNG per curve) here."
    )
    log: Callable[[str], None] = field(default=log_line, repr=False)

    def __post_init__(self) -> None:
        if (self.artifacts is None) == (self.preset is None):
            raise BadInput("bench host: give either --artifacts DIR or --preset NAME")
        unknown = [c for c in self.components if c not in EXPORT_COMPONENTS]
        if unknown:
            raise BadInput(
                f"--components: {unknown[0]!r} is unknown, choose from {', '.join(EXPORT_COMPONENTS)}"
            )
        self.baselines = () if "none" in self.baselines else (self.baselines or BASELINES)
        if self.image is not None and not self.image.is_file():
            raise BadInput(f"{self.image}: no such image file")
        if (self.mtmd_llm is None) != (self.mtmd_mmproj is None):
            raise BadInput("bench host: --mtmd-llm and --mtmd-mmproj go together")
        for gguf in (self.mtmd_llm, self.mtmd_mmproj):
            if gguf is not None and not gguf.is_file():
                raise BadInput(f"{gguf}: no such GGUF file")
        if self.audio is not None and not self.audio.is_file():
            raise BadInput(f"{self.audio}: no such audio file")
