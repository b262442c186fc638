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


def log_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class HostBenchOptions:
    artifacts: Path | None = cli(None, help="Directory from bluev export.")
    preset: str | None = cli(
        None, choices=tuple(PRESETS), help="Use artifacts/PRESET, exporting it there first if it is missing."
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
    peers: Path = cli(Path(".peers"), help="Where `make peers` builds the baselines.")
    image: Path | None = cli(None, help="Picture for TTFT (default: the sample drawn at 12 MP).")
    audio: Path | None = cli(
        None,
        metavar="FILE.wav",
        help="Spoken question for the speech timings (default: espeak-ng says one, if installed).",
    )
    decode_tokens: int = cli(128, minimum=1, help="Tokens decoded per measurement.")
    prefill_tokens: int = cli(512, minimum=1, help="Prompt tokens per prefill measurement.")
    out: Path | None = cli(None, help="Write report.json, report.txt, chart.png here.")
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
        if self.audio is not None and not self.audio.is_file():
            raise BadInput(f"{self.audio}: no such audio file")
