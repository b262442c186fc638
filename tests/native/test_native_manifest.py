"""The C++ manifest reader (runtime/native/src/manifest.cpp) against runtime/manifest.py.

On every manifest the suite exports (dynamic and static layouts, text and multimodal) and on the
checked-in samples of tests/data/manifests/ (tools/make_manifest_samples.py) when present.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bluev.runtime.manifest import MANIFEST, Manifest, read_manifest

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "manifests"


def expected(m: Manifest) -> dict:
    """What manifest.cpp must have read, in the check tool's shape (tools/check.cpp manifest)."""
    files = [
        {"role": n, "file": c.file, "sha256": c.sha256, "backend": c.backend} for n, c in m.components.items()
    ]
    files += [  # a program's data file (llm.ptd), under Manifest.files()'s role
        {"role": f"{n} data", "file": c.data.file, "sha256": c.data.sha256, "backend": ""}
        for n, c in m.components.items()
        if c.data is not None
    ]
    files.append({"role": "tokenizer", "file": m.tokenizer.file, "sha256": m.tokenizer.sha256, "backend": ""})
    chat = m.chat_template
    out: dict = {
        "preset": m.preset,
        "tokenizer": m.tokenizer.file,
        "eos_ids": m.special_tokens.eos_ids,
        "chat_template": {
            "prefix": chat.prefix,
            "suffix": chat.suffix,
            "image_position": chat.image_position,
        },
    }
    if m.multimodal:
        v, t = m.vision, m.vision.tiler
        out["vision"] = {
            "encoder": m.components["vision_encoder"].file,
            "projector": m.components["projector"].file,
            "max_batch": v.max_batch,
            "fixed_batch": v.fixed_batch,
            "mean": v.normalize.mean,
            "std": v.normalize.std,
            "tiler": {
                "policy": t.policy,
                "tile_size": t.tile_size,
                "alpha": t.alpha,
                "min_tiles": t.min_tiles,
                "max_tiles": t.max_tiles,
                "grids": [list(g) for g in t.grids],
                "thumbnail": t.thumbnail,
                "tokens_per_tile": t.tokens_per_tile,
            },
        }
    if m.has_llm:
        llm = m.llm
        out["llm"] = {
            "file": m.components["llm"].file,
            "data": m.components["llm"].data.file if m.components["llm"].data is not None else "",
            "backend": m.components["llm"].backend,
            "layout": llm.layout,
            "embed": llm.methods.embed or "",
            "prefill": llm.methods.prefill,
            "decode": llm.methods.decode,
            **{k: getattr(llm, k) for k in ("chunk_size", "max_seq_len", "dim", "vocab_size")},
            **{k: getattr(llm, k) for k in ("n_layers", "n_heads", "n_kv_heads")},
        }
        if llm.layout == "static":
            npu = m.npu
            files.append(
                {
                    "role": "token_embedding",
                    "file": npu.embedding.file,
                    "sha256": npu.embedding.sha256,
                    "backend": "",
                }
            )
            out["static"] = {
                "soc": npu.soc or "",
                "chunk": npu.chunk,
                "cache_len": npu.cache_len,
                "inputs": npu.inputs,
                "mask_value": npu.mask_value,
                "rope_theta": npu.rope_theta,
                "embedding": npu.embedding.file,
                "embedding_shape": npu.embedding.shape,
                "embedding_dtype": npu.embedding.dtype,
            }
    out["files"] = files
    return out


def check(build, path: Path) -> None:
    r = build.run("bluev-native-check", "manifest", str(path))
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    want = expected(read_manifest(path))
    for d in (got, want):  # nlohmann-json keeps object keys sorted: compare the files as a set
        d["files"] = sorted(d["files"], key=lambda f: f["role"])
    assert {k: got.get(k) for k in want} == want, path.name
    assert set(got) == set(want), path.name  # nothing read that Python does not have


@pytest.mark.parametrize(
    "fixture", ["tiny_artifacts", "tiny_quant_artifacts", "tiny_static_artifacts", "smollm2_artifacts"]
)
def test_reader_matches_python_on_exported_sets(any_build, request, fixture):
    check(any_build, request.getfixturevalue(fixture) / MANIFEST)


def test_reader_matches_python_on_the_samples(host_build):
    """Every sample is parsed as runtime/manifest.py reads it (the MediaTek one too: parsing is
    not running; the runner refuses it below)."""
    samples = sorted(SAMPLES.glob("*.json"))
    assert {p.stem for p in samples} >= {"tiny-xnnpack", "smollm2", "tiny-static", "tiny-mediatek"}
    for path in samples:
        check(host_build, path)


# sample -> what bluev-runner's one line says about a set made that way (files absent: the
# backend is refused before any file is looked at)
REFUSED = {
    "tiny-mediatek": ["backend 'mediatek'", "NeuroPilot"],
    "tiny-vulkan": ["backend 'vulkan'", "--backend xnnpack"],
    "tiny-vision-only": ["vision-only artifacts"],
}


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_runner_refuses_sets_it_cannot_run(one_line_error, host_build, tmp_path, kind):
    (tmp_path / MANIFEST).write_bytes((SAMPLES / f"{kind}.json").read_bytes())
    r = host_build.run("bluev-runner", "--artifacts", str(tmp_path), "--prompt", "Hi")
    one_line_error(r, str(tmp_path), *REFUSED[kind])


@pytest.mark.parametrize("kind", ["tiny-xnnpack", "smollm2", "tiny-static"])
def test_runner_accepts_the_xnnpack_samples(one_line_error, host_build, tmp_path, kind):
    """An XNNPACK sample gets past the manifest: the runner then asks for its first file."""
    (tmp_path / MANIFEST).write_bytes((SAMPLES / f"{kind}.json").read_bytes())
    r = host_build.run("bluev-runner", "--artifacts", str(tmp_path), "--prompt", "Hi")
    one_line_error(r, "missing (", "named by the manifest)")


def test_reader_refuses_what_it_cannot_run(one_line_error, host_build, tiny_static_artifacts, tmp_path):
    data = json.loads((tiny_static_artifacts / MANIFEST).read_text())
    data["npu"]["inputs"] = list(reversed(data["npu"]["inputs"]))
    (tmp_path / MANIFEST).write_text(json.dumps(data))
    r = host_build.run("bluev-native-check", "manifest", str(tmp_path / MANIFEST))
    one_line_error(r, "npu.inputs are not embeddings, mask, rope")
    data["llm"]["layout"] = "paged"
    (tmp_path / MANIFEST).write_text(json.dumps(data))
    r = host_build.run("bluev-native-check", "manifest", str(tmp_path / MANIFEST))
    one_line_error(r, "llm.layout 'paged'")


def test_runner_refuses_a_family_layout(one_line_error, host_build, tmp_path):
    """A family's own image layout (e.g. LLaVA-OneVision's anyres packing) is not bluev's: the
    runner says so instead of answering with the wrong tokens."""
    data = json.loads((SAMPLES / "tiny-xnnpack.json").read_text())
    data["layout"]["kind"], data["layout"]["family"] = "llava-anyres", "llava_onevision"
    (tmp_path / MANIFEST).write_text(json.dumps(data))
    r = host_build.run("bluev-runner", "--artifacts", str(tmp_path), "--prompt", "Hi")
    one_line_error(r, "image layout 'llava-anyres' (llava_onevision)", "use bluev run")
