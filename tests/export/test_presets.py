"""Preset registry and shapes; bluelm-v-3b is checked by arithmetic, not by building 2.7B weights."""

from __future__ import annotations

import pytest

from bluev.errors import BadInput
from bluev.export.llm import LlmArgs
from bluev.export.presets import PRESETS, get_preset


def test_registry():
    assert set(PRESETS) == {"tiny", "bluelm-v-3b", "smollm2", "hf"}
    with pytest.raises(BadInput, match="unknown"):
        get_preset("gpt-5")


def test_bluelm_v_3b_sizes_match_the_paper():
    p = get_preset("bluelm-v-3b")
    v, spec = p.vision, p.llm
    # SigLIP so400m/14 at 384: width 1152, 27 layers, 16 heads, MLP 4304 -> ~400M parameters
    assert (v.hidden_size, v.num_hidden_layers, v.num_attention_heads, v.intermediate_size) == (
        1152,
        27,
        16,
        4304,
    )
    per_layer = 4 * 1152 * 1152 + 2 * 1152 * 4304
    assert 0.38e9 < v.num_hidden_layers * per_layer < 0.43e9
    args = LlmArgs(
        vocab_size=49152,
        dim=spec.dim,
        n_layers=spec.n_layers,
        n_heads=spec.n_heads,
        n_kv_heads=spec.n_kv_heads,
        hidden_dim=spec.hidden_dim,
        tie_embeddings=spec.tie_embeddings,
    )
    assert 2.65e9 < args.param_count() < 2.75e9  # "2.7B"
    assert p.tiler.max_tiles == 8  # the paper's 2x4 phone cap


def test_tiny_is_small():
    p = get_preset("tiny")
    assert p.vision.num_hidden_layers <= 2 and p.llm.dim <= 64
