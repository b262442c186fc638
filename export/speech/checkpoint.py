"""The speech component's eager model: a local Whisper checkpoint, or random weights (tiny).

A checkpoint is read with transformers' own classes (`WhisperForConditionalGeneration`,
`WhisperFeatureExtractor`, `AutoTokenizer`, its `generation_config.json`) from safetensors
only, never with remote code. The random model has Whisper's layout and prompt tokens on
SmolLM2's byte-level vocabulary (a GPT-2-style BPE, as Whisper's is) with Whisper's special
tokens added, so its decoding rules (language detection, task token, suppressed tokens) are
the real ones; `save_random_speech` writes it as a checkpoint directory for the tests and for
`tools/make_speech_checkpoint.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import (
    AutoTokenizer,
    GenerationConfig,
    PreTrainedTokenizerBase,
    WhisperConfig,
    WhisperFeatureExtractor,
    WhisperForConditionalGeneration,
)
from transformers.models.whisper.tokenization_whisper import LANGUAGES

from bluev.errors import BadInput
from bluev.export.builders import load_smollm2_tokenizer
from bluev.export.hf_checkpoint import sha256_tree
from bluev.export.presets import SpeechSpec
from bluev.runtime.manifest import Source

SPEECH_MODEL_TYPES = ("whisper",)
START = "<|startoftranscript|>"
TASKS = ("<|translate|>", "<|transcribe|>")
OTHER_SPECIALS = ("<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>")
# Whisper's "non-speech" symbols, suppressed at every step (openai/whisper's suppress_tokens="-1")
SYMBOLS = '"#()*+/:;<=>@[\\]^_`{|}~'


@dataclass
class SpeechModel:
    """A Whisper model with the pieces a transcription needs besides the weights."""

    hf: WhisperForConditionalGeneration
    features: WhisperFeatureExtractor
    tokenizer: PreTrainedTokenizerBase
    generation: GenerationConfig
    source: Source


def check_speech_checkpoint(path: Path) -> None:
    """Refuse what we cannot load safely, or cannot run, before transformers touches it."""
    if not path.is_dir():
        raise BadInput(f"{path}: no such speech checkpoint directory")
    config_path = path / "config.json"
    if not config_path.is_file():
        raise BadInput(f"{config_path}: missing; not a Hugging Face checkpoint directory")
    if not list(path.glob("*.safetensors")):
        pickles = [p.name for p in path.glob("*.bin")] + [p.name for p in path.glob("*.pt")]
        why = f"only pickled weights ({', '.join(pickles)})" if pickles else "no *.safetensors files"
        raise BadInput(f"{path}: {why}; bluev loads safetensors checkpoints only")
    try:
        kind = json.loads(config_path.read_text()).get("model_type")
    except (ValueError, AttributeError) as exc:
        raise BadInput(f"{config_path}: unreadable JSON ({exc})") from None
    if kind not in SPEECH_MODEL_TYPES:
        raise BadInput(f"{config_path}: model_type {kind!r}; --speech-checkpoint takes a Whisper checkpoint")
    for needed, what in (("preprocessor_config.json", "feature extractor"), ("tokenizer.json", "tokenizer")):
        if not (path / needed).is_file():
            raise BadInput(f"{path / needed}: missing; the speech component needs the checkpoint's {what}")


def load_speech_checkpoint(path: Path) -> SpeechModel:
    path = Path(path)
    check_speech_checkpoint(path)
    hf = WhisperForConditionalGeneration.from_pretrained(
        path, use_safetensors=True, dtype=torch.float32, attn_implementation="eager"
    ).eval()
    features = WhisperFeatureExtractor.from_pretrained(path)
    if features.dither:  # random noise added to the audio: no reader could match it
        raise BadInput(f"{path / 'preprocessor_config.json'}: dither {features.dither}; only 0 is supported")
    source = Source(
        kind="hf-checkpoint", checkpoint=str(path), model_type="whisper", sha256=sha256_tree(path)
    )
    return SpeechModel(hf, features, AutoTokenizer.from_pretrained(path), hf.generation_config, source)


# --- random weights ---------------------------------------------------------------------------


def whisper_tokenizer() -> PreTrainedTokenizerBase:
    """SmolLM2's vocabulary plus Whisper's special tokens, in Whisper's order."""
    tokenizer = load_smollm2_tokenizer()
    languages = [f"<|{code}|>" for code in LANGUAGES]
    tokenizer.add_tokens([START, *languages, *TASKS, *OTHER_SPECIALS], special_tokens=True)
    return tokenizer


def whisper_generation_config(tokenizer: PreTrainedTokenizerBase, max_length: int) -> GenerationConfig:
    """What openai/whisper-* checkpoints ship in generation_config.json, on this vocabulary."""
    ids = tokenizer.convert_tokens_to_ids
    eos = ids("<|endoftext|>")
    specials = [ids(t) for t in (*TASKS, *OTHER_SPECIALS[:3])]
    return GenerationConfig(
        decoder_start_token_id=ids(START),
        bos_token_id=eos,
        eos_token_id=eos,
        pad_token_id=eos,
        max_length=max_length,
        is_multilingual=True,
        lang_to_id={f"<|{code}|>": ids(f"<|{code}|>") for code in LANGUAGES},
        task_to_id={"translate": ids(TASKS[0]), "transcribe": ids(TASKS[1])},
        no_timestamps_token_id=ids("<|notimestamps|>"),
        # no language: detected; the task: transcribe (as whisper-tiny's forced_decoder_ids)
        forced_decoder_ids=[[1, None], [2, ids(TASKS[1])]],
        suppress_tokens=sorted({ids(c) for c in SYMBOLS} | set(specials)),
        begin_suppress_tokens=[ids("Ġ"), eos],  # a leading space, or nothing at all
    )


def random_speech(spec: SpeechSpec, seed: int = 0) -> SpeechModel:
    """A Whisper model with random weights of ``spec``'s shape and the standard front end."""
    tokenizer = whisper_tokenizer()
    generation = whisper_generation_config(tokenizer, spec.max_target_positions)
    config = WhisperConfig(
        vocab_size=len(tokenizer),
        num_mel_bins=spec.n_mels,
        d_model=spec.d_model,
        encoder_layers=spec.encoder_layers,
        decoder_layers=spec.decoder_layers,
        encoder_attention_heads=spec.heads,
        decoder_attention_heads=spec.heads,
        encoder_ffn_dim=spec.ffn_dim,
        decoder_ffn_dim=spec.ffn_dim,
        max_source_positions=spec.max_source_positions,
        max_target_positions=spec.max_target_positions,
        decoder_start_token_id=generation.decoder_start_token_id,
        bos_token_id=generation.bos_token_id,
        eos_token_id=generation.eos_token_id,
        pad_token_id=generation.pad_token_id,
        attn_implementation="eager",
    )
    torch.manual_seed(seed)
    hf = WhisperForConditionalGeneration(config).eval()
    hf.generation_config = generation
    # 10 ms frames; the encoder's two convolutions (stride 1, then 2) take 2 frames per position
    chunk_seconds = spec.max_source_positions * 2 // 100
    features = WhisperFeatureExtractor(feature_size=spec.n_mels, chunk_length=chunk_seconds)
    return SpeechModel(hf, features, tokenizer, generation, Source(kind="random", seed=seed))


def save_random_speech(spec: SpeechSpec, out: Path, seed: int = 0) -> Path:
    """A random Whisper checkpoint directory, saved by transformers (safetensors)."""
    model = random_speech(spec, seed)
    out.mkdir(parents=True, exist_ok=True)
    model.hf.save_pretrained(out)
    model.features.save_pretrained(out)
    model.tokenizer.save_pretrained(out)
    return out
