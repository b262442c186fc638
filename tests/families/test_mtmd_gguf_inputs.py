"""The photo race's llama.cpp inputs hold the checkpoint's own weights (benchmarks/host/mtmd_gguf.py).

llama.cpp's converters read a Qwen2ForCausalLM folder and a SigLIP folder + ``llava.projector``
split out of the OneVision checkpoint; each part, loaded back with transformers' own classes,
computes what the composite model computes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch
from transformers import (
    LlavaOnevisionForConditionalGeneration,
    Qwen2Config,
    Qwen2ForCausalLM,
    SiglipVisionModel,
)

from bluev.benchmarks.host.mtmd_gguf import write_text_model, write_vision_model

HERE = Path(__file__).parent
spec = importlib.util.spec_from_file_location("bluev_tests_llava_checkpoints", HERE / "llava_checkpoints.py")
assert spec is not None and spec.loader is not None
llava = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = llava
spec.loader.exec_module(llava)


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> tuple[Path, Path, LlavaOnevisionForConditionalGeneration]:
    folder = tmp_path_factory.mktemp("mtmd")
    checkpoint = llava.save_onevision(folder / "ckpt")
    model = LlavaOnevisionForConditionalGeneration.from_pretrained(checkpoint).eval()
    write_text_model(model, checkpoint, folder / "text")
    write_vision_model(model, folder / "vision")
    return folder / "text", folder / "vision", model


def test_text_folder_is_the_checkpoints_llm(split) -> None:
    text, _, model = split
    config = json.loads((text / "config.json").read_text())
    assert config["architectures"] == ["Qwen2ForCausalLM"] and "model_type" not in config
    assert (text / "tokenizer.json").is_file()
    llm = Qwen2ForCausalLM.from_pretrained(text, config=Qwen2Config(**config)).eval()
    ids = torch.tensor([[1, 5, 9, 200, 31, 7]])
    with torch.no_grad():
        ours = llm(input_ids=ids).logits
        reference = model(input_ids=ids).logits
    assert torch.equal(ours, reference)


def test_vision_folder_and_projector_are_the_checkpoints(split) -> None:
    _, vision, model = split
    config = json.loads((vision / "config.json").read_text())
    assert config["image_grid_pinpoints"] == model.config.image_grid_pinpoints
    assert config["mm_patch_merge_type"] == "spatial_unpad" and config["vision_feature_layer"] == [-1]
    tower = SiglipVisionModel.from_pretrained(vision).eval()
    pixels = torch.rand(1, 3, 384, 384, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ours = tower(pixel_values=pixels, output_hidden_states=True).hidden_states[-1]
        reference = model.model.vision_tower(pixel_values=pixels, output_hidden_states=True).hidden_states[-1]
    assert torch.equal(ours, reference)
    projector = torch.load(vision / "llava.projector", weights_only=True)
    assert sorted(projector) == [
        "image_newline",
        "multi_modal_projector.linear_1.bias",
        "multi_modal_projector.linear_1.weight",
        "multi_modal_projector.linear_2.bias",
        "multi_modal_projector.linear_2.weight",
    ]
    assert torch.equal(projector["image_newline"], model.model.image_newline.float())
    assert torch.equal(
        projector["multi_modal_projector.linear_2.weight"], model.model.multi_modal_projector.linear_2.weight
    )
