"""InternVL (HF format) end to end against transformers: the tiny InternVL3-1B-hf-layout checkpoint of
tests/families/checkpoints.py (transformers' own classes and processor pieces), exported with
`bluev export --preset hf` and run on ExecuTorch's runtime.

Same picture (the sample drawn at 900x500: a 4x2 grid and the thumbnail), same turn. Asserted:
our tiles are the processor's ``pixel_values`` bit for bit and our prompt ids its ``input_ids``;
float export: first-token logits within 1e-3 of transformers' and the same 8 greedy tokens as
``model.generate``; default quantized export: cosine of the first-token logits above 0.99.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import AutoModelForImageTextToText, ProcessorMixin

from bluev.errors import BadInput
from bluev.export.hf_checkpoint import check_checkpoint
from bluev.runtime.layouts import open_layout, prompt_ids
from bluev.runtime.layouts.internvl import InternVLLayout
from bluev.runtime.manifest import MANIFEST, read_manifest
from bluev.runtime.pipeline import Pipeline, Stats
from bluev.runtime.sample_picture import draw_sample
from bluev.runtime.text import TextCodec

PROMPT = "What is in this picture?"
pytestmark = pytest.mark.slow


def one_image_turn(prompt: str) -> list[dict]:
    return [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]


@dataclass
class Reference:
    """transformers on the picture and the turn: the processor's inputs, features, logits, greedy tokens."""

    processor: ProcessorMixin
    input_ids: list[int]
    pixel_values: np.ndarray  # [tiles, 3, S, S]: tiles row-major, the thumbnail last
    image_features: torch.Tensor  # [tiles * tokens per tile, D]
    logits: torch.Tensor
    tokens: list[int]


@pytest.fixture(scope="module")
def picture(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pictures") / "sample-900x500.png"
    draw_sample(900, 500).save(path)
    return path


def processor_inputs(processor: ProcessorMixin, picture: Path) -> dict:
    text = processor.apply_chat_template(one_image_turn(PROMPT), add_generation_prompt=True)
    return processor(images=[Image.open(picture)], text=text, return_tensors="pt")


@pytest.fixture(scope="module")
def reference(internvl_checkpoint, family_processor, picture) -> Reference:
    processor = family_processor(internvl_checkpoint)
    model = AutoModelForImageTextToText.from_pretrained(internvl_checkpoint, use_safetensors=True).eval()
    inputs = processor_inputs(processor, picture)
    n = inputs["input_ids"].shape[1]
    config = model.config
    with torch.no_grad():
        features = model.model.get_image_features(
            inputs["pixel_values"],
            vision_feature_layer=config.vision_feature_layer,
            vision_feature_select_strategy=config.vision_feature_select_strategy,
        ).pooler_output
        logits = model(**inputs).logits[0, -1]
        tokens = model.generate(**inputs, max_new_tokens=8, do_sample=False)[0, n:].tolist()
    return Reference(
        processor,
        inputs["input_ids"][0].tolist(),
        inputs["pixel_values"].numpy(),
        features.reshape(-1, features.shape[-1]),
        logits,
        tokens,
    )


@pytest.fixture(scope="module")
def float_artifacts(export_checkpoint, internvl_checkpoint) -> Path:
    return export_checkpoint(internvl_checkpoint, "internvl-float", "--quant", "float", "--no-stock-runner")


@pytest.fixture(scope="module")
def quant_artifacts(export_checkpoint, internvl_checkpoint) -> Path:
    return export_checkpoint(internvl_checkpoint, "internvl", "--no-stock-runner")


@pytest.fixture(scope="module")
def pipeline(float_artifacts):
    with Pipeline(float_artifacts) as p:
        yield p


def encoded_pixels(layout, picture: Path) -> tuple[np.ndarray, object]:  # noqa: ANN001
    img, plan = layout.open(picture)
    return np.concatenate([stage() for stage in layout.stages(img, plan)]), plan


def test_prompt_ids_and_pixels_are_the_processors(pipeline, picture, reference):
    pixels, plan = encoded_pixels(pipeline.layout, picture)
    assert plan.grid == (4, 2) and pixels.shape == reference.pixel_values.shape  # 8 tiles + thumbnail
    assert np.array_equal(pixels, reference.pixel_values)  # bit for bit
    turn = pipeline.prompt_ids(PROMPT, plan)
    assert turn.ids == reference.input_ids
    assert len(turn.image_positions) == plan.image_tokens == 9 * 16
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
    error = float((logits - reference.logits).abs().max())
    print(f"internvl float: first-token logits max abs error vs transformers {error:.2e}")
    assert error < 1e-3
    ours = pipeline.answer(PROMPT, encoded, Stats(), 0.0, max_new_tokens=8)
    assert ours.token_ids == reference.tokens
    out = run_json(float_artifacts, PROMPT, "--image", str(picture), "--max-new-tokens", "8")
    assert out["stats"]["prefill_tokens"] == len(reference.input_ids)
    assert out["text"] == reference.processor.tokenizer.decode(reference.tokens, skip_special_tokens=True)


def test_quantized_logits_stay_close(quant_artifacts, picture, reference):
    with Pipeline(quant_artifacts) as p:
        logits = p.prefill(p.prompt_embeddings(PROMPT, p.encode_image(picture, Stats())))[0]
    cosine = float(torch.nn.functional.cosine_similarity(logits, reference.logits, dim=0))
    print(f"internvl default recipe: first-token logits cosine vs transformers {cosine:.5f}")
    assert cosine > 0.99


def test_manifest_records_the_processor_and_the_summary_names_it(float_artifacts, reference):
    m = read_manifest(float_artifacts / MANIFEST)
    layout = m.layout
    assert (layout.kind, layout.family, layout.tiler) == ("internvl", "internvl", "family")
    assert (layout.internvl.start_token, layout.internvl.end_token) == ("<img>", "</img>")
    assert layout.processor.resample == "bicubic" and layout.prompt.image_token == "<IMG_CONTEXT>"
    tiler = m.vision.tiler
    assert (tiler.policy, tiler.tile_size, tiler.tokens_per_tile, tiler.max_tiles) == (
        "internvl",
        112,
        16,
        12,
    )
    assert m.vision.max_batch == 1 and m.vision.normalize.mean == [0.485, 0.456, 0.406]
    image = reference.processor.image_token_id
    ids = reference.processor(images=[Image.new("RGB", (1920, 1080))], text="<IMG_CONTEXT>")["input_ids"][0]
    summary = (float_artifacts.parent / f"{float_artifacts.name}.export.stdout").read_text()
    line = next(x for x in summary.splitlines() if x.startswith("family "))
    assert "family internvl (layout internvl), tiler internvl (the family's own)" in line
    assert f"a 1920x1080 picture: grid 4:2 + thumbnail, {list(ids).count(image)} image tokens" in line


def test_other_sizes_give_the_processors_ids(float_artifacts, reference):
    """Portrait, one tile (no thumbnail), very wide: the counts and the ids of the whole run."""
    m = read_manifest(float_artifacts / MANIFEST)
    layout = open_layout(m, float_artifacts)
    assert isinstance(layout, InternVLLayout)
    codec = TextCodec(float_artifacts / m.tokenizer.file)
    processor = reference.processor
    for size in ((500, 900), (100, 90), (1000, 120)):
        img = Image.new("RGB", size, (200, 30, 90))
        text = processor.apply_chat_template(one_image_turn(PROMPT), add_generation_prompt=True)
        ids = processor(images=[img], text=text)["input_ids"][0]
        turn = prompt_ids(codec, m.chat_template, layout, PROMPT, layout.plan(*size))
        assert turn.ids == list(ids), size


# --- what is refused ---------------------------------------------------------------------------------


def copy_with(checkpoint: Path, tmp_path: Path, name: str, change) -> Path:  # noqa: ANN001
    ckpt = tmp_path / "ckpt"
    shutil.copytree(checkpoint, ckpt)
    data = json.loads((ckpt / name).read_text())
    change(data)
    (ckpt / name).write_text(json.dumps(data))
    return ckpt


@pytest.mark.parametrize(
    ("name", "change", "needle"),
    [
        ("config.json", lambda d: d["text_config"].update(model_type="gemma"), "LLM 'gemma'"),
        ("config.json", lambda d: d.update(vision_feature_select_strategy="full"), "only 'default'"),
        ("config.json", lambda d: d.update(vision_feature_layer=[-2, -1]), "several feature layers"),
        ("processor_config.json", lambda d: d.update(image_seq_length=5), "image_seq_length 5"),
        ("preprocessor_config.json", lambda d: d.update(size={"height": 64, "width": 64}), "112px tiles"),
    ],
)
def test_unsupported_layouts_are_refused(internvl_checkpoint, tmp_path, name, change, needle):
    ckpt = copy_with(internvl_checkpoint, tmp_path, name, change)
    with pytest.raises(BadInput, match=re.escape(needle)) as refused:
        check_checkpoint(ckpt)
    assert "\n" not in str(refused.value)


def test_a_tokenizer_without_the_image_tokens_is_refused(internvl_checkpoint, tmp_path):
    ckpt = copy_with(
        internvl_checkpoint, tmp_path, "tokenizer_config.json", lambda d: d.pop("extra_special_tokens")
    )
    with pytest.raises(BadInput, match="start_image_token"):
        check_checkpoint(ckpt)
