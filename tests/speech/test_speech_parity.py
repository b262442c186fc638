"""espeak-ng's spoken question -> our log-mel -> the exported programs' transcript, against transformers.

The float set is exported from a Whisper checkpoint that transformers saved (`--speech-checkpoint`);
the default (8-bit) set holds the tiny preset's own random speech component.
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

from bluev.export.presets import TINY_SPEECH
from bluev.export.speech.checkpoint import random_speech
from bluev.export.speech.export import RANDOM_SPEECH_SEED
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.audio import load_audio, log_mel
from bluev.runtime.speech import Transcriber


def test_log_mel_equals_the_feature_extractor(speech_float_artifacts, speech_checkpoint, spoken_question):
    art = open_artifacts(speech_float_artifacts)
    spec = art.manifest.speech.features
    extractor = WhisperFeatureExtractor.from_pretrained(speech_checkpoint)
    samples = load_audio(spoken_question, spec.sampling_rate)  # espeak-ng speaks at 22050 Hz: resampled
    ours = log_mel(samples, spec, Transcriber(art).filters)
    theirs = extractor(samples, sampling_rate=spec.sampling_rate, return_tensors="np").input_features
    assert ours.shape == theirs.shape == (1, spec.n_mels, spec.frames)
    assert np.abs(ours - theirs).max() < 1e-4
    assert np.array_equal(Transcriber(art).filters, extractor.mel_filters.astype(np.float32))


def test_transcript_ids_equal_generate(speech_float_artifacts, speech_checkpoint, spoken_question):
    art = open_artifacts(speech_float_artifacts)
    transcriber = Transcriber(art)
    samples = load_audio(spoken_question, art.manifest.speech.features.sampling_rate)
    ours = transcriber.transcribe(samples)

    model = WhisperForConditionalGeneration.from_pretrained(speech_checkpoint, use_safetensors=True).eval()
    extractor = WhisperFeatureExtractor.from_pretrained(speech_checkpoint)
    features = extractor(samples, sampling_rate=extractor.sampling_rate, return_tensors="pt").input_features
    with torch.no_grad():
        # the whole sequence, start tokens (with the detected language) included
        sequence = model.generate(features, return_dict_in_generate=True).sequences[0].tolist()
    prompt = art.manifest.speech.decoding.prompt_ids
    assert sequence[0] == prompt[0] and len(sequence) > len(prompt)
    theirs = [t for t in sequence[len(prompt) :] if t != art.manifest.speech.decoding.eos_id]
    assert ours.token_ids == theirs
    assert (
        ours.language is not None and sequence[1] == art.manifest.speech.decoding.language_ids[ours.language]
    )


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0))


def test_default_export_keeps_first_step_logits(tiny_quant_artifacts, spoken_question):
    """The 8-bit programs against the float eager model they were built from (the same seed)."""
    art = open_artifacts(tiny_quant_artifacts)
    speech = art.manifest.speech
    assert speech.linear.kind == "8da8w" and speech.embedding.bits == 8
    transcriber = Transcriber(art)
    samples = load_audio(spoken_question, speech.features.sampling_rate)
    features = torch.from_numpy(log_mel(samples, speech.features, transcriber.filters))
    transcriber.cross.execute([transcriber.encoder.execute([features])[0]])
    prompt = list(speech.decoding.prompt_ids)
    prompt[speech.decoding.language_index] = speech.decoding.language_ids["<|en|>"]
    ours = transcriber.logits(prompt, 0)

    model = random_speech(TINY_SPEECH, RANDOM_SPEECH_SEED).hf
    with torch.no_grad():
        theirs = model(input_features=features, decoder_input_ids=torch.tensor([prompt])).logits[0, -1]
    assert cosine(ours, theirs) > 0.99


def test_speech_programs_stay_on_xnnpack(tiny_quant_artifacts):
    """The encoder is one delegate; the decoder leaves only its cache ops and the token lookup."""
    art = open_artifacts(tiny_quant_artifacts)
    speech, components = art.manifest.speech, art.manifest.components
    assert components[speech.encoder].left_on_cpu == {} and components[speech.encoder].backend == "xnnpack"
    left = components[speech.decoder].left_on_cpu
    assert left["llama_custom_sdpa_default"] == speech.decoder_layers
    assert left["auto_functionalized_v2"] == 2 * speech.decoder_layers  # update_cache of k and v
    assert sum(left.values()) <= 4 * speech.decoder_layers + 6
