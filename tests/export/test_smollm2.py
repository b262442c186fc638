"""The real SmolLM2-135M-Instruct: export, answer, stop at end of turn, parity with HF."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForCausalLM

from bluev.export.builders import SMOLLM2_GGUF, smollm2_dir
from bluev.export.llm import from_hf_causal_lm
from bluev.quant.texts import data_text
from bluev.runtime.manifest import MANIFEST, read_manifest
from bluev.runtime.pipeline import Pipeline

QUESTION = "What is the capital of France?"


@pytest.fixture(scope="module")
def smollm2_pipeline(smollm2_artifacts):
    return Pipeline(smollm2_artifacts)


def test_run_with_an_image_is_refused_in_one_line(bluev_cli, one_line_error, smollm2_artifacts, sample_image):
    # here, not in tests/runtime/test_run_cli.py: the suite's workers take whole files
    # (`--dist loadfile`), so only this file's worker exports SmolLM2
    r = bluev_cli(
        "run", "--artifacts", str(smollm2_artifacts), "--prompt", "Hi", "--image", str(sample_image)
    )  # fmt: skip
    one_line_error(r, "text-only")


def test_text_only_artifacts(smollm2_artifacts):
    m = read_manifest(smollm2_artifacts / MANIFEST)
    assert set(m.components) == {"llm"} and m.vision is None
    assert m.source.kind == "gguf" and len(m.source.sha256) == 64
    assert 2 in m.special_tokens.eos_ids  # <|im_end|>
    assert m.stock_runner is None  # the suite exports it without (see tests/conftest.py)
    assert m.quantization.name == "default"
    # 4-bit linears + one 8-bit copy of the tied 49152 x 576 table in llm.ptd, read by the
    # lookup and the head: no larger than the Q4_1 GGUF (98 MB); two copies were 122 MB
    llm = m.components["llm"]
    assert llm.data is not None and llm.data.file == "llm.ptd"
    assert llm.bytes + llm.data.bytes <= 98e6
    assert 28e6 < llm.data.bytes < 32e6  # the table (28.3 MB) and its scales, once
    # (the stock bundle, one file with both copies, is checked on tiny: test_export_quant.py)


def test_answers_paris_and_stops_by_itself(smollm2_pipeline):
    result = smollm2_pipeline.generate(QUESTION, max_new_tokens=64)
    assert "Paris" in result.text
    assert result.stats.stop_reason == "eos"


def test_float_model_equals_hf_on_the_real_weights():
    """Our export-ready Transformer computes what transformers computes, before any quantization."""
    hf = AutoModelForCausalLM.from_pretrained(
        smollm2_dir(), gguf_file=SMOLLM2_GGUF, dtype=torch.float32
    ).eval()
    ours = from_hf_causal_lm(hf, 512)
    ids = torch.randint(0, 49152, (1, 48), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert (ours.window_logits(ids) - hf(ids).logits).abs().max() < 1e-3


def test_quantized_pte_predicts_the_next_token_like_float(smollm2_pipeline):
    """Step the 4-bit llm.pte through 200 tokens of the shipped text; compare its top-1 with float HF."""
    ids = smollm2_pipeline.codec.encode(data_text("eval_text.txt"))[:200]
    hf = AutoModelForCausalLM.from_pretrained(
        smollm2_dir(), gguf_file=SMOLLM2_GGUF, dtype=torch.float32
    ).eval()
    with torch.no_grad():
        ref = hf(torch.tensor([ids])).logits[0].argmax(-1)
    embed, decode = smollm2_pipeline.embed, smollm2_pipeline.decode_method
    agree = 0
    for pos, token in enumerate(ids):
        e = embed.execute([torch.tensor([[token]])])[0]
        agree += int(decode.execute([e, torch.tensor([pos])])[0][0].argmax() == ref[pos])
    # bluev quant-report --preset smollm2 measures 0.91 on the whole text
    assert agree / len(ids) >= 0.85
