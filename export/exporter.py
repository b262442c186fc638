"""`bluev export`: preset -> per-component .pte files, tokenizer and manifest, written atomically."""

from __future__ import annotations

import gc
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from bluev.errors import BadInput
from bluev.export import manifest as mf
from bluev.export.lower import Coverage, lower
from bluev.export.manifest import tensor_spec
from bluev.export.presets import BuiltModel, Preset, build, get_preset
from bluev.export.programs import (
    FIXED_VISION_BATCH,
    llm_programs,
    projector_programs,
    runner_metadata,
    stock_multimodal_programs,
    stock_text_programs,
    vision_programs,
)
from bluev.fileio import umask_mode
from bluev.quant.recipes import Recipe, check_llm_shape, parse_recipe


@dataclass
class ExportOptions:
    preset: str
    out: Path
    checkpoint: Path | None = None
    backend: str = "xnnpack"
    quant: str | None = None  # None: the backend's default recipe (DEFAULT_QUANT)
    force: bool = False
    stock_runner: bool = True
    soc: str | None = None  # MediaTek SoC (platform-config), only with backend mediatek
    # () = everything the preset has; ("vision",) = vision_encoder + projector only, for
    # measuring a big preset's ViT without building its LLM (such artifacts cannot answer)
    components: tuple[str, ...] = ()

    @property
    def with_llm(self) -> bool:
        return not self.components or "llm" in self.components


# XNNPACK: the paper's 4-bit recipe; Vulkan: float (the recipes' 4/8-bit kernels are XNNPACK's);
# MediaTek: the paper's NPU precision, 16-bit activations and 4-bit LLM weights.
DEFAULT_QUANT = {"xnnpack": "default", "portable": "default", "vulkan": "float", "mediatek": "mtk-a16w4"}


@dataclass
class ComponentResult:
    name: str
    file: str
    bytes: int
    coverage: Coverage
    seconds: float
    methods: dict = field(default_factory=dict)


class Progress:
    """Step lines on stderr with elapsed time; stdout is kept for the summary."""

    def __init__(self, steps: int) -> None:
        self.steps, self.done, self.t0 = steps, 0, time.monotonic()

    def step(self, text: str) -> float:
        self.done += 1
        print(f"[{self.done}/{self.steps}] {text} ...", file=sys.stderr, flush=True)
        return time.monotonic()

    def finish(self, started: float, note: str = "") -> float:
        took = time.monotonic() - started
        print(f"      done in {took:.1f}s{note}", file=sys.stderr, flush=True)
        return took


def check_options(opts: ExportOptions) -> tuple[Preset, Recipe]:
    from bluev.export.mediatek import check_preset, check_soc

    preset = get_preset(opts.preset)
    check_soc(opts.backend, opts.soc)
    if opts.backend == "mediatek":
        check_preset(preset)
    recipe = parse_recipe(opts.quant or DEFAULT_QUANT.get(opts.backend, "default"))
    check_recipe_backend(recipe, opts.backend)
    check_components(opts, preset)
    if preset.llm is not None and opts.with_llm:  # shapes known before building: refuse before any work
        check_llm_shape(recipe, preset.llm.dim, preset.llm.hidden_dim)
    if preset.source == "hf-checkpoint":
        from bluev.export.hf_checkpoint import check_checkpoint

        if opts.checkpoint is None:
            raise BadInput("preset hf needs --checkpoint DIR (a local LLaVA-family checkpoint)")
        check_checkpoint(opts.checkpoint)
    elif opts.checkpoint is not None:
        raise BadInput(f"preset {preset.name} has built-in weights: --checkpoint is only for preset hf")
    check_destination(opts.out, preset.name, opts.force)
    return preset, recipe


EXPORT_COMPONENTS = ("llm", "vision")


def check_components(opts: ExportOptions, preset: Preset) -> None:
    unknown = [c for c in opts.components if c not in EXPORT_COMPONENTS]
    if unknown:
        raise BadInput(f"component {unknown[0]!r}: unknown, choose from {', '.join(EXPORT_COMPONENTS)}")
    if opts.components and opts.backend == "mediatek":
        raise BadInput("--components: the MediaTek export builds every program; leave it out")
    if "vision" in opts.components and not preset.multimodal:
        raise BadInput(f"preset {preset.name} is text-only: it has no vision tower to export")
    if opts.components and not opts.with_llm:
        opts.stock_runner = False  # ExecuTorch's stock runners need the LLM


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


def check_destination(out: Path, preset: str, force: bool) -> None:
    """Refuse to clobber another preset's artifacts (without --force) or a non-artifact folder."""
    if not out.exists():
        return
    if not out.is_dir():
        raise BadInput(f"{out}: exists and is not a directory")
    manifest = out / mf.MANIFEST
    if manifest.is_file():
        import json

        try:
            old = json.loads(manifest.read_text()).get("preset")
        except (OSError, ValueError):
            old = None
        if old != preset and not force:
            raise BadInput(
                f"{out}: holds artifacts of preset {old!r}; use --force to replace them with {preset!r}"
            )
    elif any(out.iterdir()):
        raise BadInput(
            f"{out}: not empty and not a bluev artifact directory (no {mf.MANIFEST}); refusing to replace"
        )


def export(opts: ExportOptions) -> dict:
    preset, recipe = check_options(opts)
    opts = replace(opts, quant=recipe.name)
    if opts.backend == "mediatek":
        from bluev.export.mediatek import export_mediatek

        return export_mediatek(replace(opts, stock_runner=False), preset, recipe)
    with_vision = preset.multimodal and (not opts.components or "vision" in opts.components)
    steps = 3 + 2 * with_vision - (not opts.with_llm) + int(opts.stock_runner)
    progress = Progress(steps=steps)
    started = progress.step(f"building preset {preset.name} ({preset.description})")
    model = build(preset, opts.checkpoint, with_llm=opts.with_llm)
    build_seconds = progress.finish(started)
    # The HF module shares its float weights with ours; once quantization swaps ours, only
    # this reference would keep them (11 GB for bluelm-v-3b, which ran out of memory).
    model.hf_llm = None
    if not with_vision:
        model.tower = model.projector = None
    if model.llm is not None:
        # fewer ops per layer; the fused rows quantize exactly as the separate ones did
        model.llm.fuse_qkv()
        model.llm.fuse_gate_up()
    quantize_model(model, recipe)
    gc.collect()  # the swapped-out float linears

    opts.out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{opts.out.name}.", suffix=".part", dir=opts.out.parent))
    staging.chmod(umask_mode(directory=True))
    try:
        results = export_components(model, opts, staging, progress)
        started = progress.step("writing tokenizer and manifest")
        manifest = assemble_manifest(model, opts, recipe, staging, results, build_seconds)
        progress.finish(started)
        replace_dir(staging, opts.out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def quantize_model(model: BuiltModel, recipe: Recipe) -> None:
    """Apply the recipe to the eager modules in place (every program then exports quantized)."""
    if recipe.is_float:
        return
    from bluev.quant.apply import check_model_widths, quantize_llm_, quantize_vision_

    started = time.monotonic()
    if model.llm is not None:
        check_model_widths(recipe, model.llm)
        quantize_llm_(model.llm, recipe)
    quantize_vision_(model.tower, model.projector, recipe)
    print(
        f"      quantized ({recipe.name}) in {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True
    )


def export_components(model: BuiltModel, opts: ExportOptions, out: Path, progress: Progress) -> list:
    preset, results = model.preset, []
    if model.tower is not None and model.projector is not None and model.tiler is not None:
        max_batch = model.tiler.max_tiles + 1
        fixed = FIXED_VISION_BATCH.get(opts.backend, False)
        started = progress.step(
            f"exporting vision_encoder.pte ({'a fixed batch of' if fixed else 'up to'} {max_batch} tiles)"
        )
        programs = vision_programs(model.tower, max_batch, fixed)
        results.append(write_program(out, "vision_encoder", programs, opts.backend, started))
        progress.finish(started, f", {results[-1].coverage.text()} ops delegated")

        started = progress.step("exporting projector.pte (2x2 downsampler + MLP)")
        width = model.tower.embeddings.config.hidden_size
        patches = model.tower.embeddings.num_patches
        programs = projector_programs(model.projector, patches, width, max_batch, fixed)
        results.append(write_program(out, "projector", programs, opts.backend, started))
        progress.finish(started, f", {results[-1].coverage.text()} ops delegated")
    if model.llm is None:
        return results

    started = progress.step("exporting llm.pte (token_embedding, prefill/decode; static KV cache)")
    programs = llm_programs(model.llm, preset.chunk_size)
    meta = runner_metadata(model.llm, preset.chunk_size, model.bos_id, model.eos_ids)
    results.append(write_program(out, "llm", programs, opts.backend, started, meta))
    progress.finish(started, f", {results[-1].coverage.text()} ops delegated")

    if opts.stock_runner:
        started = progress.step("exporting stock_runner.pte (ExecuTorch's stock LLM runners)")
        if model.tower is not None and model.projector is not None:
            size = model.tower.embeddings.config.image_size
            programs = stock_multimodal_programs(model.llm, model.tower, model.projector, size)
        else:
            programs = stock_text_programs(model.llm)
        meta = runner_metadata(model.llm, model.llm.args.max_seq_len - 1, model.bos_id, model.eos_ids)
        results.append(write_program(out, "stock_runner", programs, opts.backend, started, meta))
        progress.finish(started, f", {results[-1].coverage.text()} ops delegated")
    return results


def write_program(
    out: Path, name: str, programs: dict, backend: str, started: float, meta: dict | None = None
) -> ComponentResult:
    from bluev.fileio import atomic_path

    methods = {method: signature_of(ep) for method, ep in programs.items()}
    buffer, coverage = lower(
        programs, backend, constant_methods=meta, share_mutable_buffers=name != "projector"
    )
    path = out / f"{name}.pte"
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer)
    return ComponentResult(name, path.name, len(buffer), coverage, time.monotonic() - started, methods)


def signature_of(ep) -> dict:  # noqa: ANN001  (ExportedProgram)
    """Input/output names, shapes and dtypes of an exported method; a dynamic dim is {"min", "max"}."""
    ranges = {str(sym): rng for sym, rng in ep.range_constraints.items()}

    def dim(d) -> int | dict:  # noqa: ANN001
        if isinstance(d, int):
            return d
        rng = ranges.get(str(d.node.expr))
        return {"min": int(rng.lower), "max": int(rng.upper)} if rng is not None else str(d)

    def spec(node) -> dict:  # noqa: ANN001
        val = node.meta["val"]
        return tensor_spec(node.name, [dim(d) for d in val.shape], str(val.dtype).removeprefix("torch."))

    user_inputs = set(ep.graph_signature.user_inputs)
    inputs = [spec(n) for n in ep.graph.nodes if n.op == "placeholder" and n.name in user_inputs]
    out_node = next(n for n in ep.graph.nodes if n.op == "output")
    outs = [a for a in out_node.args[0] if hasattr(a, "meta") and "val" in a.meta]
    n_user = len(ep.graph_signature.user_outputs)
    return {"inputs": inputs, "outputs": [spec(n) for n in outs[-n_user:]]}


def assemble_manifest(
    model: BuiltModel,
    opts: ExportOptions,
    recipe: Recipe,
    out: Path,
    results: list[ComponentResult],
    build_seconds: float,
    npu: dict | None = None,
) -> dict:
    """The manifest; ``npu`` (MediaTek) adds what the NPU runner needs and its own LLM methods."""
    preset = model.preset
    model.tokenizer.save_pretrained(out / ".tokenizer")
    shutil.move(out / ".tokenizer" / "tokenizer.json", out / "tokenizer.json")
    shutil.rmtree(out / ".tokenizer")
    components = {
        r.name: {
            "file": r.file,
            "sha256": mf.sha256_file(out / r.file),
            "bytes": r.bytes,
            "backend": opts.backend,
            **({"soc": opts.soc} if opts.soc else {}),
            "quant": opts.quant,
            "delegated_ops": r.coverage.delegated,
            "total_ops": r.coverage.total,
            "left_on_cpu": r.coverage.left_on_cpu,
            "export_seconds": round(r.seconds, 2),
            "methods": r.methods,
        }
        for r in results
    }
    stock = components.pop("stock_runner", None)
    manifest = {
        "format": mf.FORMAT,
        "format_version": mf.FORMAT_VERSION,
        "preset": preset.name,
        "description": preset.description,
        "backend": opts.backend,
        "source": source_info(model, opts),
        "components": components,
        "tokenizer": {"file": "tokenizer.json", "sha256": mf.sha256_file(out / "tokenizer.json")},
        "llm": llm_info(model, npu),
        "quantization": recipe.to_dict(),
        "special_tokens": {"bos_id": model.bos_id, "eos_ids": model.eos_ids},
        "chat_template": {
            "prefix": model.chat.prefix,
            "suffix": model.chat.suffix,
            "image_position": model.chat.image_position,
        },
        "vision": vision_info(model, opts.backend),
        "stock_runner": None,
        **({"npu": npu} if npu else {}),
        "export": {"build_seconds": round(build_seconds, 2), "tools": mf.tool_versions()},
    }
    if stock is not None:
        multimodal = "vision_encoder" in stock["methods"]
        manifest["stock_runner"] = {
            **stock,
            "program": stock["file"],
            "runner": "MultimodalRunner" if multimodal else "TextLLMRunner",
            "tokenizer": "tokenizer.json",
            "example_prompt": model.chat.prefix + preset.example_prompt + model.chat.suffix,
            "image_input": {"shape": [1, 3, 384, 384], "dtype": "uint8"} if multimodal else None,
        }
    mf.write_manifest(out, manifest)
    return manifest


def llm_info(model: BuiltModel, npu: dict | None = None) -> dict | None:
    """None for vision-only artifacts (``--components vision``), which the runtime cannot answer with."""
    if model.llm is None:
        return None
    args = model.llm.args
    return {
        "vocab_size": args.vocab_size,
        "dim": args.dim,
        "n_layers": args.n_layers,
        "n_heads": args.n_heads,
        "n_kv_heads": args.n_kv_heads,
        "params": args.param_count(),
        "max_seq_len": args.max_seq_len,
        "chunk_size": model.preset.chunk_size,
        # the NPU programs take embeddings from the runner's own table (manifest "npu")
        "methods": {"embed": None, "prefill": "prefill", "decode": "decode"}
        if npu
        else {"embed": "token_embedding", "prefill": "prefill", "decode": "prefill"},
    }


def vision_info(model: BuiltModel, backend: str = "xnnpack") -> dict | None:
    if model.tower is None or model.tiler is None:
        return None
    emb = model.tower.embeddings
    return {
        "tiler": model.tiler.to_dict(),
        "image_size": emb.config.image_size,
        "patch_size": emb.config.patch_size,
        "patches_per_tile": emb.num_patches,
        "width": emb.config.hidden_size,
        "tokens_per_tile": model.tiler.tokens_per_tile,
        "thumbnail_first": True,
        "normalize": {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]},
        "max_batch": model.tiler.max_tiles + 1,
        # vulkan/mediatek: the programs take exactly max_batch tiles; the runner pads with zero tiles
        "fixed_batch": FIXED_VISION_BATCH.get(backend, backend == "mediatek"),
    }


def source_info(model: BuiltModel, opts: ExportOptions) -> dict:
    info = dict(model.source)
    if opts.checkpoint is not None:
        files = [p for p in Path(opts.checkpoint).iterdir() if p.is_file()]
        info.update(checkpoint=str(opts.checkpoint), sha256=mf.sha256_tree(files))
    elif info.get("kind") == "gguf":
        from bluev.export.presets import SMOLLM2_GGUF, smollm2_dir

        info["sha256"] = mf.sha256_file(smollm2_dir() / SMOLLM2_GGUF)
    return info


def replace_dir(staging: Path, out: Path) -> None:
    """Swap the finished staging folder into place; the old one goes only after that."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{int(time.time())}")
        out.rename(old)
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def summary_table(manifest: dict, total_seconds: float) -> str:
    rows = [("component", "file", "MB", "delegated/total ops", "seconds")]
    entries = dict(manifest["components"])
    if manifest.get("stock_runner"):
        entries["stock_runner"] = manifest["stock_runner"]
    for name, c in entries.items():
        rows.append(
            (
                name,
                c["file"],
                f"{c['bytes'] / 1e6:.1f}",
                f"{c['delegated_ops']}/{c['total_ops']}",
                f"{c['export_seconds']:.1f}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    quant = {c["quant"] for c in manifest["components"].values()}
    backend = manifest.get("backend", "xnnpack") + (
        f" ({manifest['npu']['soc']})" if manifest.get("npu") else ""
    )
    quants = "/".join(sorted(quant))
    lines.append(
        f"preset {manifest['preset']}, backend {backend}, quant {quants}, total {total_seconds:.1f}s"
    )
    return "\n".join(lines)
