"""Recipe names: the registry, the families, and the refusals (one line, exit 2)."""

from __future__ import annotations

import pytest

from bluev.errors import BadInput
from bluev.quant.recipes import RECIPES, check_widths, parse_recipe
from bluev.runtime.manifest import LinearScheme


def test_default_is_the_papers_recipe():
    r = RECIPES["default"]
    assert (r.llm_linear.kind, r.llm_linear.group_size) == ("8da4w", 32)
    assert r.llm_embedding.bits == 8 and r.vision_linear.kind == "8da8w" and r.vision_linear.group_size == 0
    assert r.backend == "xnnpack" and not r.is_float


@pytest.mark.parametrize(
    "name,kind,group,emb",
    [
        ("8da4w-g32", "8da4w", 32, 8),
        ("8da4w-g64", "8da4w", 64, 8),
        ("8da4w-g128-emb4", "8da4w", 128, 4),
        ("4w-g32", "4w", 32, 8),
        ("8da8w", "8da8w", 0, 8),
        ("8da4w", "8da4w", 32, 8),
    ],
)
def test_family_names(name, kind, group, emb):
    r = parse_recipe(name)
    assert (r.llm_linear.kind, r.llm_linear.group_size, r.llm_embedding.bits) == (kind, group, emb)
    assert r.to_manifest().name == name
    assert not r.llm_linear.symmetric


def test_symmetric_variant_is_export_llms_scheme():
    r = parse_recipe("8da4w-g32-sym-emb4")
    assert (r.llm_linear.kind, r.llm_linear.group_size, r.llm_linear.symmetric) == ("8da4w", 32, True)
    assert r.llm_embedding.bits == 4 and r.to_manifest().llm_linear.symmetric is True
    assert "symmetric" in r.description


def test_head4_gives_the_head_the_linears_scheme():
    """export_llm's layout: 4-bit head, 8-bit table; the default's head follows the 8-bit table."""
    default = RECIPES["default"]
    assert default.llm_head == LinearScheme("8da8w")
    assert default.to_manifest().llm_head == LinearScheme("8da8w")
    assert parse_recipe("8da4w-g32-emb4").llm_head == LinearScheme("8da4w", 32)
    assert RECIPES["float"].llm_head == LinearScheme()
    r = parse_recipe("8da4w-g32-head4")
    assert r.llm_head == r.llm_linear and r.llm_embedding.bits == 8
    assert r.to_manifest().llm_head == LinearScheme("8da4w", 32)
    assert "head as the linears" in r.description
    sym = parse_recipe("8da4w-g64-sym-emb4-head4")
    assert sym.llm_head == sym.llm_linear and sym.llm_linear.symmetric and sym.llm_embedding.bits == 4


def test_mediatek_recipes():
    r = parse_recipe("mtk-a16w4")
    assert r.backend == "mediatek" and (r.mediatek_llm, r.mediatek_vision) == ("A16W4", "A16W8")


@pytest.mark.parametrize(
    "name,needle",
    [
        ("int3", "unknown"),
        ("8da4w-g48", "multiple of 32"),
        ("8da8w-g32", "per channel"),
        ("8da4w-g32-emb2", "unknown"),
        ("8da8w-sym", "8da4w only"),
        ("8da8w-head4", "needs 4-bit linears"),
        ("8da4w-head4-emb4", "unknown"),
    ],
)
def test_bad_names(name, needle):
    with pytest.raises(BadInput, match=needle):
        parse_recipe(name)


def test_group_that_does_not_divide_a_layer_names_it():
    with pytest.raises(BadInput, match=r"group size 128 does not divide the input width 64 of layers.0.wq"):
        check_widths(parse_recipe("8da4w-g128"), {"layers.0.wq": 64, "layers.0.w2": 128}, 64)
    check_widths(parse_recipe("8da4w-g64"), {"layers.0.wq": 64, "layers.0.w2": 128}, 64)
