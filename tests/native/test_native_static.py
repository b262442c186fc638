"""The static (NPU) LLM layout lowered to XNNPACK, run by bluev-runner's StaticLayout.

The same tiny float weights exported twice, `--llm-layout dynamic` (the default) and `static`:
the runner must choose the same greedy tokens from logits that agree to float tolerance at
every step (prefill over several padded chunks, then decode with the caches carried over).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from bluev.export.mediatek.graphs import NpuDecoder, NpuSession, npu_shapes
from bluev.runtime.manifest import MANIFEST, read_manifest
from bluev.runtime.text import TextCodec

PROMPT = "What is in this picture?"
STEPS = 12


def step_logits(
    build, artifacts: Path, prompt: str, image: Path | None, out: Path
) -> tuple[np.ndarray, dict]:
    """The runner's logits at every greedy step, through the check tool (tools/check.cpp)."""
    r = build.run(
        "bluev-native-check", "logits", str(artifacts), prompt, str(image or "-"), str(STEPS), str(out)
    )
    assert r.returncode == 0, r.stderr[-3000:]
    info = json.loads(r.stdout)
    vocab = read_manifest(artifacts / MANIFEST).llm.vocab_size
    return np.fromfile(out, dtype=np.float32).reshape(-1, vocab), info


def test_static_manifest_and_token_table(tiny_static_artifacts, tiny_artifacts, load_program):
    m = read_manifest(tiny_static_artifacts / MANIFEST)
    assert m.backend == "xnnpack" and m.llm.layout == "static" and m.llm.methods.embed is None
    assert m.npu is not None and m.npu.soc is None and m.npu.chip is None
    assert m.npu.cache_len == m.llm.max_seq_len - m.npu.chunk and m.npu.rope_theta > 0
    table = np.fromfile(tiny_static_artifacts / m.npu.embedding.file, dtype=np.float32)
    table = table.reshape(m.npu.embedding.shape)
    # the rows the dynamic program's own embedding method returns
    ids = torch.tensor([[0, 1, 2, 198, 5000, m.llm.vocab_size - 1]])
    dynamic = load_program(tiny_artifacts / "llm.pte").load_method("token_embedding").execute([ids])[0]
    np.testing.assert_array_equal(table[ids[0].numpy()], dynamic[0].numpy())


@pytest.mark.parametrize("with_image", [True, False], ids=["image", "text"])
def test_static_layout_same_tokens_and_logits_as_dynamic(
    host_build, tiny_artifacts, tiny_static_artifacts, sample_image, tmp_path, with_image
):
    image = sample_image if with_image else None
    dynamic, d_info = step_logits(host_build, tiny_artifacts, PROMPT, image, tmp_path / "dynamic.bin")
    static, s_info = step_logits(host_build, tiny_static_artifacts, PROMPT, image, tmp_path / "static.bin")
    assert s_info == d_info
    if with_image:  # several prefill chunks, the last one padded
        assert d_info["prefill_tokens"] > 3 * read_manifest(tiny_static_artifacts / MANIFEST).npu.chunk
    assert static.shape == dynamic.shape == (STEPS, dynamic.shape[1])
    scale = np.abs(dynamic).max()
    # The static graph's RMSNorm drops eps (export/mediatek/graphs.py rms_norm): on tiny's small
    # random activations that moves the logits by ~6e-4 of their range. The runner's own part,
    # against the eager static graph, is exact to float rounding (the test below).
    np.testing.assert_allclose(static, dynamic, rtol=0, atol=2e-3 * scale)
    assert (static.argmax(-1) == dynamic.argmax(-1)).all()


@pytest.mark.parametrize("words", [1, 60], ids=["one-chunk", "three-chunks"])
def test_static_layout_matches_the_eager_static_graph(
    host_build, tiny_model, tiny_static_artifacts, tmp_path, words
):
    """Mask, rope rows, token table, padded chunks and the caches carried between calls, against
    NpuSession (export/mediatek/graphs.py) running the same NpuDecoder eagerly in PyTorch."""
    m = read_manifest(tiny_static_artifacts / MANIFEST)
    prompt = " ".join(["What is in this picture?"] * words)
    got, info = step_logits(host_build, tiny_static_artifacts, prompt, None, tmp_path / "static.bin")
    chat = m.chat_template
    ids = TextCodec(tiny_static_artifacts / m.tokenizer.file).encode(chat.prefix + prompt + chat.suffix)
    assert info["prefill_tokens"] == len(ids)
    llm = tiny_model.llm
    decoder = NpuDecoder(llm).eval()
    session = NpuSession(llm, npu_shapes(llm, m.npu.chunk), decoder, decoder)
    rows = []
    with torch.no_grad():
        logits = session.run(llm.tok_embeddings(torch.tensor([ids])))
        for _ in range(STEPS):
            rows.append(logits[0].numpy())
            logits = session.run(llm.tok_embeddings(logits.argmax(-1, keepdim=True)))
    expect = np.stack(rows)
    np.testing.assert_allclose(got, expect, rtol=0, atol=1e-5 * np.abs(expect).max())
    assert info["token_ids"] == expect.argmax(-1).tolist()


def test_runner_answers_with_the_static_layout(
    host_build, tiny_static_artifacts, tiny_artifacts, sample_image
):
    def answer(artifacts: Path) -> dict:
        r = host_build.run(
            "bluev-runner",
            "--artifacts",
            str(artifacts),
            "--image",
            str(sample_image),
            "--prompt",
            PROMPT,
            "--max-new-tokens",
            "6",
            "--warmup",
            "1",
            "--runs",
            "2",
            "--stats-json",
            "--token-ids",
        )
        assert r.returncode == 0, r.stderr[-3000:]
        return json.loads(r.stdout.rstrip("\n").split("\n")[-1])

    static, dynamic = answer(tiny_static_artifacts), answer(tiny_artifacts)
    # warm-up and runs reset the caches: every run gives the dynamic layout's tokens
    assert [r["generated_tokens"] for r in static["runs"]] == [6, 6]
    assert static["token_ids"] == dynamic["token_ids"]
    for key in ("tiles", "prefill_tokens", "decode_tokens", "stop_reason"):
        assert static[key] == dynamic[key], key
    assert static["decode_tok_s"] > 0 and static["image_encode_ms"] > 0


def test_prompt_over_the_static_capacity(one_line_error, host_build, tiny_static_artifacts):
    r = host_build.run("bluev-runner", "--artifacts", str(tiny_static_artifacts), "--prompt", "word " * 1900)
    one_line_error(r, "bluev-runner: error: prompt:", "over the")


def test_python_pipeline_names_bluev_runner(bluev_cli, one_line_error, tiny_static_artifacts):
    r = bluev_cli("run", "--artifacts", str(tiny_static_artifacts), "--prompt", "Hi")
    one_line_error(r, "static LLM layout", "bluev-runner")


def test_npu_programs_refused_by_the_cpu_build(one_line_error, host_build, tiny_static_artifacts, tmp_path):
    """A MediaTek set's manifest names backend mediatek: this CPU build says where it runs instead."""
    copy = tmp_path / "npu"
    copy.mkdir()
    for f in tiny_static_artifacts.iterdir():
        (copy / f.name).symlink_to(f)
    data = json.loads((tiny_static_artifacts / MANIFEST).read_text())
    for comp in data["components"].values():
        comp["backend"], comp["soc"] = "mediatek", "mt6989"
    data["npu"]["soc"], data["npu"]["chip"] = "mt6989", "Dimensity 9300"
    (copy / MANIFEST).unlink()
    (copy / MANIFEST).write_text(json.dumps(data))
    r = host_build.run("bluev-runner", "--artifacts", str(copy), "--prompt", "Hi")
    one_line_error(r, "built for backend 'mediatek'", "NeuroPilot")
