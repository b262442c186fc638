"""Write the app's layout fixture: a tiny LLaVA-OneVision artifact set and what the Python runtime makes of it

Usage: python android_app/tools/make_layout_fixture.py OUT_DIR [ARTIFACTS]   (`make android-unit` runs it)
ARTIFACTS: an existing export of that checkpoint to copy instead of exporting again.

The Java core (android_app/core: Layouts, AnyresLayout, PromptIds) must read a family's manifest,
build the prompt ids and pack the image features exactly as runtime/layouts/ does. This saves the
parity test's tiny checkpoint (tests/families/llava_checkpoints.py: transformers' own classes and
processor pieces; its prompt ids are proven equal to the processor's there), exports it with the
real CLI into OUT_DIR/artifacts (float, no stock runner), and writes OUT_DIR/expect.json:

- ``prompts``: per picture size (or none) and question, the ids and image positions of
  ``prompt_ids`` (or the one-line error it raises);
- ``packs``: per picture size (and ``max_tiles`` override: the tiny checkpoint never reaches
  anyres_max_9), the plan and ``pack`` of deterministic features ``feature(i)`` over the
  flattened [images * feature_side^2, dim] projector output, written as OUT_DIR/pack-N.f32
  (float32 little-endian).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from bluev.errors import BadInput
from bluev.fileio import atomic_write_text
from bluev.runtime.layouts import open_layout, prompt_ids
from bluev.runtime.manifest import MANIFEST, read_manifest
from bluev.runtime.text import TextCodec

REPO = Path(__file__).resolve().parents[2]
BLUEV = Path(sys.executable).parent / "bluev"
QUESTION = "What is in this picture?"
# (picture size or None, question): a text-only turn, the parity test's picture, extreme shapes,
# and a question holding the image token itself (refused: its positions would not match)
PROMPTS = [
    (None, QUESTION),
    ((900, 500), QUESTION),
    ((500, 900), "Décris l'image en 3 mots, s'il te plaît."),
    ((1, 10000), QUESTION),
    ((900, 500), "Is <image> a token?"),
]
# (width, height, max_tiles override or None); 650x500 with one tile is just over the 1.1 threshold
PACKS = [
    (900, 500, None),
    (500, 900, None),
    (1, 10000, None),
    (900, 500, 1),
    (500, 900, 1),
    (650, 500, 1),
    (3000, 300, 1),
]


def feature(n: int) -> np.ndarray:
    """The fixture's projector output, flattened: exactly reproducible in Java's float32."""
    i = np.arange(n, dtype=np.int64)
    return ((i * 7919) % 2003).astype(np.float32) / np.float32(2003) - np.float32(0.5)


def load_checkpoints():  # noqa: ANN201  (the test helper module)
    path = REPO / "tests" / "families" / "llava_checkpoints.py"
    spec = importlib.util.spec_from_file_location("bluev_llava_checkpoints", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def export(out: Path) -> Path:
    checkpoint = load_checkpoints().save_onevision(out / "checkpoint")
    artifacts = out / "artifacts"
    command = [str(BLUEV), "export", "--preset", "hf", "--checkpoint", str(checkpoint)]
    command += ["--quant", "float", "--no-stock-runner", "--out", str(artifacts)]
    r = subprocess.run(command, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bluev export failed:\n{r.stderr[-2000:]}")
    shutil.rmtree(checkpoint)
    return artifacts


def prompts(artifacts: Path) -> list[dict]:
    manifest = read_manifest(artifacts / MANIFEST)
    layout = open_layout(manifest, artifacts)
    codec = TextCodec(artifacts / manifest.tokenizer.file)
    out = []
    for size, question in PROMPTS:
        plan = None if size is None else layout.plan(*size)
        case: dict = {"image": None if size is None else list(size), "prompt": question}
        try:
            turn = prompt_ids(codec, manifest.chat_template, layout if plan else None, question, plan)
            case.update(ids=turn.ids, image_positions=turn.image_positions)
        except BadInput as exc:
            case["error"] = str(exc)
        out.append(case)
    return out


def packs(artifacts: Path, out_dir: Path) -> list[dict]:
    manifest = read_manifest(artifacts / MANIFEST)
    assert manifest.layout is not None and manifest.layout.anyres is not None and manifest.llm is not None
    dim = manifest.llm.dim
    out = []
    for n, (width, height, max_tiles) in enumerate(PACKS):
        layout = open_layout(manifest, artifacts)
        if max_tiles is not None:
            layout.anyres = replace(layout.anyres, max_tiles=max_tiles)
        plan = layout.plan(width, height)
        side = plan.feature_side
        features = torch.from_numpy(feature(plan.images_to_encode * side * side * dim)).reshape(-1, dim)
        packed = layout.pack(plan, features).numpy().astype("<f4")
        name = f"pack-{n}.f32"
        packed.tofile(out_dir / name)
        out.append(
            {
                "image": [width, height],
                "max_tiles": max_tiles,
                "packed": list(plan.packed),
                "image_tokens": plan.image_tokens,
                "file": name,
            }
        )
    return out


def main() -> None:
    out = Path(sys.argv[1])
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if len(sys.argv) > 2:
        artifacts = Path(shutil.copytree(sys.argv[2], out / "artifacts"))
    else:
        artifacts = export(out)
    expect = {
        "generator": "android_app/tools/make_layout_fixture.py",
        "artifacts": "artifacts",
        "feature": "((i * 7919) % 2003) / 2003 - 0.5 in float32, i over the flattened projector output",
        "prompts": prompts(artifacts),
        "packs": packs(artifacts, out),
    }
    atomic_write_text(out / "expect.json", json.dumps(expect) + "\n")
    print(f"{out}: {len(expect['prompts'])} prompts, {len(expect['packs'])} packs")


if __name__ == "__main__":
    main()
