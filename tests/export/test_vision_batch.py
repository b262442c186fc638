"""`bluev export --vision-batch N`: vision programs that take at most N tiles a call, planned for N,
and the same embeddings as the whole-picture default."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.tile_encoder import TileEncoder


def test_a_smaller_vision_batch_encodes_the_same(
    tiny_quant_artifacts: Path, bluev_cli, tmp_path: Path
) -> None:
    out = tmp_path / "tiny-vision-batch-2"
    r = bluev_cli(
        "export", "--preset", "tiny", "--components", "vision", "--vision-batch", "2", "--out", str(out)
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "exporting vision_encoder.pte (up to 2 tiles)" in r.stderr
    whole, small = open_artifacts(tiny_quant_artifacts), open_artifacts(out)
    assert whole.manifest.vision.max_batch == whole.manifest.vision.tiler.max_tiles + 1 > 2
    assert small.manifest.vision.max_batch == 2
    for name in ("vision_encoder", "projector"):  # the programs' own batch bound
        (tiles,) = small.manifest.components[name].methods["forward"].inputs
        assert tiles.shape[0].max == 2, name
    size = small.manifest.vision.image_size
    pixels = np.random.default_rng(0).uniform(-1, 1, (5, 3, size, size)).astype(np.float32)
    expect = TileEncoder(whole).encode(pixels)  # one call of 5 tiles
    got = TileEncoder(small).encode(pixels)  # batches of 2, 2 and 1
    # per tile and per row (8-bit dynamic activations are quantized row by row): batching changes nothing
    torch.testing.assert_close(got, expect, rtol=0, atol=1e-5)
