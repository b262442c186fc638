"""LLaVA-OneVision end to end against transformers: a tiny random checkpoint saved with its own classes
and processor pieces, exported with `bluev export --preset hf`, run on ExecuTorch's runtime.

Same picture (the sample drawn at 900x500: two tiles wide, columns unpadded), same turn
(one image, then the prompt, generation prompt added). Asserted: our prompt ids are the
processor's ``input_ids`` and our tiles its ``pixel_values``; float export: first-token
logits within 1e-3 of transformers' and the same 8 greedy tokens as ``model.generate``;
default quantized export: cosine of the first-token logits above 0.99.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import LlavaOnevisionConfig, LlavaOnevisionForConditionalGeneration, ProcessorMixin

from bluev.errors import BadInput
from bluev.export.hf_checkpoint import build_from_checkpoint, check_checkpoint
from bluev.export.presets import get_preset
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.layouts.llava_anyres import plan_anyres
from bluev.runtime.manifest import MANIFEST, read_manifest
from bluev.runtime.pipeline import Pipeline, Stats
from bluev.runtime.sample_picture import draw_sample
from bluev.runtime.tile_encoder import TileEncoder


def load_helper(name: str):  # noqa: ANN201  (a module; the suite runs with --import-mode=importlib)
    spec = importlib.util.spec_from_file_location(
        f"bluev_tests_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


llava = load_helper("llava_checkpoints")
PROMPT = "What is in this picture?"
pytestmark = pytest.mark.slow


@dataclass
class Reference:
    """transformers on the picture and the turn: the processor's inputs, first-token logits, greedy tokens."""

    processor: ProcessorMixin
    input_ids: list[int]
    pixel_values: np.ndarray  # [tiles + base, 3, 384, 384]
    image_features: torch.Tensor  # what the model splices over its image tokens
    logits: torch.Tensor
    tokens: list[int]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return llava.save_onevision(tmp_path_factory.mktemp("onevision") / "ckpt")


@pytest.fixture(scope="module")
def picture(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pictures") / "sample-900x500.png"
    draw_sample(900, 500).save(path)
    return path


@pytest.fixture(scope="module")
def reference(checkpoint, picture) -> Reference:
    processor = llava.load_processor(checkpoint)
    model = LlavaOnevisionForConditionalGeneration.from_pretrained(checkpoint).eval()
    text = processor.apply_chat_template(llava.one_image_turn(PROMPT), add_generation_prompt=True)
    inputs = processor(images=Image.open(picture), text=text, return_tensors="pt")
    n = inputs["input_ids"].shape[1]
    with torch.no_grad():
        features = model.model.get_image_features(
            pixel_values=inputs["pixel_values"],
            image_sizes=inputs["image_sizes"],
            batch_num_images=inputs["batch_num_images"],
        ).pooler_output[0]
        logits = model(**inputs).logits[0, -1]
        tokens = model.generate(**inputs, max_new_tokens=8, do_sample=False)[0, n:].tolist()
    return Reference(
        processor,
        inputs["input_ids"][0].tolist(),
        inputs["pixel_values"][0].numpy(),
        features,
        logits,
        tokens,
    )


@pytest.fixture(scope="module")
def float_artifacts(export_checkpoint, checkpoint) -> Path:
    return export_checkpoint(checkpoint, "onevision-float", "--quant", "float", "--no-stock-runner")


@pytest.fixture(scope="module")
def quant_artifacts(export_checkpoint, checkpoint) -> Path:
    return export_checkpoint(checkpoint, "onevision", "--no-stock-runner")


@pytest.fixture(scope="module")
def pipeline(float_artifacts):
    with Pipeline(float_artifacts) as p:
        yield p


def test_prompt_ids_and_pixels_are_the_processors(pipeline, picture, reference):
    img, plan = pipeline.layout.open(picture)
    pixels = np.concatenate([stage() for stage in pipeline.layout.stages(img, plan)])
    assert pixels.shape == reference.pixel_values.shape  # the base image and two tiles
    assert np.array_equal(pixels, reference.pixel_values)  # bit for bit
    turn = pipeline.prompt_ids(PROMPT, plan)
    assert turn.ids == reference.input_ids
    assert len(turn.image_positions) == plan.image_tokens == 729 + 27 * (48 + 1)  # base + unpadded rows
    # a turn without a picture too
    text_turn = [{"role": "user", "content": [{"type": "text", "text": PROMPT}]}]
    text = reference.processor.apply_chat_template(text_turn, add_generation_prompt=True)
    assert pipeline.prompt_ids(PROMPT).ids == reference.processor(text=text)["input_ids"][0]


def test_image_embeddings_are_the_models(pipeline, picture, reference):
    encoded = pipeline.encode_image(picture, Stats())
    assert encoded.embeds.shape[1:] == reference.image_features.shape
    assert (encoded.embeds[0] - reference.image_features).abs().max() < 1e-4


def test_float_logits_and_greedy_tokens_are_the_models(
    pipeline, picture, reference, run_json, float_artifacts
):
    encoded = pipeline.encode_image(picture, Stats())
    logits = pipeline.prefill(pipeline.prompt_embeddings(PROMPT, encoded))[0]
    assert (logits - reference.logits).abs().max() < 1e-3
    ours = pipeline.answer(PROMPT, pipeline.encode_image(picture, Stats()), Stats(), 0.0, max_new_tokens=8)
    assert ours.token_ids == reference.tokens
    # and as a user runs it
    out = run_json(float_artifacts, PROMPT, "--image", str(picture), "--max-new-tokens", "8")
    assert out["stats"]["prefill_tokens"] == len(reference.input_ids)
    assert out["text"] == reference.processor.tokenizer.decode(reference.tokens, skip_special_tokens=True)


def test_quantized_logits_stay_close(quant_artifacts, picture, reference):
    with Pipeline(quant_artifacts) as p:
        logits = p.prefill(p.prompt_embeddings(PROMPT, p.encode_image(picture, Stats())))[0]
    cosine = torch.nn.functional.cosine_similarity(logits, reference.logits, dim=0)
    assert cosine > 0.99, float(cosine)


def test_vision_only_export_leaves_the_checkpoints_llm_out(export_checkpoint, checkpoint, quant_artifacts):
    """--components vision on a checkpoint: a checkpoint always brings its LLM, which is dropped."""
    folder = export_checkpoint(checkpoint, "onevision-vision", "--components", "vision", "--no-stock-runner")
    m = read_manifest(folder / MANIFEST)
    assert m.llm is None and sorted(m.components) == ["projector", "vision_encoder"]
    assert not (folder / "llm.pte").exists()
    pixels = np.random.default_rng(0).uniform(-1, 1, (2, 3, m.vision.image_size, m.vision.image_size))
    pixels = pixels.astype(np.float32)
    got = TileEncoder(open_artifacts(folder)).encode(pixels)
    torch.testing.assert_close(
        got, TileEncoder(open_artifacts(quant_artifacts)).encode(pixels), rtol=0, atol=1e-5
    )


def test_manifest_records_the_processor_and_the_summary_names_it(float_artifacts, reference):
    m = read_manifest(float_artifacts / MANIFEST)
    layout = m.layout
    assert (layout.kind, layout.family, layout.tiler) == ("llava-anyres", "llava_onevision", "family")
    assert layout.anyres.max_tiles == 9 and layout.anyres.feature_side == 27
    assert layout.anyres.pinpoints == llava.TINY_PINPOINTS
    assert layout.prompt.image_token == "<image>" and m.chat_template.add_special_tokens
    assert m.vision.tiler.policy == "llava-next" and m.source.kind == "hf-checkpoint"
    assert (float_artifacts / layout.anyres.newline.file).stat().st_size == 4 * m.llm.dim
    # the summary's 1920x1080 count is what the processor makes of such a picture
    image = reference.processor.tokenizer.convert_tokens_to_ids("<image>")
    ids = reference.processor(images=Image.new("RGB", (1920, 1080)), text="<image>")["input_ids"][0]
    summary = (float_artifacts.parent / f"{float_artifacts.name}.export.stdout").read_text()
    line = next(x for x in summary.splitlines() if x.startswith("family "))
    assert "family llava_onevision (layout llava-anyres), tiler llava-next (the family's own)" in line
    assert f"a 1920x1080 picture: grid 2:1 + thumbnail, {list(ids).count(image)} image tokens" in line


def test_relaxed_tiler_is_recorded_and_warned_about(checkpoint, capfd):
    model = build_from_checkpoint(get_preset("hf"), checkpoint, tiler="relaxed")
    assert "warning: --tiler relaxed" in capfd.readouterr().err
    assert model.layout.tiler == "relaxed" and model.tiler.policy == "relaxed"
    family = build_from_checkpoint(get_preset("hf"), checkpoint)
    # the paper's example: LLaVA-NeXT's rule enlarges 394x390 to two tiles, relaxed keeps one
    assert plan_anyres(394, 390, family.tiler, family.layout.anyres).grid == (2, 1)
    assert plan_anyres(394, 390, model.tiler, model.layout.anyres).grid == (1, 1)


# --- what is refused, before any weight is read ----------------------------------------------------


def config_dir(tmp_path: Path, **overrides) -> Path:
    """A checkpoint directory whose config.json is transformers' own, with ``overrides``."""
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    LlavaOnevisionConfig(**overrides).to_json_file(ckpt / "config.json")
    (ckpt / "model.safetensors").write_bytes(b"")
    return ckpt


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"vision_config": {"model_type": "clip_vision_model"}}, "vision tower 'clip_vision_model'"),
        ({"vision_feature_layer": [-2, -1]}, "several feature layers"),
        ({"vision_feature_select_strategy": "default"}, "drops a CLS token"),
        ({"vision_aspect_ratio": "anyres"}, "only anyres_max_N"),
        ({"image_grid_pinpoints": [[384, 500]]}, "is not whole 384px tiles"),
        ({"text_config": {"model_type": "gemma"}}, "LLM 'gemma'"),
    ],
)
def test_unsupported_layouts_are_refused(tmp_path, overrides, needle):
    with pytest.raises(BadInput, match=re.escape(needle)) as refused:
        check_checkpoint(config_dir(tmp_path, **overrides))
    assert "config.json" in str(refused.value) and "\n" not in str(refused.value)


def test_a_refusal_is_one_line_exit_2_and_writes_nothing(bluev_cli, one_line_error, tmp_path):
    ckpt = config_dir(tmp_path, vision_config={"model_type": "clip_vision_model"})
    r = bluev_cli("export", "--preset", "hf", "--checkpoint", str(ckpt), "--out", str(tmp_path / "out"))
    one_line_error(r, "config.json", "vision tower 'clip_vision_model'", "SigLIP")
    assert not (tmp_path / "out").exists()


def test_other_families_and_pickles_are_refused(bluev_cli, one_line_error, tmp_path):
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (ckpt / "model.safetensors").write_bytes(b"")
    r = bluev_cli("export", "--preset", "hf", "--checkpoint", str(ckpt), "--out", str(tmp_path / "o"))
    one_line_error(r, "model_type 'bert' is not a supported VLM family", "llava_onevision")
    (ckpt / "model.safetensors").unlink()
    (ckpt / "pytorch_model.bin").write_bytes(b"pickle")
    r = bluev_cli("export", "--preset", "hf", "--checkpoint", str(ckpt), "--out", str(tmp_path / "o"))
    one_line_error(r, "only pickled weights (pytorch_model.bin)", "safetensors")


def test_a_checkpoint_without_a_processor_template_is_refused(
    bluev_cli, one_line_error, checkpoint, tmp_path
):
    ckpt = tmp_path / "ckpt"
    shutil.copytree(checkpoint, ckpt)
    for name in ("chat_template.json", "chat_template.jinja"):
        (ckpt / name).unlink(missing_ok=True)
    r = bluev_cli("export", "--preset", "hf", "--checkpoint", str(ckpt), "--out", str(tmp_path / "o"))
    one_line_error(r, "no processor chat template")
