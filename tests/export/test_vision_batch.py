"""`bluev export --vision-batch N`: vision programs that take at most N tiles a call, planned for N,
and the same embeddings as the default (one tile a call on XNNPACK)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from bluev.export.programs import vision_batch
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.tile_encoder import TileEncoder


@pytest.mark.parametrize(
    ("requested", "backend", "tiles"),
    [
        (0, "xnnpack", 1),  # a varying batch: one tile a call, as fast and the least memory
        (0, "portable", 1),
        (0, "vulkan", 5),  # fixed-batch programs: a whole picture, or its last call would pad
        (0, "mediatek", 5),
        (2, "xnnpack", 2),
        (2, "mediatek", 2),
        (99, "xnnpack", 5),  # never more than a picture has
    ],
)
def test_vision_batch_defaults_by_backend(requested: int, backend: str, tiles: int) -> None:
    assert vision_batch(4, requested, backend) == tiles  # 4 grid tiles + the thumbnail


def test_a_larger_vision_batch_encodes_the_same(
    tiny_quant_artifacts: Path, bluev_cli, tmp_path: Path
) -> None:
    out = tmp_path / "tiny-vision-batch-2"
    r = bluev_cli(
        "export", "--preset", "tiny", "--components", "vision", "--vision-batch", "2", "--out", str(out)
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "exporting vision_encoder.pte (up to 2 tiles)" in r.stderr
    single, pairs = open_artifacts(tiny_quant_artifacts), open_artifacts(out)
    assert single.manifest.vision.max_batch == 1 and pairs.manifest.vision.max_batch == 2
    assert pairs.manifest.vision.tiler.max_tiles + 1 > 2  # 2 is a real bound, not the whole picture
    for name in ("vision_encoder", "projector"):  # the programs' own batch bound
        (tiles,) = pairs.manifest.components[name].methods["forward"].inputs
        assert tiles.shape[0].max == 2, name
    size = pairs.manifest.vision.image_size
    pixels = np.random.default_rng(0).uniform(-1, 1, (5, 3, size, size)).astype(np.float32)
    expect = TileEncoder(single).encode(pixels)  # five calls of one tile
    got = TileEncoder(pairs).encode(pixels)  # batches of 2, 2 and 1
    # per tile and per row (8-bit dynamic activations are quantized row by row): batching changes nothing
    torch.testing.assert_close(got, expect, rtol=0, atol=1e-5)
