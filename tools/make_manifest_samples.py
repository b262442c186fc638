"""Write tests/data/manifests/*.json: one real manifest per kind of artifact set, for the other readers.

The Android app's Java reader (android_app/core) and the native runner's C++ one are tested
against these files; `tests/runtime/test_manifest_samples.py` checks that each still validates
against docs/manifest.schema.json and round-trips through runtime/manifest.py, so a schema
change that they miss fails the suite until `make manifests` is run again.

Usage: python tools/make_manifest_samples.py [WORK_DIR]   (or `make manifests`; ~15 minutes)
Each kind is exported with the real CLI into WORK_DIR (default: a temporary folder; an existing
export there is reused), then its manifest.json is copied here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from bluev.fileio import atomic_write_text
from bluev.runtime.manifest import MANIFEST, LlmMethods, Manifest, Npu, NpuEmbedding, read_manifest

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "manifests"
BLUEV = Path(sys.executable).parent / "bluev"

# kind -> `bluev export` arguments
KINDS: dict[str, list[str]] = {
    # multimodal, default recipe, the tied table in llm.ptd, stock MultimodalRunner bundle
    "tiny-xnnpack": ["--preset", "tiny", "--data-file"],
    # fixed tile batch; the speech programs (XNNPACK in any set) are sampled by tiny-xnnpack
    "tiny-vulkan": [
        "--preset",
        "tiny",
        "--backend",
        "vulkan",
        "--no-stock-runner",
        "--components",
        "llm,vision",
    ],
    "tiny-vision-only": ["--preset", "tiny", "--components", "vision"],  # "llm": null
    "smollm2": ["--preset", "smollm2"],  # text only, stock TextLLMRunner bundle
    # the NPU's static LLM layout lowered to XNNPACK (bluev-runner): "npu" with a null soc
    "tiny-static": [
        "--preset",
        "tiny",
        "--quant",
        "float",
        "--llm-layout",
        "static",
        "--no-stock-runner",
        "--components",
        "llm,vision",
    ],
}


def export(kind: str, work: Path) -> Manifest:
    out = work / kind
    if not (out / MANIFEST).is_file():
        print(f"exporting {kind} ...", file=sys.stderr, flush=True)
        command = [str(BLUEV), "export", *KINDS[kind], "--out", str(out)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return read_manifest(out / MANIFEST)


def npu_kind(vulkan: Manifest) -> Manifest:
    """A MediaTek set's manifest: the export stops at the NeuroPilot SDK here, so the NPU fields are
    written onto the Vulkan set (same fixed tile batch) as export/mediatek/lower.py writes them."""
    assert vulkan.llm is not None
    table = NpuEmbedding(
        file="token_embedding_fp32.bin",
        sha256="0" * 64,
        bytes=vulkan.llm.vocab_size * vulkan.llm.dim * 4,
        shape=[vulkan.llm.vocab_size, vulkan.llm.dim],
        dtype="float32",
    )
    chunk, layers = vulkan.llm.chunk_size, range(vulkan.llm.n_layers)
    caches = [f"k_cache_{i}" for i in layers] + [f"v_cache_{i}" for i in layers]
    npu = Npu(
        soc="mt6989",
        chip="Dimensity 9300",
        chunk=chunk,
        cache_len=vulkan.llm.max_seq_len - chunk,
        cache_layout="[1, n_kv_heads, cache_len, head_dim] per layer, keys then values; sliding",
        inputs=["embeddings", "mask", "rope", *caches],
        mask_value=-100.0,
        rope="[1, 2, t, head_dim]: cos then sin rows of the call's positions",
        rope_theta=10000.0,
        vision_batch=vulkan.vision.max_batch if vulkan.vision else 0,
        embedding=table,
    )
    components = {
        name: replace(c, backend="mediatek", soc="mt6989", quant="mtk-a16w4")
        for name, c in vulkan.components.items()
    }
    llm = replace(
        vulkan.llm, layout="static", methods=LlmMethods(embed=None, prefill="prefill", decode="decode")
    )
    return replace(vulkan, backend="mediatek", components=components, llm=llm, npu=npu)


def write(name: str, manifest: Manifest) -> None:
    atomic_write_text(OUT / f"{name}.json", json.dumps(manifest.to_dict(), indent=2) + "\n")
    print(f"wrote {OUT / name}.json")


def main(work: Path) -> None:
    manifests = {kind: export(kind, work) for kind in KINDS}
    OUT.mkdir(parents=True, exist_ok=True)
    for kind, manifest in manifests.items():
        write(kind, manifest)
    write("tiny-mediatek", npu_kind(manifests["tiny-vulkan"]))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        folder = Path(tempfile.mkdtemp(prefix="bluev-manifests-"))
        try:
            main(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
