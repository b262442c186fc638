"""SmolVLM / Idefics3 and InternVL towers + connectors against transformers, eager and exported.

Tiles come from each checkpoint's own processor on a real picture (bluev's sample,
900x500: several rows and columns of tiles plus the global image / thumbnail); the
reference is the HF model's `get_image_features`. The exported programs are the ones
`bluev export` writes (export/programs.py, lowered for XNNPACK) run by ExecuTorch's
runtime.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch import nn
from transformers import AutoModelForImageTextToText, InternVLConfig, InternVLForConditionalGeneration

from bluev.export.lower import Coverage, lower
from bluev.export.programs import projector_programs, vision_programs
from bluev.export.towers.idefics3 import Idefics3Projector, Idefics3Tower
from bluev.export.towers.internvit import InternViTTower, InternVLProjector
from bluev.quant.apply import quantize_vision_
from bluev.quant.recipes import parse_recipe
from bluev.runtime.kernels import load_program
from bluev.runtime.sample_picture import draw_sample

PROMPT = "What is in this picture?"
# what stays on portable kernels: nothing, but InternViT's drop of the CLS row at the very end
VISION_CPU_OPS = {"idefics3": set(), "internvl": {"aten_slice_copy_tensor"}}
# tiles the processor makes of a 900x500 picture: 4 x 3 + global image; InternVL 4 x 2 + thumbnail
TILES = {"idefics3": 13, "smolvlm": 13, "internvl": 9}
# the export's batch bound: the processor's largest split (4 x 4 + 1; InternVL max_patches 12 + 1)
MAX_BATCH = {"idefics3": 17, "smolvlm": 17, "internvl": 13}


@dataclass
class Case:
    family: str
    tower: nn.Module
    projector: nn.Module
    tiles: torch.Tensor  # [B, 3, S, S], the processor's pixel_values
    expected: torch.Tensor  # transformers' image features [B * tokens_per_tile, D]


def processor_inputs(processor) -> dict:  # noqa: ANN001
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": PROMPT}]}]
    text = processor.apply_chat_template(messages, add_generation_prompt=True)
    return processor(images=[draw_sample(900, 500)], text=text, return_tensors="pt")


def build_case(family: str, path: Path, processor) -> Case:  # noqa: ANN001
    model = AutoModelForImageTextToText.from_pretrained(
        path, use_safetensors=True, dtype=torch.float32
    ).eval()
    inputs = processor_inputs(processor)
    config = model.config
    with torch.no_grad():
        if family == "internvl":
            tiles = inputs["pixel_values"]
            features = model.get_image_features(
                tiles,
                vision_feature_layer=config.vision_feature_layer,
                vision_feature_select_strategy=config.vision_feature_select_strategy,
            ).pooler_output
            tower = InternViTTower(
                model.model.vision_tower, config.vision_feature_layer, config.vision_feature_select_strategy
            )
            projector = InternVLProjector(model.model.multi_modal_projector, config.downsample_ratio)
        else:
            tiles = inputs["pixel_values"][0]  # [1, images, 3, S, S]: one image's tiles
            features = torch.cat(
                model.get_image_features(inputs["pixel_values"], inputs["pixel_attention_mask"]).pooler_output
            )
            tower, projector = (
                Idefics3Tower(model.model.vision_model),
                Idefics3Projector(model.model.connector),
            )
    expected = features.reshape(-1, features.shape[-1])
    return Case(family, tower.eval(), projector.eval(), tiles, expected)


@pytest.fixture(scope="module")
def case(request, family_processor) -> Case:  # noqa: ANN001
    path = request.getfixturevalue(f"{request.param}_checkpoint")
    return build_case(request.param, path, family_processor(path))


@dataclass
class Exported:
    features: torch.Tensor  # vision_encoder.pte's output [B, N, width]
    embeddings: torch.Tensor  # projector.pte's output [B * tokens_per_tile, D]
    vision: Coverage
    projector: Coverage


def run_exported(
    tower: nn.Module, projector: nn.Module, tiles: torch.Tensor, max_batch: int, out: Path
) -> Exported:
    """Lower vision and projector programs for XNNPACK, write the .pte files, run them in ExecuTorch."""
    with torch.no_grad():
        patches = tower(tiles[:1])
    vision = lower(vision_programs(tower, max_batch), "xnnpack")
    proj = lower(projector_programs(projector, patches.shape[1], patches.shape[2], max_batch), "xnnpack")
    (out / "vision_encoder.pte").write_bytes(vision.program)
    (out / "projector.pte").write_bytes(proj.program)
    vision_method = load_program(out / "vision_encoder.pte").load_method("forward")
    projector_method = load_program(out / "projector.pte").load_method("forward")
    features = vision_method.execute([tiles.contiguous()])[0]
    return Exported(features, projector_method.execute([features])[0], vision.coverage, proj.coverage)


def assert_delegated(case: Case, exported: Exported, label: str) -> None:
    for name, cov in (("vision_encoder", exported.vision), ("projector", exported.projector)):
        print(f"{case.family} {label} {name}: {cov.text()} ops delegated, on CPU {cov.left_on_cpu}")
    assert set(exported.vision.left_on_cpu or {}) == VISION_CPU_OPS[case.family], exported.vision.left_on_cpu
    assert not exported.projector.left_on_cpu, exported.projector.left_on_cpu


# the 900x500 picture's grid (columns, rows) and tokens per tile in the tiny checkpoints
GRIDS = {"idefics3": (4, 3, 4), "smolvlm": (4, 3, 9), "internvl": (4, 2, 16)}


@pytest.mark.parametrize("family", list(GRIDS))
def test_prompt_image_runs_follow_the_documented_layout(request, family_processor, family: str) -> None:
    """The counts docs/families-notes.md and tools/family_token_counts.py give, on the real processor."""
    processor = family_processor(request.getfixturevalue(f"{family}_checkpoint"))
    ids = processor_inputs(processor)["input_ids"][0].tolist()
    cols, rows, per_tile = GRIDS[family]
    tokenizer = processor.tokenizer
    if family == "internvl":
        first, last = (
            ids.index(tokenizer.convert_tokens_to_ids("<img>")),
            ids.index(tokenizer.convert_tokens_to_ids("</img>")),
        )
        assert ids.count(processor.image_token_id) == (cols * rows + 1) * per_tile
        assert last - first + 1 == 2 + (cols * rows + 1) * per_tile
        return
    fake = tokenizer.convert_tokens_to_ids("<fake_token_around_image>")
    first, last = ids.index(fake), len(ids) - 1 - ids[::-1].index(fake)
    assert ids.count(processor.image_token_id) == (cols * rows + 1) * per_tile
    assert last - first + 1 == rows * (cols * (per_tile + 2) + 1) + per_tile + 3
    assert tokenizer.convert_ids_to_tokens(ids[first + 1]) == "<row_1_col_1>"


@pytest.mark.parametrize("case", list(TILES), indirect=True)
def test_eager_tower_and_connector_match_transformers(case: Case) -> None:
    assert case.tiles.shape[0] == TILES[case.family]  # several rows and columns, plus the whole image
    assert case.expected.std() > 0.01  # 100x the tolerance: a wrong tower could not match by accident
    with torch.no_grad():
        ours = case.projector(case.tower(case.tiles))
    assert ours.shape == case.expected.shape
    error = float((ours - case.expected).abs().max())
    spread = float(case.expected.std())
    print(f"{case.family} eager: max abs error vs transformers {error:.2e}, features std {spread:.3f}")
    assert error <= 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("case", ["idefics3", "internvl"], indirect=True)
def test_exported_float_programs_match_transformers(case: Case, tmp_path: Path) -> None:
    exported = run_exported(case.tower, case.projector, case.tiles, MAX_BATCH[case.family], tmp_path)
    assert exported.embeddings.shape == case.expected.shape
    error = float((exported.embeddings - case.expected).abs().max())
    print(f"{case.family} float: max abs error of the ExecuTorch programs vs transformers {error:.2e}")
    assert error <= 1e-3
    assert_delegated(case, exported, "float")


def min_cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """The worst cosine over rows (patches or embeddings), each against its float twin."""
    return float(
        torch.nn.functional.cosine_similarity(a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1])).min()
    )


@pytest.mark.slow
@pytest.mark.parametrize("case", ["idefics3", "internvl"], indirect=True)
def test_8bit_programs_keep_the_features(case: Case, tmp_path: Path) -> None:
    tower, projector = copy.deepcopy(case.tower), copy.deepcopy(case.projector)
    quantize_vision_(tower, projector, parse_recipe("default"))  # 8-bit weights, 8-bit dynamic activations
    exported = run_exported(tower, projector, case.tiles, MAX_BATCH[case.family], tmp_path)
    with torch.no_grad():
        float_features = case.tower(case.tiles)
    features, embeddings = (
        min_cosine(exported.features, float_features),
        min_cosine(exported.embeddings, case.expected),
    )
    print(f"{case.family} 8-bit: min cosine, tower features {features:.5f}, embeddings {embeddings:.5f}")
    assert features > 0.99 and embeddings > 0.99
    assert (exported.embeddings - case.expected).abs().max() > 1e-6  # the weights really are 8-bit
    assert_delegated(case, exported, "8-bit")


def tiny_internvl(**vision: object) -> InternVLForConditionalGeneration:
    config = InternVLConfig(
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 3,
            "num_attention_heads": 2,
            "image_size": 56,
            "patch_size": 14,
            **vision,
        },
        text_config={"model_type": "qwen2", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 1},
        image_token_id=63,
    )
    torch.manual_seed(0)
    return InternVLForConditionalGeneration(config).eval()


@pytest.mark.parametrize(
    ("vision", "feature_layer"),
    [
        ({}, -2),  # an inner layer: hidden_states[-2], no final norm
        ({}, 2),
        (
            {"use_mean_pooling": False},
            3,
        ),  # the last layer by number: hidden_states[3], without the final norm
        (
            {"norm_type": "rms_norm", "use_qk_norm": True, "use_mean_pooling": False},
            -1,
        ),  # InternViT-6B's form
    ],
)
def test_internvit_variants_match_transformers(checkpoint_helpers, vision: dict, feature_layer: int) -> None:
    model = tiny_internvl(**vision)
    checkpoint_helpers.randomize_constant_params_(model.model, seed=1)
    tiles = torch.randn(3, 3, 56, 56, generator=torch.Generator().manual_seed(2))
    tower = InternViTTower(model.model.vision_tower, feature_layer).eval()
    projector = InternVLProjector(model.model.multi_modal_projector, model.config.downsample_ratio).eval()
    with torch.no_grad():
        expected = model.get_image_features(tiles, vision_feature_layer=feature_layer).pooler_output
        ours = projector(tower(tiles))
    assert expected.std() > 0.01
    assert (ours - expected.reshape(ours.shape)).abs().max() <= 1e-4


def test_unsupported_internvl_layouts_are_refused() -> None:
    model = tiny_internvl()
    with pytest.raises(ValueError, match="only 'default'"):
        InternViTTower(model.model.vision_tower, -1, "full")
    with pytest.raises(ValueError, match="outside"):
        InternViTTower(model.model.vision_tower, 7)
    with pytest.raises(ValueError, match="1 / integer"):
        InternVLProjector(model.model.multi_modal_projector, 0.3)
