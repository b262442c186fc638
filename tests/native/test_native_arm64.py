"""The aarch64 build on the models, under qemu-aarch64: XNNPACK's arm64 kernels (and ours) on our
programs, the kernels a phone's CPU runs. Greedy tokens must be the Python pipeline's (`bluev run`)
on the same artifacts. Emulated, so kept short, and no timing here is a speed figure."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from bluev.runtime.manifest import MANIFEST, read_manifest
from bluev.runtime.pipeline import Pipeline
from bluev.runtime.sample_picture import draw_sample

PROMPT = "What is in this picture?"


@pytest.fixture(scope="module")
def small_picture(tmp_path_factory):
    """One tile (a 1x1 grid has no thumbnail): one image to encode instead of the sample's 5, a short
    qemu run."""
    path = tmp_path_factory.mktemp("arm64") / "small.png"
    draw_sample().resize((320, 300), Image.BICUBIC).save(path)
    return path


def test_tiny_image_prompt_same_tokens_as_python(
    runner_json, arm64_build, tiny_quant_artifacts, small_picture
):
    with Pipeline(tiny_quant_artifacts) as p:
        expect = p.generate(PROMPT, image=small_picture, max_new_tokens=4)
    text, stats = runner_json(
        arm64_build,
        tiny_quant_artifacts,
        "--image",
        str(small_picture),
        "--prompt",
        PROMPT,
        "--max-new-tokens",
        "4",
    )
    assert stats["token_ids"] == expect.token_ids and text == expect.text
    assert stats["tiles"] == expect.stats.tiles == 1
    assert stats["prefill_tokens"] == expect.stats.prefill_tokens


def test_smollm2_text_same_tokens_as_python(runner_json, arm64_build, smollm2_artifacts):
    prompt, n = "What is the capital of France?", 5
    with Pipeline(smollm2_artifacts) as p:
        expect = p.generate(prompt, max_new_tokens=n)
    text, stats = runner_json(arm64_build, smollm2_artifacts, "--prompt", prompt, "--max-new-tokens", str(n))
    assert stats["token_ids"] == expect.token_ids and text == expect.text
    assert len(stats["token_ids"]) == n


def test_static_layout_on_arm64_matches_x86(arm64_build, host_build, tiny_static_artifacts, tmp_path):
    """The static layout's control logic on arm64: the same tokens and logits as on x86-64."""
    vocab = read_manifest(tiny_static_artifacts / MANIFEST).llm.vocab_size
    logits = {}
    for build in (host_build, arm64_build):
        out = tmp_path / f"{build.directory.name}.bin"
        r = build.run(
            "bluev-native-check", "logits", str(tiny_static_artifacts), "Hi there", "-", "4", str(out)
        )
        assert r.returncode == 0, r.stderr[-3000:]
        logits[build.name] = (r.stdout, np.fromfile(out, dtype=np.float32).reshape(-1, vocab))
    (x86_info, x86), (arm_info, arm) = logits.values()
    assert arm_info == x86_info and arm.shape == x86.shape == (4, vocab)
    np.testing.assert_allclose(arm, x86, rtol=0, atol=1e-4 * np.abs(x86).max())
