"""What an export's vision programs hold in memory and how fast they encode, by its max_batch.

Loads vision_encoder.pte and projector.pte (``TileEncoder``, as `bluev run` does), encodes one
tile to warm them, then ``--tiles`` random tiles in batches of the manifest's ``max_batch``.
Prints the resident size the import left, what loading added, the peak (VmHWM) and the
encode time. Resident sizes do not depend on what else the machine runs; the time does.
`bluev run --image ... --json` gives the whole answer's peaks by phase (the LLM is loaded there
once the vision programs are freed).

Usage: python tools/vision_memory.py artifacts/onevision-0.5b [--tiles 16] [--threads 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.kernels import proc_status_mb, set_xnnpack_threads
from bluev.runtime.tile_encoder import TileEncoder


def status_mb(field: str) -> float:
    value = proc_status_mb(field)
    if value is None:
        raise SystemExit("vision_memory: reads /proc/self/status (Linux only)")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifacts", type=Path)
    parser.add_argument("--tiles", type=int, default=16, help="tiles to encode (the race photo has 16)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    set_xnnpack_threads(args.threads)
    start = status_mb("VmRSS")
    art = open_artifacts(args.artifacts, verify=False)
    encoder = TileEncoder(art)
    loaded = status_mb("VmRSS")
    size = art.manifest.vision.image_size  # type: ignore[union-attr]  (TileEncoder checked it)
    pixels = np.random.default_rng(0).uniform(-1, 1, (args.tiles, 3, size, size)).astype(np.float32)
    encoder.run_batch(torch.from_numpy(pixels[:1]))
    started = time.perf_counter()
    encoder.encode(pixels)
    seconds = time.perf_counter() - started
    peak = status_mb("VmHWM")
    print(
        f"{args.artifacts}: max_batch {encoder.max_batch}; RSS after import {start:.0f} MB, "
        f"loading +{loaded - start:.0f} MB, peak {peak:.0f} MB (+{peak - loaded:.0f} encoding); "
        f"{args.tiles} tiles in {seconds:.1f} s ({args.threads} threads)"
    )


if __name__ == "__main__":
    main()
