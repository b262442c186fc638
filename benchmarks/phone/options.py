"""`bluev bench adb`'s options (light: the CLI builds its flags from these fields at start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bluev.errors import BadInput
from bluev.options import cli

RUNNERS = ("app", "native", "stock")


@dataclass
class AdbBenchOptions:
    artifacts: Path = cli(help="Directory from bluev export.")
    runner_path: Path | None = cli(
        None,
        argument=True,
        metavar="[PATH]",
        help="The runner binary: bluev-runner (--runner native) or llama_main/llava_main (--runner stock).",
    )
    serials: tuple[str, ...] = cli(
        (), flag="--serial", multiple=True, help="Device serial (repeatable; default: all devices)."
    )
    runner: str = cli(
        "app",
        choices=RUNNERS,
        help="`native PATH`: bluev-runner built for the phone (runtime/native); `stock PATH`: ExecuTorch's "
        "llama_main/llava_main on stock_runner.pte; `app`: the demo app.",
    )
    prompt: str = cli("Describe this picture.", help="The question.")
    image: Path | None = cli(None, help="Image file to ask about (pushed to the phone).")
    max_new_tokens: int = cli(64, minimum=1, help="Tokens to generate per run.")
    warmup: int = cli(1, minimum=0, help="Warm-up runs.")
    runs: int = cli(3, minimum=1, help="Measured runs.")
    cooldown: float = cli(0.0, minimum=0.0, help="Seconds between runs, to let the phone cool.")
    timeout: float = cli(300.0, minimum=1.0, help="Seconds per run.")
    out: Path = cli(Path("bench-adb"), help="Folder for the per-phone reports.")
    adb: str = cli("adb", help="The adb client binary.")
    adb_port: int | None = cli(None, minimum=1, maximum=65535, help="adb server port (adb -P; default 5037).")

    def __post_init__(self) -> None:
        if self.runner not in RUNNERS:
            raise BadInput(f"--runner {self.runner}: choose one of {', '.join(RUNNERS)}")
        if (self.runner != "app") != (self.runner_path is not None):
            raise BadInput(
                "give `--runner native PATH` (bluev-runner), `--runner stock PATH` (llama_main/llava_main) "
                "or `--runner app` (no PATH)"
            )
