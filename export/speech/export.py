"""The speech component of `bluev export`: Whisper -> speech_encoder.pte + speech_decoder.pte.

8-bit by default: every linear layer of both programs as XNNPACK's int8 weights with 8-bit
dynamic activations (per output channel), the decoder's token table as int8 rows; the
convolutions of the front of the encoder stay float, as the ViT's patch embedding does. A
float recipe (``--quant float``, the Vulkan and portable default) keeps them float. The
programs run on the phone's CPU: a Vulkan set lowers them for XNNPACK.
"""

from __future__ import annotations

import torch
from torchao.quantization import quantize_

from bluev.export.lower import lower
from bluev.export.options import ExportOptions
from bluev.export.speech.checkpoint import SpeechModel, load_speech_checkpoint, random_speech
from bluev.export.speech.programs import DecoderCore, SpeechEncoder, decoder_programs, encoder_programs
from bluev.export.speech.section import DECODER, ENCODER, speech_section
from bluev.export.writer import ArtifactWriter, ProgramResult, Progress
from bluev.quant.apply import embedding_config, quantize_linears_
from bluev.quant.recipes import Recipe
from bluev.runtime.manifest import EmbeddingScheme, LinearScheme, Speech

RANDOM_SPEECH_SEED = 2  # the LLM takes seed 0 and the tower seed 1 (export/builders.py)
SPEECH_LINEAR = LinearScheme(kind="8da8w", group_size=0)
SPEECH_EMBEDDING = EmbeddingScheme(bits=8, group_size=0)
FLOAT = (LinearScheme(), EmbeddingScheme())


def build_speech(opts: ExportOptions) -> SpeechModel:
    if opts.speech_checkpoint is not None:
        return load_speech_checkpoint(opts.speech_checkpoint)
    spec = opts.preset_config.speech
    assert spec is not None, "ExportOptions.with_speech checked that there is a speech component"
    return random_speech(spec, RANDOM_SPEECH_SEED)


def speech_schemes(recipe: Recipe) -> tuple[LinearScheme, EmbeddingScheme]:
    return FLOAT if recipe.is_float else (SPEECH_LINEAR, SPEECH_EMBEDDING)


def speech_backend(backend: str) -> str:
    return "portable" if backend == "portable" else "xnnpack"


def export_speech(
    opts: ExportOptions, writer: ArtifactWriter, progress: Progress
) -> tuple[list[ProgramResult], Speech]:
    """Build (or load), quantize, export and lower the two programs; the manifest section."""
    started = progress.step("building the speech component (Whisper: encoder, decoder with caches)")
    model = build_speech(opts)
    encoder, core = SpeechEncoder(model.hf).eval(), DecoderCore(model.hf).eval()
    linear, embedding = speech_schemes(opts.recipe)
    with torch.no_grad():
        for module in (encoder, core):
            quantize_linears_(module, linear)
        if embedding.bits:  # the token table only: the position table is read as rows by narrow()
            quantize_(core, embedding_config(embedding), filter_fn=lambda _m, fqn: fqn == "embed_tokens")
    progress.finish(started, f", {linear.describe()} linears")
    backend = speech_backend(opts.backend)
    results = []
    config = model.hf.config
    started = progress.step(f"exporting {ENCODER}.pte ({config.num_mel_bins} mels x {encoder.frames} frames)")
    programs = encoder_programs(encoder, config.num_mel_bins)
    results.append(write(writer, ENCODER, programs, backend, progress, started))
    started = progress.step(f"exporting {DECODER}.pte (cross_attention, decode; static caches)")
    programs = decoder_programs(core, config.d_model)
    results.append(write(writer, DECODER, programs, backend, progress, started))
    return results, speech_section(model, writer, linear, embedding)


def write(
    writer: ArtifactWriter, name: str, programs: dict, backend: str, progress: Progress, started: float
) -> ProgramResult:
    # the decoder's methods share its caches (programs.py); the encoder has no state
    low = lower(programs, backend, share_mutable_buffers=name == DECODER)
    result = writer.program(name, low, programs, started)
    result.backend = backend
    progress.finish(started, f", {low.coverage.text()} ops delegated")
    return result
