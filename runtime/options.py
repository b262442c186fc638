"""Options of the runtime verbs (`bluev run`, `bluev tiles`) and of sampling.

Light on purpose (no torch): the CLI builds its flags from these fields at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bluev.errors import BadInput
from bluev.options import cli
from bluev.runtime.image import DEFAULT_MAX_PIXELS
from bluev.runtime.tiler import TilerConfig


@dataclass(frozen=True)
class SamplerConfig:
    temperature: float = cli(0.0, help="0 = greedy.")
    top_k: int = cli(0, help="Keep the k most likely tokens (0 = off).")
    top_p: float = cli(1.0, help="Keep the smallest set of tokens whose mass reaches p (1 = off).")
    seed: int | None = cli(None, help="Seed for sampling.")

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise BadInput(f"temperature {self.temperature}: must be >= 0")
        if self.top_k < 0:
            raise BadInput(f"top-k {self.top_k}: must be >= 0")
        if not 0.0 < self.top_p <= 1.0:
            raise BadInput(f"top-p {self.top_p}: must be in (0, 1]")


@dataclass(frozen=True)
class RunOptions:
    artifacts: Path = cli(help="Directory from bluev export.")
    prompt: str | None = cli(None, help="The question (or --audio: a spoken one).")
    audio: Path | None = cli(
        None,
        metavar="FILE.wav",
        help="A spoken question (WAV): transcribed by the set's speech programs, then answered.",
    )
    image: Path | None = cli(None, help="Image file to ask about.")
    max_new_tokens: int = cli(128, minimum=1, help="Most tokens to generate.")
    sampler: SamplerConfig = field(default_factory=SamplerConfig)

    def __post_init__(self) -> None:
        if (self.prompt is None) == (self.audio is None):
            raise BadInput("run: give the question as --prompt TEXT or as --audio FILE.wav (one of them)")
        if self.image is not None and not self.image.is_file():
            raise BadInput(f"{self.image}: no such image file")
        if self.audio is not None and not self.audio.is_file():
            raise BadInput(f"{self.audio}: no such audio file")


@dataclass(frozen=True)
class TilesOptions:
    image: Path | None = cli(None, argument=True, help="Image file to tile.")
    size: str | None = cli(None, metavar="WxH", help="Plan for an image size, no file needed.")
    tiler: TilerConfig = field(default_factory=TilerConfig)
    max_pixels: int = cli(DEFAULT_MAX_PIXELS, minimum=1, help="Refuse larger images (decompression bombs).")
    out: Path | None = cli(None, help="Write the grid drawn over the image (PNG).")

    def __post_init__(self) -> None:
        if (self.image is None) == (self.size is None):
            raise BadInput("tiles: give either an IMAGE file or --size WxH")
        if self.out is not None and self.image is None:
            raise BadInput("--out draws over an image: give an IMAGE file, not --size")
        if self.out is not None and self.out.suffix.lower() != ".png":
            raise BadInput(f"{self.out}: --out writes a PNG, name it *.png")
