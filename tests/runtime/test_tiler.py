"""Grid policies: the paper's worked examples, each policy's rules, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluev.errors import BadInput
from bluev.runtime.tiler import (
    POLICIES,
    TilerConfig,
    parse_size,
    plan_tiles,
    resolutions,
)

sizes = st.integers(min_value=1, max_value=12000)
limits = st.integers(min_value=1, max_value=12)


def plan(w: int, h: int, policy: str, **kw):
    return plan_tiles(w, h, TilerConfig(policy=policy, **kw))


# --- the paper's examples (DESIGN.md section 1) ---------------------------------------


def test_llava_next_enlarges_394x390_to_2x2():
    p = plan(394, 390, "llava-next")
    assert p.grid == (2, 2) and p.canvas == (768, 768)


def test_relaxed_keeps_394x390_at_1x1():
    p = plan(394, 390, "relaxed")
    assert p.grid == (1, 1) and p.canvas == (384, 384) and p.image_tokens == 196


def test_internvl_stretches_380x76_to_5x1():
    p = plan(380, 76, "internvl", max_tiles=6)
    assert p.grid == (5, 1) and p.canvas == (1920, 384) and p.resize == "stretch"
    # 25x the image's area, as the paper says
    assert p.canvas[0] * p.canvas[1] / (380 * 76) == pytest.approx(25.5, rel=0.01)


def test_resolutions_match_the_formula():
    # 394x390 on 1:1: scale = 384/394; floor(394*s)=384, floor(390*s)=380
    assert resolutions(394, 390, (1, 1), 384) == (384 * 380, 384 * 384 - 384 * 380)
    # on 2:2 the image fits without downscaling: R_e = W*H
    assert resolutions(394, 390, (2, 2), 384)[0] == 394 * 390


# --- each policy's rules ---------------------------------------------------------------


def test_relaxed_with_alpha_zero_is_llava_next():
    for w, h in [(394, 390), (640, 480), (4000, 3000), (300, 3000), (1, 1), (1000, 777)]:
        assert plan(w, h, "relaxed", alpha=0.0).grid == plan(w, h, "llava-next").grid


def test_relaxed_larger_alpha_never_adds_tiles():
    for w, h in [(394, 390), (640, 480), (4000, 3000), (800, 600), (1500, 700)]:
        tiles = [plan(w, h, "relaxed", alpha=a).tiles for a in (0.0, 0.1, 0.2, 0.4, 0.8)]
        assert tiles == sorted(tiles, reverse=True)


def test_internvl_tie_rule_uses_image_area():
    # aspect 1.25 is exactly halfway between 1:1 and 3:2 (|1.25-1| == |1.25-1.5|)
    assert plan(500, 400, "internvl", max_tiles=6).grid == (1, 1)  # 200k <= 0.5*384^2*6
    assert plan(1000, 800, "internvl", max_tiles=6).grid == (3, 2)  # 800k >  0.5*384^2*6


def test_thumbnail_only_when_several_tiles():
    assert not plan(300, 300, "relaxed").thumbnail
    assert plan(4000, 3000, "relaxed").thumbnail
    assert not plan(4000, 3000, "relaxed", thumbnail=False).thumbnail
    p = plan(4000, 3000, "relaxed")
    assert p.image_tokens == (p.tiles + 1) * 196


def test_explicit_grids_are_respected():
    grids = ((1, 1), (2, 4))
    assert plan(1080, 2400, "relaxed", grids=grids).grid == (2, 4)
    assert plan(2400, 1080, "llava-next", grids=grids).grid in grids


@pytest.mark.parametrize(
    "kwargs",
    [
        {"policy": "nope"},
        {"alpha": -0.1},
        {"alpha": 1.0},
        {"min_tiles": 3, "max_tiles": 2},
        {"min_tiles": 0},
        {"tile_size": 0},
        {"grids": ()},
    ],
)
def test_bad_config_is_refused(kwargs):
    with pytest.raises(BadInput):
        TilerConfig(**kwargs)


@pytest.mark.parametrize("w,h", [(0, 10), (10, 0), (-5, 10)])
def test_non_positive_size_is_refused(w, h):
    with pytest.raises(BadInput, match="positive"):
        plan_tiles(w, h)


@pytest.mark.parametrize("text,expect", [("1920x1080", (1920, 1080)), ("3X4", (3, 4)), (" 5 , 6 ", (5, 6))])
def test_parse_size(text, expect):
    assert parse_size(text) == expect


@pytest.mark.parametrize("text", ["", "1920", "axb", "1x2x3", "0x5", "-1x5", "1.5x2"])
def test_parse_size_refuses(text):
    with pytest.raises(BadInput):
        parse_size(text)


# --- properties ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(w=sizes, h=sizes, policy=st.sampled_from(POLICIES), lo=limits, span=st.integers(0, 8))
def test_grid_within_limits_and_canvas_is_tiled_exactly(w, h, policy, lo, span):
    cfg = TilerConfig(policy=policy, min_tiles=lo, max_tiles=lo + span)
    p = plan_tiles(w, h, cfg)
    m, n = p.grid
    assert cfg.min_tiles <= m * n <= cfg.max_tiles
    assert (m, n) in cfg.candidate_grids()
    assert p.canvas == (384 * m, 384 * n)
    # the tiles partition the canvas: right count, right size, row-major, no overlap
    assert len(p.tile_boxes) == m * n
    assert sum((r - left) * (b - t) for left, t, r, b in p.tile_boxes) == p.canvas[0] * p.canvas[1]
    assert p.tile_boxes[0][:2] == (0, 0) and p.tile_boxes[-1][2:] == p.canvas
    assert [b[1] for b in p.tile_boxes] == sorted(b[1] for b in p.tile_boxes)
    assert len(set(p.tile_boxes)) == m * n
    cw, ch = p.content_size
    assert 1 <= cw <= p.canvas[0] and 1 <= ch <= p.canvas[1]
    assert p.image_tokens == (m * n + int(p.thumbnail)) * 196


@settings(max_examples=400, deadline=None)
@given(w=sizes, h=sizes, cap=st.integers(1, 12), alpha=st.floats(0.0, 0.9))
def test_relaxed_never_uses_more_tiles_than_llava_next(w, h, cap, alpha):
    relaxed = plan_tiles(w, h, TilerConfig(policy="relaxed", max_tiles=cap, alpha=alpha))
    llava = plan_tiles(w, h, TilerConfig(policy="llava-next", max_tiles=cap))
    assert relaxed.tiles <= llava.tiles
    # and it keeps an effective resolution within alpha of the best one
    best = resolutions(w, h, llava.grid, 384)[0]
    assert best - resolutions(w, h, relaxed.grid, 384)[0] <= alpha * best + 1e-9


@settings(max_examples=200, deadline=None)
@given(w=sizes, h=sizes, policy=st.sampled_from(POLICIES))
def test_plan_is_deterministic_and_transposes(w, h, policy):
    a, b = plan_tiles(w, h, TilerConfig(policy=policy)), plan_tiles(w, h, TilerConfig(policy=policy))
    assert a == b
    if policy != "internvl":
        # a rotated image gets the rotated grid, up to ties between mirror-image grids
        t = plan_tiles(h, w, TilerConfig(policy=policy))
        assert t.tiles == a.tiles
