"""The artifact writer: one directory of programs, tokenizer and manifest, swapped in whole.

Every backend's export (XNNPACK, Vulkan, portable, MediaTek) writes through an
`ArtifactWriter`: files go into a hidden staging folder next to ``--out``, the manifest
last, and the folder is renamed into place only when complete, so a failed or
interrupted export leaves the old directory as it was. Progress goes to stderr
(`Progress`); `summary_table` is what `bluev export` prints on stdout at the end.
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

from torch import nn
from torch.export import ExportedProgram
from transformers import PreTrainedTokenizerBase

from bluev.export.built_model import BuiltModel
from bluev.export.lower import Coverage, Lowered
from bluev.export.options import FIXED_VISION_BATCH, ExportOptions
from bluev.export.programs import vision_batch
from bluev.fileio import atomic_path, sha256_file, umask_mode
from bluev.runtime.layouts import plan_for
from bluev.runtime.manifest import (
    MANIFEST,
    Component,
    DimRange,
    ExportInfo,
    FileEntry,
    ImageInput,
    Llm,
    LlmMethods,
    Manifest,
    MethodSignature,
    Npu,
    SpecialTokens,
    Speech,
    StockRunner,
    TensorSpec,
    Vision,
    write_manifest,
)
from bluev.text_table import aligned

TOKENIZER_FILE = "tokenizer.json"


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

    @staticmethod
    def log(text: str) -> None:
        print(f"      {text}", file=sys.stderr, flush=True)


@dataclass
class ProgramResult:
    """One written program: what the manifest's component entry is made from."""

    name: str
    file: str
    bytes: int
    coverage: Coverage
    seconds: float
    methods: dict[str, MethodSignature] = field(default_factory=dict)
    backend: str | None = None  # None: the set's backend (the speech programs run on the CPU)
    data_file: str | None = None  # the program's .ptd, written beside it


class ArtifactWriter:
    """``with ArtifactWriter(out) as writer: ...; writer.commit(manifest)``."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.staging: Path | None = None

    def __enter__(self) -> ArtifactWriter:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=".part", dir=self.out.parent)
        self.staging = Path(staging)
        self.staging.chmod(umask_mode(directory=True))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)

    @property
    def folder(self) -> Path:
        assert self.staging is not None, "use ArtifactWriter as a context manager"
        return self.staging

    def program(
        self,
        name: str,
        lowered: Lowered,
        programs: dict[str, ExportedProgram],
        started: float,
    ) -> ProgramResult:
        """Write ``name``.pte (and its data file, if it has one); its methods' signatures come
        from the exported programs."""
        methods = {method: signature_of(ep) for method, ep in programs.items()}
        path = self.folder / f"{name}.pte"
        with atomic_path(path) as tmp:
            tmp.write_bytes(lowered.program)
        lowered.write_data(self.folder)  # inside the staging folder: complete or never seen
        return ProgramResult(
            name,
            path.name,
            len(lowered.program),
            lowered.coverage,
            time.monotonic() - started,
            methods,
            data_file=lowered.data_file,
        )

    def data_file(self, name: str, data: bytes) -> FileEntry:
        path = self.folder / name
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        return self.entry(name)

    def tokenizer(self, tokenizer: PreTrainedTokenizerBase, name: str = TOKENIZER_FILE) -> FileEntry:
        """The fast tokenizer's tokenizer.json (as ``name``), the one file every reader's tokenizer loads."""
        saved = self.folder / ".tokenizer"
        tokenizer.save_pretrained(saved)
        shutil.move(saved / TOKENIZER_FILE, self.folder / name)
        shutil.rmtree(saved)
        return self.entry(name)

    def entry(self, name: str) -> FileEntry:
        path = self.folder / name
        return FileEntry(file=name, sha256=sha256_file(path), bytes=path.stat().st_size)

    def component(self, result: ProgramResult, backend: str, quant: str, soc: str | None = None) -> Component:
        cov = result.coverage
        return Component(
            **vars(self.entry(result.file)),
            backend=backend,
            soc=soc,
            quant=quant,
            delegated_ops=cov.delegated,
            total_ops=cov.total,
            left_on_cpu=dict(cov.left_on_cpu or {}),
            export_seconds=round(result.seconds, 2),
            methods=result.methods,
            data=self.entry(result.data_file) if result.data_file is not None else None,
        )

    def commit(self, manifest: Manifest) -> None:
        """Write the manifest, then swap the finished folder in; the old one goes only after that."""
        write_manifest(self.folder, manifest)
        old = None
        if self.out.exists():
            old = self.out.with_name(f".{self.out.name}.old-{int(time.time())}")
            self.out.rename(old)
        self.folder.rename(self.out)
        self.staging = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def signature_of(ep: ExportedProgram) -> MethodSignature:
    """Input/output names, shapes and dtypes of an exported method; a dynamic dim is a DimRange."""
    ranges = {str(sym): rng for sym, rng in ep.range_constraints.items()}

    def dim(d: object) -> int | DimRange | str:
        if isinstance(d, int):
            return d
        rng = ranges.get(str(d.node.expr))
        return DimRange(min=int(rng.lower), max=int(rng.upper)) if rng is not None else str(d)

    def spec(node: object) -> TensorSpec:
        val = node.meta["val"]
        dtype = str(val.dtype).removeprefix("torch.")
        return TensorSpec(name=node.name, shape=[dim(d) for d in val.shape], dtype=dtype)

    user_inputs = set(ep.graph_signature.user_inputs)
    inputs = [spec(n) for n in ep.graph.nodes if n.op == "placeholder" and n.name in user_inputs]
    out_node = next(n for n in ep.graph.nodes if n.op == "output")
    outs = [a for a in out_node.args[0] if hasattr(a, "meta") and "val" in a.meta]
    n_user = len(ep.graph_signature.user_outputs)
    return MethodSignature(inputs=inputs, outputs=[spec(n) for n in outs[-n_user:]])


# --- the manifest -----------------------------------------------------------------------------


def assemble_manifest(
    model: BuiltModel,
    opts: ExportOptions,
    writer: ArtifactWriter,
    results: list[ProgramResult],
    build_seconds: float,
    npu: Npu | None = None,
    speech: Speech | None = None,
) -> Manifest:
    """The manifest of what ``writer`` holds (writes the tokenizer); ``npu``: the static layout's facts."""
    components = {
        r.name: writer.component(r, r.backend or opts.backend, opts.quant or "", opts.soc) for r in results
    }
    stock = components.pop("stock_runner", None)
    vision = vision_section(model, opts.backend, opts.vision_batch)
    for name, data in model.data_files.items() if vision is not None else ():
        writer.data_file(name, data)  # their entries (name, hash, size) are in the layout already
    return Manifest(
        preset=model.preset.name,
        description=model.preset.description,
        backend=opts.backend,
        source=model.source,
        components=components,
        tokenizer=writer.tokenizer(model.tokenizer),
        llm=llm_section(model, static=npu is not None),
        quantization=opts.recipe.to_manifest(),
        special_tokens=SpecialTokens(bos_id=model.bos_id, eos_ids=list(model.eos_ids)),
        chat_template=model.chat,
        vision=vision,
        layout=model.layout if vision is not None else None,
        stock_runner=stock_section(stock, model) if stock is not None else None,
        npu=npu,
        export=ExportInfo(build_seconds=round(build_seconds, 2), tools=tool_versions()),
        speech=speech,
    )


def llm_section(model: BuiltModel, static: bool = False) -> Llm | None:
    """None for vision-only artifacts (``--components vision``), which the runtime cannot answer with."""
    if model.llm is None:
        return None
    args = model.llm.args
    if static:  # the NPU programs take embeddings from the runner's own table (manifest "npu")
        methods = LlmMethods(embed=None, prefill="prefill", decode="decode")
    else:  # decode is the prefill method with one embedding
        methods = LlmMethods(embed="token_embedding", prefill="prefill", decode="prefill")
    return Llm(
        vocab_size=args.vocab_size,
        dim=args.dim,
        n_layers=args.n_layers,
        n_heads=args.n_heads,
        n_kv_heads=args.n_kv_heads,
        hidden_dim=args.hidden_dim,
        tie_embeddings=args.tie_embeddings,
        params=args.param_count(),
        max_seq_len=args.max_seq_len,
        chunk_size=model.preset.chunk_size,
        layout="static" if static else "dynamic",
        methods=methods,
        kv_cache=args.kv_cache,
    )


def vision_section(model: BuiltModel, backend: str, requested_batch: int = 0) -> Vision | None:
    """``requested_batch``: `--vision-batch` (0: ``backend``'s default)."""
    if model.tower is None or model.tiler is None:
        return None
    shape = tower_shape(model.tower)
    return Vision(
        # the candidate grids written out, so that no reader needs the enumeration rule
        tiler=replace(model.tiler, grids=tuple(model.tiler.candidate_grids())),
        image_size=shape.image_size,
        patch_size=shape.patch_size,
        patches_per_tile=shape.patches,
        width=shape.width,
        mlp_width=shape.mlp_width,
        layers=shape.layers,
        # SmolVLM's global image and InternVL's thumbnail come after the tiles
        thumbnail_first=model.layout is None or model.layout.kind not in ("idefics3", "internvl"),
        normalize=model.normalize,
        max_batch=vision_batch(model.tiler.max_tiles, requested_batch, backend),
        fixed_batch=FIXED_VISION_BATCH.get(backend, False),
    )


@dataclass(frozen=True)
class TowerShape:
    image_size: int
    patch_size: int
    patches: int  # per tile
    width: int
    mlp_width: int
    layers: int


def tower_shape(tower: nn.Module) -> TowerShape:
    """The sizes of any of our towers (SigLIP's, Idefics3's, InternViT's): each has a square
    ``image_size``, a ``PatchEmbed`` as ``patches`` and its layers, with an ``mlp.fc1``."""
    patch = tower.patches.patch_size
    return TowerShape(
        image_size=tower.image_size,
        patch_size=patch,
        patches=(tower.image_size // patch) ** 2,
        width=tower.patches.proj.out_features,
        mlp_width=tower.layers[0].mlp.fc1.out_features,
        layers=len(tower.layers),
    )


def stock_section(stock: Component, model: BuiltModel) -> StockRunner:
    multimodal = "vision_encoder" in stock.methods
    size = model.tower.image_size if model.tower is not None else 0
    return StockRunner(
        **vars(stock),
        runner="MultimodalRunner" if multimodal else "TextLLMRunner",
        example_prompt=model.chat.prefix + model.preset.example_prompt + model.chat.suffix,
        image_input=ImageInput(shape=[1, 3, size, size], dtype="uint8") if multimodal else None,
    )


def tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in ("bluev", "torch", "executorch", "torchao", "transformers", "tokenizers"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def summary_table(manifest: Manifest, total_seconds: float) -> str:
    """One row per program: file, size, delegated ops, seconds; then what was exported."""
    rows = [("component", "file", "MB", "delegated/total ops", "seconds")]
    entries = dict(manifest.components)
    if manifest.stock_runner is not None:
        entries["stock_runner"] = manifest.stock_runner
    for name, c in entries.items():
        ops = f"{c.delegated_ops}/{c.total_ops}"
        rows.append((name, c.file, f"{c.bytes / 1e6:.1f}", ops, f"{c.export_seconds:.1f}"))
        if c.data is not None:  # its data file, written with it
            rows.append((f"{name} data", c.data.file, f"{c.data.bytes / 1e6:.1f}", "", ""))
    lines = aligned(rows)
    backend = manifest.backend + (f" ({manifest.npu.soc})" if manifest.npu else "")
    quants = "/".join(sorted({c.quant for c in manifest.components.values()}))
    lines.append(f"preset {manifest.preset}, backend {backend}, quant {quants}, total {total_seconds:.1f}s")
    if manifest.layout is not None and manifest.vision is not None:
        lines.append(layout_line(manifest))
    return "\n".join(lines)


SUMMARY_PICTURE = (1920, 1080)


def layout_line(manifest: Manifest) -> str:
    """The family recognised, its tiler, and what a full-HD picture costs in LLM tokens."""
    layout, tiler = manifest.layout, manifest.vision.tiler
    assert layout is not None
    own = "the family's own" if layout.tiler == "family" else "--tiler relaxed, not the family's own"
    plan = plan_for(manifest, *SUMMARY_PICTURE)
    m, n = plan.grid
    thumb = " + thumbnail" if plan.images_to_encode > m * n else ""
    width, height = SUMMARY_PICTURE
    # the plan's policy: a family whose grid follows its resize names that rule, not the tiler's
    policy = plan.summary().get("policy", tiler.policy)
    return (
        f"family {layout.family} (layout {layout.kind}), tiler {policy} ({own}); "
        f"a {width}x{height} picture: grid {m}:{n}{thumb}, {plan.image_tokens} image tokens"
    )


def destination_problem(out: Path, preset: str, force: bool) -> str | None:
    """Why ``out`` may not be replaced (another preset's artifacts without --force, or a folder
    that is not an artifact directory), or None."""
    if not out.exists():
        return None
    if not out.is_dir():
        return f"{out}: exists and is not a directory"
    manifest = out / MANIFEST
    if manifest.is_file():
        old = read_preset_name(manifest)
        if old != preset and not force:
            return f"{out}: holds artifacts of preset {old!r}; use --force to replace them with {preset!r}"
        return None
    if any(out.iterdir()):
        return f"{out}: not empty and not a bluev artifact directory (no {MANIFEST}); refusing to replace"
    return None


def read_preset_name(manifest: Path) -> str | None:
    """The preset an existing manifest names, of any format version (it is about to be replaced)."""
    try:
        data = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return None
    return data.get("preset") if isinstance(data, dict) else None
