"""The manifest's ``speech`` section: front end, decoding rules and shape of a Whisper model.

Everything a reader needs to turn a WAV file into the transcript the checkpoint's own
`WhisperFeatureExtractor` and `generate` would give, with no model code: the log-mel recipe
and its filter bank (a data file), the decoder's start tokens, the language-detection slot,
the suppressed tokens and the length limit.
"""

from __future__ import annotations

import numpy as np
from transformers import GenerationConfig, PretrainedConfig, WhisperFeatureExtractor

from bluev.errors import BadInput
from bluev.export.speech.checkpoint import SpeechModel
from bluev.export.writer import ArtifactWriter
from bluev.runtime.manifest import (
    EmbeddingScheme,
    LinearScheme,
    LogMel,
    MelFilters,
    Speech,
    SpeechDecoding,
    SpeechMethods,
)

SPEECH_TOKENIZER = "speech_tokenizer.json"
MEL_FILTERS = "mel_filters.bin"
ENCODER, DECODER = "speech_encoder", "speech_decoder"
METHODS = SpeechMethods(encode="forward", cross_attention="cross_attention", decode="decode")


def speech_section(
    model: SpeechModel, writer: ArtifactWriter, linear: LinearScheme, embedding: EmbeddingScheme
) -> Speech:
    """Writes the speech tokenizer and the filter bank into the artifact set; the section."""
    config = model.hf.config
    return Speech(
        model_type=config.model_type,
        source=model.source,
        encoder=ENCODER,
        decoder=DECODER,
        methods=METHODS,
        d_model=config.d_model,
        encoder_layers=config.encoder_layers,
        decoder_layers=config.decoder_layers,
        heads=config.decoder_attention_heads,
        vocab_size=config.vocab_size,
        positions=config.max_source_positions,
        max_target_positions=config.max_target_positions,
        params=sum(p.numel() for p in model.hf.parameters()),
        linear=linear,
        embedding=embedding,
        features=log_mel_section(model.features, writer),
        decoding=decoding_section(model.generation, config),
        tokenizer=writer.tokenizer(model.tokenizer, SPEECH_TOKENIZER),
    )


def log_mel_section(fe: WhisperFeatureExtractor, writer: ArtifactWriter) -> LogMel:
    """The extractor's parameters; its filter bank as float32, the precision it computes in."""
    filters = np.ascontiguousarray(fe.mel_filters, dtype="<f4")
    entry = writer.data_file(MEL_FILTERS, filters.tobytes())
    return LogMel(
        sampling_rate=fe.sampling_rate,
        n_fft=fe.n_fft,
        hop_length=fe.hop_length,
        n_mels=fe.feature_size,
        chunk_length=fe.chunk_length,
        n_samples=fe.n_samples,
        frames=fe.nb_max_frames,
        window="hann-periodic",
        log_floor=1e-10,
        dynamic_range=8.0,
        offset=4.0,
        scale=4.0,
        filters=MelFilters(
            **vars(entry),
            shape=list(filters.shape),
            dtype="float32",
            # WhisperFeatureExtractor's own construction (feature_extraction_whisper.py)
            norm="slaney",
            mel_scale="slaney",
            min_frequency=0.0,
            max_frequency=8000.0,
        ),
    )


def decoding_section(generation: GenerationConfig, config: PretrainedConfig) -> SpeechDecoding:
    prompt, language_index = whisper_prompt(generation, config)
    eos = generation.eos_token_id
    eos = eos[0] if isinstance(eos, list) else eos
    max_length = min(generation.max_length or config.max_target_positions, config.max_target_positions)
    return SpeechDecoding(
        prompt_ids=prompt,
        language_index=language_index,
        language_ids=dict(getattr(generation, "lang_to_id", None) or {})
        if language_index is not None
        else {},
        eos_id=int(eos),
        suppress_ids=sorted(generation.suppress_tokens or []),
        begin_suppress_ids=sorted(generation.begin_suppress_tokens or []),
        max_length=max_length,
    )


def whisper_prompt(generation: GenerationConfig, config: PretrainedConfig) -> tuple[list[int], int | None]:
    """The decoder's start tokens as `generate` builds them for one short clip, no timestamps.

    Follows WhisperGenerationMixin._retrieve_init_tokens (transformers 5) for the settings a
    checkpoint ships: ``language`` / ``task`` if its generation config sets them, else its
    ``forced_decoder_ids``; a language left open is detected (returned as its index, with a
    placeholder id there); <|notimestamps|> last.
    """
    prompt: list[int | None] = [generation.decoder_start_token_id]
    language, task = getattr(generation, "language", None), getattr(generation, "task", None)
    lang_to_id = getattr(generation, "lang_to_id", None) or {}
    task_to_id = getattr(generation, "task_to_id", None) or {}
    if language is None and task is None:
        forced = getattr(generation, "forced_decoder_ids", None)
        forced = forced or getattr(config, "forced_decoder_ids", None)
        for index, (position, token) in enumerate(forced or []):
            if position != index + 1:
                raise BadInput(f"forced_decoder_ids {forced}: not Whisper's prompt pattern (1, 2, ...)")
            prompt.append(token)
    language_index = None
    if language is not None:
        code = language.lower() if language.startswith("<|") else f"<|{language.lower()}|>"
        if code not in lang_to_id:
            raise BadInput(f"generation_config.json: language {language!r} is not in its lang_to_id")
        set_at(prompt, 1, lang_to_id[code])
    elif lang_to_id and (len(prompt) <= 1 or prompt[1] is None):
        language_index = 1  # detected from the first step's logits
        set_at(prompt, 1, generation.decoder_start_token_id)  # a placeholder, replaced at run time
    if task is not None:
        ids = [t for t in prompt if t not in task_to_id.values()]
        prompt = [*ids, task_to_id[task]]
    elif language is not None and task_to_id and not any(t in task_to_id.values() for t in prompt):
        prompt.append(task_to_id["transcribe"])
    no_timestamps = getattr(generation, "no_timestamps_token_id", None)
    if no_timestamps is not None and prompt[-1] != no_timestamps:
        prompt.append(no_timestamps)
    return [int(t) for t in prompt if t is not None], language_index


def set_at(prompt: list[int | None], index: int, token: int) -> None:
    if len(prompt) > index:
        prompt[index] = token
    else:
        prompt.append(token)
