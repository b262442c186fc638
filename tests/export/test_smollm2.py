"""The real SmolLM2-135M-Instruct: export, answer, stop at end of turn, parity with HF, stock runner."""

from __future__ import annotations

import json

import pytest
import torch

QUESTION = "What is the capital of France?"


@pytest.fixture(scope="module")
def smollm2_pipeline(smollm2_artifacts):
    from bluev.runtime.pipeline import Pipeline

    return Pipeline(smollm2_artifacts)


def test_text_only_artifacts(smollm2_artifacts):
    m = json.loads((smollm2_artifacts / "manifest.json").read_text())
    assert set(m["components"]) == {"llm"} and m["vision"] is None
    assert m["source"]["kind"] == "gguf" and len(m["source"]["sha256"]) == 64
    assert 2 in m["special_tokens"]["eos_ids"]  # <|im_end|>
    assert m["stock_runner"]["runner"] == "TextLLMRunner"


def test_answers_paris_and_stops_by_itself(smollm2_pipeline):
    result = smollm2_pipeline.generate(QUESTION, max_new_tokens=64)
    assert "Paris" in result.text
    assert result.stats.stop_reason == "eos"


def test_greedy_equals_hf_generate_for_32_tokens(smollm2_pipeline):
    from transformers import AutoModelForCausalLM

    from bluev.export.presets import SMOLLM2_GGUF, smollm2_dir

    prompt = "Write a short poem about the sea."
    ours = smollm2_pipeline.generate(prompt, max_new_tokens=32)
    hf = AutoModelForCausalLM.from_pretrained(
        smollm2_dir(), gguf_file=SMOLLM2_GGUF, dtype=torch.float32
    ).eval()
    chat = smollm2_pipeline.chat
    ids = torch.tensor([smollm2_pipeline.codec.encode(chat.prefix + prompt + chat.suffix)])
    with torch.no_grad():
        ref = hf.generate(ids, max_new_tokens=32, do_sample=False)[0, ids.shape[1] :].tolist()
    assert len(ours.token_ids) == 32, ours.stats.stop_reason
    assert ours.token_ids == ref


def test_stock_text_runner_answers_paris(smollm2_artifacts):
    from executorch.extension.llm.runner import GenerationConfig, TextLLMRunner

    from bluev.runtime.pipeline import load_kernels

    load_kernels()
    stock = json.loads((smollm2_artifacts / "manifest.json").read_text())["stock_runner"]
    assert QUESTION in stock["example_prompt"]
    runner = TextLLMRunner(
        str(smollm2_artifacts / stock["program"]), str(smollm2_artifacts / stock["tokenizer"])
    )
    pieces: list[str] = []
    stats: list = []
    runner.generate(
        stock["example_prompt"],
        GenerationConfig(max_new_tokens=64, temperature=0.0, echo=False),
        pieces.append,
        stats.append,
    )
    text = "".join(pieces)
    assert "Paris" in text
    s = json.loads(stats[-1].to_json_string())
    assert s["generated_tokens"] < 64  # stopped at <|im_end|> by itself
