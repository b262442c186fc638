"""The LLaVA cases of tests/data/layout_vectors.json are what transformers' own processors compute.

For each picture size: the canvas ``select_best_resolution`` picks, the images the image
processor makes (base + tiles) and the number of ``<image>`` tokens the processor writes
into ``input_ids``; the app's port is checked against the same file.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from PIL import Image
from transformers import (
    LlavaNextImageProcessorPil,
    LlavaNextProcessor,
    LlavaOnevisionImageProcessorPil,
    ProcessorMixin,
)
from transformers.image_processing_utils import select_best_resolution

REPO = Path(__file__).resolve().parents[2]
FAMILY_TILERS = ("llava_onevision/ov", "llava_onevision/tiny-test", "llava_next/siglip-336")


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


@pytest.fixture(scope="module")
def vectors() -> dict:
    return json.loads((REPO / "tests/data/layout_vectors.json").read_text())


@pytest.fixture(scope="module")
def tokenizer():
    return llava.family_tokenizer()


def processor_for(name: str, layout: dict, tokenizer) -> ProcessorMixin:
    pinpoints = layout["anyres"]["pinpoints"]
    side, tile = layout["anyres"]["feature_side"], layout["tiler"]["tile_size"]
    if name.startswith("llava_onevision/"):
        image = LlavaOnevisionImageProcessorPil(image_grid_pinpoints=pinpoints)
        ratio = f"anyres_max_{layout['anyres']['max_tiles']}"
        return llava.ImageOnlyOnevisionProcessor(
            image,
            tokenizer,
            num_image_tokens=side**2,
            vision_feature_select_strategy="full",
            vision_aspect_ratio=ratio,
        )
    image = LlavaNextImageProcessorPil(
        size={"shortest_edge": tile},
        crop_size={"height": tile, "width": tile},
        image_grid_pinpoints=pinpoints,
    )
    return LlavaNextProcessor(
        image,
        tokenizer,
        patch_size=tile // side,
        vision_feature_select_strategy="full",
        num_additional_image_tokens=0,
    )


@pytest.mark.parametrize("name", FAMILY_TILERS)
def test_cases_are_the_processors(vectors, tokenizer, name):
    layout = vectors["layouts"][name]
    processor = processor_for(name, layout, tokenizer)
    image_id = tokenizer.convert_tokens_to_ids("<image>")
    cases = [c for c in vectors["cases"] if c["layout"] == name]
    assert len(cases) >= 15
    for c in cases:
        w, h, expect = c["width"], c["height"], c["expect"]
        canvas = select_best_resolution((h, w), layout["anyres"]["pinpoints"])
        assert list(canvas) == expect["canvas"][::-1], c["id"]
        out = processor(images=Image.new("RGB", (w, h), (40, 90, 160)), text="<image>")
        assert len(out["pixel_values"][0]) == expect["images_to_encode"], c["id"]
        assert list(out["input_ids"][0]).count(image_id) == expect["image_tokens"], c["id"]
