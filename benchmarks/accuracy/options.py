"""`bluev quant-report`'s options (light: the CLI builds its flags from these fields at start-up)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bluev.errors import BadInput
from bluev.export.presets import PRESETS, Preset, get_preset
from bluev.options import cli, cli_list
from bluev.quant.recipes import Recipe, check_llm_shape, parse_recipe
from bluev.runtime.manifest import KV_CACHE_DTYPES

COMPONENTS = ("llm", "vision", "projector")


@dataclass
class ReportOptions:
    preset: str = cli("tiny", choices=tuple(PRESETS), help="Model preset.")
    checkpoint: Path | None = cli(None, help="Local HF checkpoint directory (preset hf).")
    recipes: tuple[str, ...] = cli(
        ("default",),
        flag="--recipe",
        multiple=True,
        help="Recipe to measure (repeatable): default, 8da4w-g64, 4w-g32, 8da8w, mtk-a16w4, ...",
    )
    # () = every component the preset has
    components: tuple[str, ...] = cli_list(
        "Comma-separated subset of llm,vision,projector (default: all the preset has)."
    )
    window: int = cli(256, minimum=2, help="Tokens per scored window.")
    max_tokens: int | None = cli(None, minimum=2, help="Score only the first N tokens of the text.")
    images: tuple[Path, ...] = cli((), flag="--image", multiple=True, help="Image(s) whose tiles to compare.")
    kv_cache: str = cli(
        "float32",
        choices=KV_CACHE_DTYPES,
        help="Also score each recipe's LLM through an int8 KV cache against the float32 one.",
    )
    parsed: list[Recipe] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        preset = get_preset(self.preset)
        self.parsed = [parse_recipe(name) for name in self.recipes or ("default",)]
        self.components = self.components or (COMPONENTS if preset.multimodal else ("llm",))
        unknown = [c for c in self.components if c not in COMPONENTS]
        if unknown:
            raise BadInput(f"component {unknown[0]!r}: unknown, choose from {', '.join(COMPONENTS)}")
        if not preset.multimodal and set(self.components) - {"llm"}:
            raise BadInput(
                f"preset {preset.name} is text-only: it has no vision tower or projector to report on"
            )
        if self.window < 2:
            raise BadInput("--window must be at least 2 tokens")
        if preset.llm is not None and "llm" in self.components:  # refuse before any work
            for recipe in self.parsed:
                check_llm_shape(recipe, preset.llm.dim, preset.llm.hidden_dim)
        if preset.source == "hf-checkpoint" and self.checkpoint is None:
            raise BadInput("preset hf needs --checkpoint DIR (a local checkpoint directory)")
        for path in self.images:
            if not Path(path).is_file():
                raise BadInput(f"{path}: no such image file")

    @property
    def preset_config(self) -> Preset:
        return get_preset(self.preset)
