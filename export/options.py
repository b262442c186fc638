"""`bluev export`'s options: one dataclass, checked before any model is built.

Light on purpose (no torch): the CLI builds its flags from these fields at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bluev.errors import BadInput
from bluev.export.bundle_options import check_bundle_path
from bluev.export.mediatek.checks import check_preset as check_npu_preset
from bluev.export.mediatek.checks import check_soc
from bluev.export.presets import PRESETS, Preset, get_preset
from bluev.options import cli, cli_list
from bluev.quant.recipes import Recipe, check_llm_shape, parse_recipe
from bluev.runtime.manifest import KV_CACHE_DTYPES, TILER_CHOICES

BACKENDS = ("xnnpack", "vulkan", "portable", "mediatek")
EXPORT_COMPONENTS = ("llm", "vision", "speech")
# XNNPACK: the paper's 4-bit recipe; Vulkan: float (the recipes' 4/8-bit kernels are XNNPACK's);
# MediaTek: the paper's NPU precision, 16-bit activations and 4-bit LLM weights.
DEFAULT_QUANT = {"xnnpack": "default", "portable": "float", "vulkan": "float", "mediatek": "mtk-a16w4"}
# Vulkan's delegate fails on a symbolic tile batch (its FuseViewCopyTransform meets view sizes
# computed outside the delegate: "used before it has been defined"), so on Vulkan the vision
# programs take a fixed batch, as on the NPU; the runner pads a short batch with zero tiles.
FIXED_VISION_BATCH = {"vulkan": True, "mediatek": True}
# A vision program plans activation memory for its largest batch (~78 MB a 384px SigLIP tile
# once encoding) while a tile is compute-bound: one tile a call encodes a picture as fast as the
# whole picture in one (results.md, "Memory by program"). So where the batch can vary, the
# default is one tile a call; fixed-batch backends default to a whole picture, since a smaller
# batch would pad the picture's last call with zero tiles.
DEFAULT_VISION_BATCH = 1
# The static LLM layout (export/static_layout.py) is the NPU's; XNNPACK also takes it, so that
# bluev-runner's static-layout logic runs off the phone.
LLM_LAYOUTS = {"xnnpack": ("dynamic", "static"), "mediatek": ("static",)}


@dataclass
class ExportOptions:
    out: Path = cli(help="Artifact directory to write.")
    preset: str = cli("tiny", choices=tuple(PRESETS), help="Model preset.")
    checkpoint: Path | None = cli(None, help="Local HF checkpoint directory (preset hf).")
    backend: str = cli(
        "xnnpack",
        choices=BACKENDS,
        help="xnnpack (phone CPU), vulkan (phone GPU), mediatek (Dimensity NPU, needs the NeuroPilot SDK).",
    )
    quant: str | None = cli(
        None,
        show_default=False,
        help="Quantization recipe: default (LLM 4-bit g32, 8-bit embeddings and head, ViT 8-bit), float, "
        "8da4w-g64, 8da4w-g32-head4 (4-bit head, as export_llm), mtk-a16w4, ... "
        "[default: default on xnnpack, float on vulkan and portable, mtk-a16w4 on mediatek]",
    )
    soc: str | None = cli(
        None, help="MediaTek SoC for --backend mediatek: mt6989 (Dimensity 9300), mt6991, mt6993."
    )
    llm_layout: str | None = cli(
        None,
        choices=("dynamic", "static"),
        show_default=False,
        help="LLM program layout: dynamic (KV cache inside, any prefill length) or static (the NPU's "
        "fixed t=chunk prefill and t=1 decode, caches as inputs; on xnnpack, for bluev-runner) "
        "[default: static on mediatek, else dynamic]",
    )
    tiler: str = cli(
        "family",
        choices=TILER_CHOICES,
        help="Grid choice: the model family's own (a checkpoint's processor; the relaxed tiler for bluev's "
        "presets) or relaxed (the paper's, which a checkpoint was not trained on: a warning says so).",
    )
    kv_cache: str | None = cli(
        None,
        choices=KV_CACHE_DTYPES,
        show_default=False,
        help="What the LLM's KV cache stores: int8 (per-row scales, the paper's phone setting) "
        "takes a quarter of float32's memory. [default: the preset's: int8 for bluelm-v-3b, else "
        "float32; float32 with --llm-layout static]",
    )
    data_file: bool | None = cli(
        None,
        secondary="--no-data-file",
        help="Store a tied token table once, in llm.ptd beside llm.pte (smollm2: 93.9 instead of 122.4 MB "
        "in all); bluev run, bench and bluev-runner load it. --no-data-file writes one llm.pte, which the "
        "app's components engine needs (ExecuTorch Android's Module.load takes a .pte alone). "
        "[default: the preset's: on for smollm2, else off]",
    )
    vision_batch: int = cli(
        0,
        minimum=0,
        help="Tiles per vision-encoder call, the largest batch the vision programs take (the runtime "
        "encodes a picture in batches of it). The programs plan activation memory for that batch: "
        "onevision-0.5b's 37 tiles hold 1.37 GB once loaded. 0: the backend's default, one tile "
        "(xnnpack, portable) or every tile of the largest grid and the thumbnail (vulkan, mediatek: "
        "fixed-batch programs).",
    )
    force: bool = cli(False, help="Replace artifacts of another preset in --out.")
    stock_runner: bool = cli(
        True, secondary="--no-stock-runner", help="Also write the bundle for ExecuTorch's stock runners."
    )
    # () = everything the preset has; ("vision",) = vision_encoder + projector only, for
    # measuring a big preset's ViT without building its LLM (such artifacts cannot answer)
    components: tuple[str, ...] = cli_list(
        "Comma-separated subset of llm,vision,speech (default: all the preset has). "
        "vision alone: artifacts for benchmarking the ViT, which cannot answer prompts."
    )
    speech_checkpoint: Path | None = cli(
        None,
        metavar="DIR",
        help="Local Whisper checkpoint (safetensors) for spoken questions: adds speech_encoder.pte and "
        "speech_decoder.pte (tiny has a random one built in).",
    )
    bundle: Path | None = cli(
        None,
        metavar="FILE.zip",
        help="Also write the artifact set as one zip for the app's import (as `bluev bundle`).",
    )
    recipe: Recipe = field(init=False, repr=False)

    def __post_init__(self) -> None:
        preset = get_preset(self.preset)
        check_soc(self.backend, self.soc)
        if self.backend not in BACKENDS:
            raise BadInput(f"backend {self.backend!r}: unknown, choose one of {', '.join(BACKENDS)}")
        self.recipe = parse_recipe(self.quant or DEFAULT_QUANT[self.backend])
        self.quant = self.recipe.name
        check_recipe_backend(self.recipe, self.backend)
        self.check_components(preset)
        if self.bundle is not None:
            check_bundle_path(self.out, self.bundle)
        self.check_layout()
        if self.static_layout:  # the fixed-shape programs' limits, on the NPU and off it
            check_npu_preset(preset)
            if self.kv_cache not in (None, "float32"):
                raise BadInput("--kv-cache int8: the static layout takes its caches as inputs; leave it out")
            self.kv_cache = "float32"
        if self.kv_cache is None:
            self.kv_cache = preset.kv_cache
        if self.data_file is None:
            self.data_file = preset.data_file
        if self.backend == "mediatek":
            self.stock_runner = False  # ExecuTorch's stock runners do not drive the NPU programs
        if preset.llm is not None and self.with_llm:  # shapes known before building: refuse early
            check_llm_shape(self.recipe, preset.llm.dim, preset.llm.hidden_dim)
        if preset.source == "hf-checkpoint" and self.checkpoint is None:
            raise BadInput("preset hf needs --checkpoint DIR (a local checkpoint directory)")
        if preset.source != "hf-checkpoint" and self.checkpoint is not None:
            raise BadInput(f"preset {preset.name} has built-in weights: --checkpoint is only for preset hf")

    @property
    def preset_config(self) -> Preset:
        return get_preset(self.preset)

    @property
    def with_llm(self) -> bool:
        return not self.components or "llm" in self.components

    @property
    def with_vision(self) -> bool:
        return self.preset_config.multimodal and (not self.components or "vision" in self.components)

    @property
    def static_layout(self) -> bool:
        return self.llm_layout == "static"

    def check_layout(self) -> None:
        layouts = LLM_LAYOUTS.get(self.backend, ("dynamic",))
        if self.llm_layout is None:  # the NPU has only the static layout; everything else defaults to dynamic
            self.llm_layout = layouts[-1] if len(layouts) == 1 else "dynamic"
        if self.llm_layout not in layouts:
            raise BadInput(
                f"--llm-layout {self.llm_layout}: backend {self.backend} takes {' or '.join(layouts)}"
            )
        if self.static_layout and not self.with_llm:
            raise BadInput("--llm-layout static: the layout of the LLM, which --components leaves out")

    @property
    def with_speech(self) -> bool:
        """A checkpoint given, or the preset's own (tiny); not on the NPU route, not left out."""
        has = self.speech_checkpoint is not None or self.preset_config.speech is not None
        return has and self.backend != "mediatek" and (not self.components or "speech" in self.components)

    def check_components(self, preset: Preset) -> None:
        unknown = [c for c in self.components if c not in EXPORT_COMPONENTS]
        if unknown:
            raise BadInput(f"component {unknown[0]!r}: unknown, choose from {', '.join(EXPORT_COMPONENTS)}")
        if self.components and self.backend == "mediatek":
            raise BadInput("--components: the MediaTek export builds every program; leave it out")
        if "vision" in self.components and not preset.multimodal:
            raise BadInput(f"preset {preset.name} is text-only: it has no vision tower to export")
        if self.components and not self.with_llm:
            self.stock_runner = False  # ExecuTorch's stock runners need the LLM
        self.check_speech(preset)

    def check_speech(self, preset: Preset) -> None:
        if self.speech_checkpoint is not None and self.backend == "mediatek":
            raise BadInput(
                "--speech-checkpoint: the MediaTek export writes the NPU programs only; "
                "export the speech component with --backend xnnpack"
            )
        if "speech" not in self.components:
            return
        if preset.speech is None and self.speech_checkpoint is None:
            raise BadInput(f"preset {preset.name} has no speech component: add --speech-checkpoint DIR")
        if not self.with_llm:
            raise BadInput("--components speech: the transcript is a question for the LLM; add llm")


def check_recipe_backend(recipe: Recipe, backend: str) -> None:
    """A recipe whose kernels the backend lacks is refused before any work starts."""
    if backend == "mediatek" and recipe.backend != "mediatek":
        raise BadInput(
            f"quant recipe {recipe.name!r}: the MediaTek NPU runs its own recipes; use --quant mtk-a16w4 "
            "(the default) or mtk-a16w8"
        )
    if recipe.is_float:
        return
    if recipe.backend == "mediatek" and backend != "mediatek":
        raise BadInput(
            f"quant recipe {recipe.name!r} is for the MediaTek NPU: export it with --backend mediatek "
            "--soc SOC, or measure it with `bluev quant-report`"
        )
    if recipe.backend == "mediatek":
        return
    if backend != "xnnpack":
        raise BadInput(f"quant recipe {recipe.name!r}: its 4/8-bit kernels are XNNPACK's; use --quant float")
    if recipe.llm_linear.kind == "4w":
        raise BadInput(
            f"quant recipe {recipe.name!r}: XNNPACK has no weight-only 4-bit linear; export "
            f"8da4w-g{recipe.llm_linear.group_size} instead (quant-report still measures 4w)"
        )
