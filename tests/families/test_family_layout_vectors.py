"""The SmolVLM and InternVL cases of tests/data/layout_vectors.json are what transformers' own
image processors make, with the published checkpoints' settings (SmolVLM-256M-Instruct's and
InternVL3-1B-hf's), on blank pictures of each size: the grid, the frames and the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from transformers import GotOcr2ImageProcessorPil, Idefics3ImageProcessorPil

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def vectors() -> dict:
    return json.loads((REPO / "tests/data/layout_vectors.json").read_text())


def cases_of(vectors: dict, layout: str) -> list[dict]:
    return [c for c in vectors["cases"] if c["layout"] == layout]


def test_smolvlm_cases_are_its_image_processors(vectors):
    layout = vectors["layouts"]["smolvlm/256m"]
    proc = Idefics3ImageProcessorPil(
        size={"longest_edge": layout["idefics3"]["longest_edge"]},
        max_image_size={"longest_edge": layout["tiler"]["tile_size"]},
        resample=1,
    )
    for c in cases_of(vectors, "smolvlm/256m"):
        out = proc(Image.new("RGB", (c["width"], c["height"])), return_row_col_info=True)
        grid = [out["cols"][0][0], out["rows"][0][0]]
        assert (grid, len(out["pixel_values"][0])) == (
            c["expect"]["grid"],
            c["expect"]["images_to_encode"],
        ), c["id"]
        # the run's text is the processor's expansion (Idefics3Processor.replace_image_token)
        cols, rows = grid
        fake = "<fake_token_around_image>"
        want = (
            "".join(
                "".join(f"{fake}<row_{r}_col_{k}>" + "<image>" * 64 for k in range(1, cols + 1)) + "\n"
                for r in range(1, rows + 1)
            )
            + ("\n" if rows else "")
            + f"{fake}<global-img>"
            + "<image>" * 64
            + fake
        )
        runs = c["expect"]["runs"]
        text = "".join(r["text"] if r["run"] == "text" else "<image>" * r["tokens"] for r in runs)
        assert text == want, c["id"]


def test_internvl_cases_are_its_image_processors(vectors):
    layout = vectors["layouts"]["internvl/internvl3"]
    tile = layout["tiler"]["tile_size"]
    proc = GotOcr2ImageProcessorPil(
        size={"height": tile, "width": tile}, resample=3, crop_to_patches=True, min_patches=1, max_patches=12
    )
    for c in cases_of(vectors, "internvl/internvl3"):
        tiles = proc(Image.new("RGB", (c["width"], c["height"])))["num_patches"][0]
        assert tiles == c["expect"]["images_to_encode"], c["id"]
        assert c["expect"]["image_tokens"] == 256 * tiles, c["id"]
        runs = c["expect"]["runs"]
        assert runs[0] == {"run": "text", "text": "<img>"} and runs[-1] == {"run": "text", "text": "</img>"}
