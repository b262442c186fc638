"""LLaVA-NeXT with a SigLIP tower: the same ``llava-anyres`` layout as OneVision, without anyres_max.

Its export path is OneVision's (tests/families/test_llava_onevision.py runs it end to end on
ExecuTorch); here the family's reading of a tiny checkpoint is checked against transformers
on the eager modules we export: the runtime's tiles are the processor's ``pixel_values``,
its prompt ids the processor's ``input_ids``, the packed image embeddings the model's, and
the first-token logits of our Transformer the model's.
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
from transformers import LlavaNextForConditionalGeneration, ProcessorMixin

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
    hf: LlavaNextForConditionalGeneration


@pytest.fixture(scope="module")
def reading(tmp_path_factory) -> Reading:
    folder = tmp_path_factory.mktemp("llava-next")
    ckpt = llava.save_next(folder / "ckpt")
    model = build_from_checkpoint(get_preset("hf"), ckpt)
    for name, data in model.data_files.items():
        (folder / name).write_bytes(data)
    model.tokenizer.save_pretrained(folder / "tokenizer")
    return Reading(
        model=model,
        layout=AnyresLayout(model.layout, vision_section(model, "xnnpack"), folder),
        codec=TextCodec(folder / "tokenizer" / "tokenizer.json"),
        processor=llava.load_processor(ckpt),
        hf=LlavaNextForConditionalGeneration.from_pretrained(ckpt).eval(),
    )


def test_the_manifest_describes_llava_next(reading):
    layout = reading.model.layout
    assert (layout.kind, layout.family, layout.tiler) == ("llava-anyres", "llava_next", "family")
    assert (layout.anyres.max_tiles, layout.anyres.feature_side) == (None, 24)


@pytest.mark.parametrize("size", [(900, 500), (500, 900)])
def test_llava_next_is_read_as_its_processor_and_model(reading, tmp_path, size):
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

    with torch.no_grad():
        embeds = layout.pack(plan, model.projector(model.tower(torch.from_numpy(pixels))))
        hf = reading.hf.model.get_image_features(inputs["pixel_values"], inputs["image_sizes"])
        ref = hf.pooler_output[0]
        assert (embeds - ref).abs().max() < 1e-5
        h = model.llm.tok_embeddings(torch.tensor([turn.ids]))
        h[0, turn.image_positions] = embeds
        logits = model.llm.decode_embeddings(h, torch.tensor([0]))[0]
        assert (logits - reading.hf(**inputs).logits[0, -1]).abs().max() < 1e-4
