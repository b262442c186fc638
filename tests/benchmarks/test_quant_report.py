"""`bluev quant-report`: float vs quantized on the shipped text and on tiles of real image files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from bluev.quant.texts import data_text


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    """A JPEG with photographic noise and edges, written to disk like a user's file."""
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:600, 0:900]
    img = np.stack([x % 256, y % 256, (x + y) % 256], -1) + rng.normal(0, 25, (600, 900, 3))
    path = tmp_path_factory.mktemp("photos") / "street.jpg"
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(path, quality=90)
    return path


def test_eval_text_ships_with_the_package():
    text = data_text("eval_text.txt")
    assert len(text.split()) > 2000 and "lighthouse" in text


def test_tiny_default_report(bluev_cli, photo):
    r = bluev_cli("quant-report", "--preset", "tiny", "--image", str(photo), "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    rep = json.loads(r.stdout)
    assert rep["recipe"]["name"] == "default" and rep["preset"] == "tiny"
    llm, vision, projector = rep["llm"], rep["vision"], rep["projector"]
    assert set(llm) >= {"recipe", "ppl_float", "ppl_quant", "top1_agreement", "kl", "size_mb"}
    assert llm["tokens"] > 3000 and 0.9 < llm["top1_agreement"] <= 1 and 0 <= llm["kl"] < 0.05
    assert llm["size_mb"] < llm["size_mb_float"] / 3
    assert vision["tiles"] >= 2 and vision["feature_cosine"] >= 0.99  # the 8-bit vision target
    assert projector["output_cosine"] >= 0.99 and vision["size_mb"] < vision["size_mb_float"]


def test_several_recipes_table_including_mediatek(bluev_cli):
    r = bluev_cli(
        "quant-report",
        "--preset",
        "tiny",
        "--recipe",
        "8da8w",
        "--recipe",
        "mtk-a16w8",
        "--components",
        "llm,vision",
        "--max-tokens",
        "600",
    )
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    assert lines[0].split()[:2] == ["recipe", "component"]
    rows = [line.split()[:2] for line in lines[2:]]
    assert rows == [["8da8w", "llm"], ["8da8w", "vision"], ["mtk-a16w8", "llm"], ["mtk-a16w8", "vision"]]


def test_json_list_for_several_recipes(bluev_cli):
    r = bluev_cli(
        "quant-report",
        "--preset",
        "tiny",
        "--recipe",
        "default",
        "--recipe",
        "8da4w-g64",
        "--components",
        "llm",
        "--max-tokens",
        "300",
        "--json",
    )
    assert r.returncode == 0, r.stderr[-2000:]
    reps = json.loads(r.stdout)
    assert [x["recipe"]["name"] for x in reps] == ["default", "8da4w-g64"]
    assert all("vision" not in x for x in reps)


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--recipe", "int3"], "quant recipe 'int3'"),
        (["--recipe", "8da4w-g128"], "does not divide"),
        (["--recipe", "8da4w-g48"], "multiple of 32"),
        (["--preset", "smollm2", "--components", "vision"], "text-only"),
        (["--components", "audio"], "component 'audio'"),
        (["--image", "missing.png"], "missing.png"),
    ],
)
def test_bad_input_is_one_line_exit_2(bluev_cli, args, needle):
    r = bluev_cli("quant-report", *args)
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1
