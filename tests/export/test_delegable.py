"""The delegable forms of norms, rope and attention compute what the originals compute."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn
from transformers import SiglipVisionModel

from bluev.export.builders import build
from bluev.export.llm import rotate_half_matrix
from bluev.export.presets import get_preset
from bluev.graph_forms import layer_norm, mean_last


@pytest.fixture(scope="module")
def tiny():
    return build(get_preset("tiny"))


@pytest.mark.parametrize("shape", [(3, 7, 16), (1, 16), (1, 1, 5, 8)])
def test_mean_last_matches_mean(shape: tuple[int, ...]) -> None:
    x = torch.randn(shape)
    torch.testing.assert_close(mean_last(x), x.mean(-1, keepdim=True))


def test_layer_norm_matches_torch() -> None:
    norm = nn.LayerNorm(32, eps=1e-6)
    with torch.no_grad():
        norm.weight.normal_()
        norm.bias.normal_()
    x = torch.randn(2, 9, 32) * 3 + 1
    torch.testing.assert_close(layer_norm(norm, x), norm(x), rtol=1e-5, atol=1e-5)


def test_rotate_half_matrix_is_the_rotation_exactly() -> None:
    x = torch.randn(1, 5, 3, 64)
    expected = torch.cat([-x[..., 32:], x[..., :32]], dim=-1)
    assert torch.equal(nn.functional.linear(x, rotate_half_matrix(64)), expected)


def test_vision_tower_matches_hf_siglip(tiny) -> None:  # noqa: ANN001

    hf = SiglipVisionModel(tiny.tower.embeddings.config).eval()
    body = getattr(hf, "vision_model", hf)
    body.embeddings.load_state_dict(tiny.tower.embeddings.state_dict())
    for theirs, ours in zip(body.encoder.layers, tiny.tower.layers, strict=False):
        theirs.load_state_dict(ours.state_dict())
    pixels = torch.rand(2, 3, 384, 384) * 2 - 1
    with torch.no_grad():
        expected = hf(pixel_values=pixels, output_hidden_states=True).hidden_states[len(tiny.tower.layers)]
        torch.testing.assert_close(tiny.tower(pixels), expected, rtol=1e-4, atol=1e-4)


def test_llm_window_logits_match_hf_llama(tiny) -> None:  # noqa: ANN001
    tokens = torch.randint(0, 1000, (1, 12), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = tiny.hf_llm(input_ids=tokens).logits
        torch.testing.assert_close(tiny.llm.window_logits(tokens), expected, rtol=1e-4, atol=1e-4)


# what may stay on portable kernels: ExecuTorch's LLM custom ops and the glue around them
# (input_pos read, last-position select, rope-table window, quantized embedding lookup)
LLM_CPU_OPS = {
    "auto_functionalized_v2",  # llama::update_cache
    "llama_custom_sdpa_default",
    "aten_select_copy_int",
    "aten_slice_copy_tensor",
    "aten_split_with_sizes_copy_default",  # the fused [gate; up] output: XNNPACK slices static shapes only
    "aten_embedding_default",
    "torchao_dequantize_affine_default",
}
# the tiles' crop to whole patches (two slices, then the reshape of the cropped view; the
# attention's reshapes are delegated since graph_forms makes each permuted view contiguous)
VISION_CPU_OPS = {"aten_slice_copy_tensor", "aten_view_copy_default"}


@pytest.mark.slow
def test_everything_else_is_delegated(tiny_quant_artifacts) -> None:  # noqa: ANN001

    components = json.loads((tiny_quant_artifacts / "manifest.json").read_text())["components"]
    assert set(components["llm"]["left_on_cpu"]) <= LLM_CPU_OPS
    assert set(components["vision_encoder"]["left_on_cpu"]) <= VISION_CPU_OPS
    # per decoder layer only the cache update (k and v), the attention and the gate/up split leave XNNPACK
    layers = json.loads((tiny_quant_artifacts / "manifest.json").read_text())["llm"]["n_layers"]
    assert components["llm"]["left_on_cpu"]["llama_custom_sdpa_default"] == layers
    assert components["llm"]["left_on_cpu"]["auto_functionalized_v2"] == 2 * layers
    assert components["llm"]["left_on_cpu"]["aten_split_with_sizes_copy_default"] == layers


def test_fused_projections_compute_the_same_logits() -> None:
    fresh = build(get_preset("tiny"))
    tokens = torch.randint(0, 1000, (1, 9), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        separate = fresh.llm.window_logits(tokens)
        fresh.llm.fuse_qkv()
        fresh.llm.fuse_gate_up()
        layer = fresh.llm.layers[0]
        assert layer.attention.wqkv is not None and layer.feed_forward.w13 is not None
        assert not hasattr(layer.feed_forward, "w1")  # the separate weights are gone, not kept twice
        torch.testing.assert_close(fresh.llm.window_logits(tokens), separate, rtol=1e-5, atol=1e-5)
