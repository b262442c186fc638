"""The ``llava-anyres`` layout on the eager modules we export, where the ExecuTorch test does not go:
LLaVA-NeXT with a SigLIP tower (no anyres_max, feature layer -2, 336 px tiles) and a
OneVision checkpoint with ``anyres_max_1``, whose grid features are shrunk bilinearly.

The export path is the one tests/families/test_llava_onevision.py runs end to end; here the
family's reading of a tiny checkpoint is checked against transformers: the runtime's tiles
are the processor's ``pixel_values``, its prompt ids the processor's ``input_ids``, the
packed image embeddings the model's, and the first-token logits of our Transformer the model's.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import AutoModelForImageTextToText, PreTrainedModel, ProcessorMixin

from bluev.export.built_model import BuiltModel
from bluev.export.hf_checkpoint import build_from_checkpoint
from bluev.export.presets import get_preset
from bluev.export.writer import vision_section
from bluev.runtime.layouts import prompt_ids
from bluev.runtime.layouts.llava_anyres import AnyresLayout
from bluev.runtime.sample_picture import draw_sample
from bluev.runtime.text import TextCodec


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
PROMPT = "Describe the picture."


@dataclass
class Reading:
    """The family's reading of the checkpoint (runtime layout, codec, eager modules) and transformers' own."""

    model: BuiltModel
    layout: AnyresLayout
    codec: TextCodec
    processor: ProcessorMixin
    hf: PreTrainedModel


SAVERS = {
    "llava_next": llava.save_next,
    "onevision-shrink": lambda path: llava.save_onevision(path, vision_aspect_ratio="anyres_max_1"),
}


@pytest.fixture(scope="module", params=list(SAVERS))
def reading(request, tmp_path_factory) -> Reading:
    folder = tmp_path_factory.mktemp(request.param)
    ckpt = SAVERS[request.param](folder / "ckpt")
    model = build_from_checkpoint(get_preset("hf"), ckpt)
    for name, data in model.data_files.items():
        (folder / name).write_bytes(data)
    model.tokenizer.save_pretrained(folder / "tokenizer")
    return Reading(
        model=model,
        layout=AnyresLayout(model.layout, vision_section(model, "xnnpack"), folder),
        codec=TextCodec(folder / "tokenizer" / "tokenizer.json"),
        processor=llava.load_processor(ckpt),
        hf=AutoModelForImageTextToText.from_pretrained(ckpt).eval(),
    )


def test_the_layout_describes_the_checkpoint(reading):
    layout = reading.model.layout
    assert (layout.kind, layout.tiler) == ("llava-anyres", "family")
    expect = {"llava_next": (None, 24), "llava_onevision": (1, 27)}[layout.family]
    assert (layout.anyres.max_tiles, layout.anyres.feature_side) == expect


@pytest.mark.parametrize("size", [(900, 500), (500, 900)])
def test_read_as_its_processor_and_model(reading, tmp_path, size):
    model, layout = reading.model, reading.layout
    picture = tmp_path / "picture.png"
    draw_sample(*size).save(picture)
    text = reading.processor.apply_chat_template(llava.one_image_turn(PROMPT), add_generation_prompt=True)
    inputs = reading.processor(images=Image.open(picture), text=text, return_tensors="pt")

    img, plan = layout.open(picture)
    pixels = np.concatenate([stage() for stage in layout.stages(img, plan)])
    assert np.array_equal(pixels, inputs["pixel_values"][0].numpy())
    turn = prompt_ids(reading.codec, model.chat, layout, PROMPT, plan)
    assert turn.ids == inputs["input_ids"][0].tolist()
    if layout.anyres.max_tiles is not None:  # anyres_max_1: two tiles' features shrunk to about one
        assert plan.packed != plan.unpadded

    with torch.no_grad():
        embeds = layout.pack(plan, model.projector(model.tower(torch.from_numpy(pixels))))
        image = {k: v for k, v in inputs.items() if k not in ("input_ids", "attention_mask")}
        ref = reading.hf.model.get_image_features(**image).pooler_output[0]
        assert (embeds - ref).abs().max() < 1e-5
        h = model.llm.tok_embeddings(torch.tensor([turn.ids]))
        h[0, turn.image_positions] = embeds
        logits = model.llm.decode_embeddings(h, torch.tensor([0]))[0]
        assert (logits - reading.hf(**inputs).logits[0, -1]).abs().max() < 1e-4
