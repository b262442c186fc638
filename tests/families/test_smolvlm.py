"""SmolVLM / Idefics3 end to end against transformers: the tiny checkpoints of tests/families/checkpoints.py
(saved with transformers' own classes and processor pieces), exported with `bluev export --preset hf`.

The SmolVLM-256M-Instruct layout (model_type idefics3) is exported twice (float and the
default recipe) and run on ExecuTorch's runtime: our tiles are the processor's
``pixel_values`` bit for bit, our prompt ids its ``input_ids``; float first-token logits
within 1e-3 of transformers' and the same 8 greedy tokens as ``model.generate``; quantized
cosine above 0.99. The SmolVLM2 layout (model_type smolvlm: 126 px tiles, 9 tokens each)
is checked on its layout without an export: pixels and prompt ids.
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
from bluev.export.hf_checkpoint import build_from_checkpoint, check_checkpoint
from bluev.export.presets import get_preset
from bluev.export.writer import vision_section
from bluev.runtime.layouts import open_layout, prompt_ids
from bluev.runtime.layouts.idefics3 import Idefics3Layout
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
    pixel_values: np.ndarray  # [frames, 3, S, S]: tiles row-major, the global image last
    image_features: torch.Tensor  # [frames * tokens per tile, D]
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
def reference(idefics3_checkpoint, family_processor, picture) -> Reference:
    processor = family_processor(idefics3_checkpoint)
    model = AutoModelForImageTextToText.from_pretrained(idefics3_checkpoint, use_safetensors=True).eval()
    inputs = processor_inputs(processor, picture)
    n = inputs["input_ids"].shape[1]
    with torch.no_grad():
        out = model.model.get_image_features(inputs["pixel_values"], inputs["pixel_attention_mask"])
        features = torch.cat(out.pooler_output)
        logits = model(**inputs).logits[0, -1]
        tokens = model.generate(**inputs, max_new_tokens=8, do_sample=False)[0, n:].tolist()
    return Reference(
        processor,
        inputs["input_ids"][0].tolist(),
        inputs["pixel_values"][0].numpy(),
        features.reshape(-1, features.shape[-1]),
        logits,
        tokens,
    )


@pytest.fixture(scope="module")
def float_artifacts(export_checkpoint, idefics3_checkpoint) -> Path:
    return export_checkpoint(idefics3_checkpoint, "idefics3-float", "--quant", "float", "--no-stock-runner")


@pytest.fixture(scope="module")
def quant_artifacts(export_checkpoint, idefics3_checkpoint) -> Path:
    return export_checkpoint(idefics3_checkpoint, "idefics3", "--no-stock-runner")


@pytest.fixture(scope="module")
def pipeline(float_artifacts):
    with Pipeline(float_artifacts) as p:
        yield p


def encoded_pixels(layout, picture: Path) -> tuple[np.ndarray, object]:  # noqa: ANN001
    img, plan = layout.open(picture)
    return np.concatenate([stage() for stage in layout.stages(img, plan)]), plan


def test_prompt_ids_and_pixels_are_the_processors(pipeline, picture, reference):
    pixels, plan = encoded_pixels(pipeline.layout, picture)
    assert plan.grid == (4, 3) and pixels.shape == reference.pixel_values.shape  # 12 tiles + global
    assert np.array_equal(pixels, reference.pixel_values)  # bit for bit
    turn = pipeline.prompt_ids(PROMPT, plan)
    assert turn.ids == reference.input_ids
    assert len(turn.image_positions) == plan.image_tokens == 13 * 4
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
    print(f"idefics3 float: first-token logits max abs error vs transformers {error:.2e}")
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
    print(f"idefics3 default recipe: first-token logits cosine vs transformers {cosine:.5f}")
    assert cosine > 0.99


def test_manifest_records_the_processor_and_the_summary_names_it(float_artifacts, reference):
    m = read_manifest(float_artifacts / MANIFEST)
    layout = m.layout
    assert (layout.kind, layout.family, layout.tiler) == ("idefics3", "idefics3", "family")
    split = layout.idefics3
    assert (split.longest_edge, split.splitting, split.tile_token) == (512, True, "<row_{row}_col_{col}>")
    assert (split.fake_token, split.global_token) == ("<fake_token_around_image>", "<global-img>")
    assert layout.processor.resample == "lanczos" and layout.prompt.image_token == "<image>"
    assert m.vision.tiler.tile_size == 128 and m.vision.tiler.tokens_per_tile == 4
    assert m.vision.tiler.max_tiles == 16 and m.vision.max_batch == 1  # 4 x 4 tiles; one tile a call
    image = reference.processor.tokenizer.convert_tokens_to_ids("<image>")
    ids = reference.processor(images=[Image.new("RGB", (1920, 1080))], text="<image>")["input_ids"][0]
    summary = (float_artifacts.parent / f"{float_artifacts.name}.export.stdout").read_text()
    line = next(x for x in summary.splitlines() if x.startswith("family "))
    assert "family idefics3 (layout idefics3), tiler longest-edge (the family's own)" in line
    assert f"a 1920x1080 picture: grid 4:3 + thumbnail, {list(ids).count(image)} image tokens" in line


# --- SmolVLM2's layout (model_type smolvlm), without an export ---------------------------------------


def test_smolvlm_layout_gives_the_processors_pixels_and_ids(smolvlm_checkpoint, family_processor, picture):
    processor = family_processor(smolvlm_checkpoint)
    inputs = processor_inputs(processor, picture)
    model = build_from_checkpoint(get_preset("hf"), smolvlm_checkpoint)
    layout = Idefics3Layout(model.layout, vision_section(model, "xnnpack"))
    pixels, plan = encoded_pixels(layout, picture)
    assert np.array_equal(pixels, inputs["pixel_values"][0].numpy())
    codec = TextCodec(smolvlm_checkpoint / "tokenizer.json")
    turn = prompt_ids(codec, model.chat, layout, PROMPT, plan)
    assert turn.ids == inputs["input_ids"][0].tolist()
    assert len(turn.image_positions) == (4 * 3 + 1) * 9
    # other shapes: portrait, a picture smaller than a tile (enlarged), a very wide one
    for size in ((500, 900), (100, 90), (1000, 120)):
        img = Image.new("RGB", size, (200, 30, 90))
        ids = processor(images=[img], text="<image>")["input_ids"][0]
        plan = layout.plan(*size)
        assert ids.count(processor.image_token_id) == plan.image_tokens, size


def test_the_manifest_layout_opens_from_artifacts(float_artifacts):
    m = read_manifest(float_artifacts / MANIFEST)
    assert isinstance(open_layout(m, float_artifacts), Idefics3Layout)


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
        ("config.json", lambda d: d["text_config"].update(model_type="qwen2"), "LLM 'qwen2'"),
        ("processor_config.json", lambda d: d.update(image_seq_len=5), "image_seq_len 5"),
        ("preprocessor_config.json", lambda d: d.update(max_image_size={"longest_edge": 64}), "128px tiles"),
    ],
)
def test_unsupported_layouts_are_refused(idefics3_checkpoint, tmp_path, name, change, needle):
    ckpt = copy_with(idefics3_checkpoint, tmp_path, name, change)
    with pytest.raises(BadInput, match=re.escape(needle)) as refused:
        check_checkpoint(ckpt)
    assert "\n" not in str(refused.value)


def test_relaxed_tiler_is_refused_in_one_line(bluev_cli, one_line_error, idefics3_checkpoint, tmp_path):
    out = tmp_path / "out"
    r = bluev_cli(
        "export",
        "--preset",
        "hf",
        "--checkpoint",
        str(idefics3_checkpoint),
        "--tiler",
        "relaxed",
        "--out",
        str(out),
    )
    one_line_error(r, "--tiler relaxed", "idefics3 is served with its processor's own grid only")
    assert not out.exists()
