"""ExecuTorch's stock TextLLMRunner on a text-only export computes what bluev's llm.pte computes.

Tiny's random weights make greedy text degenerate, so the program check is on logits: the stock
bundle's `forward(tokens, start_pos)` against llm.pte's token_embedding + prefill on the same ids.
Then TextLLMRunner itself loads the bundle from its metadata and answers as Pipeline does.
(SmolLM2's real answer is checked through Pipeline in test_smollm2.py.)
"""

from __future__ import annotations

import json

import torch
from executorch.extension.llm.runner import GenerationConfig, TextLLMRunner

from bluev.runtime.kernels import load_program
from bluev.runtime.manifest import MANIFEST, read_manifest
from bluev.runtime.options import SamplerConfig
from bluev.runtime.pipeline import Pipeline

NEW_TOKENS = 12


def test_stock_forward_gives_the_logits_of_llm_pte(tiny_text_artifacts):
    m = read_manifest(tiny_text_artifacts / MANIFEST)
    assert m.stock_runner is not None and m.stock_runner.runner == "TextLLMRunner" and m.vision is None
    stock = load_program(tiny_text_artifacts / m.stock_runner.file).load_method("forward")
    generator = torch.Generator().manual_seed(0)
    pos = torch.tensor([0], dtype=torch.long)
    with Pipeline(tiny_text_artifacts) as pipeline:
        for length in (1, 9, min(24, m.llm.chunk_size)):
            ids = torch.randint(0, m.llm.vocab_size, (1, length), generator=generator)
            theirs = stock.execute([ids, pos])[0].reshape(-1)
            embeddings = pipeline.embed.execute([ids])[0]
            ours = pipeline.prefill_method.execute([embeddings, pos])[0].reshape(-1)
            assert (theirs - ours).abs().max() < 1e-4, length


def test_stock_text_runner_answers_as_the_pipeline(tiny_text_artifacts):
    m = read_manifest(tiny_text_artifacts / MANIFEST)
    stock = m.stock_runner
    question = stock.example_prompt.removeprefix(m.chat_template.prefix).removesuffix(m.chat_template.suffix)
    with Pipeline(tiny_text_artifacts) as pipeline:
        ours = pipeline.generate(question, max_new_tokens=NEW_TOKENS, sampler=SamplerConfig())  # greedy
    runner = TextLLMRunner(str(tiny_text_artifacts / stock.file), str(tiny_text_artifacts / m.tokenizer.file))
    pieces: list[str] = []
    stats: list = []
    config = GenerationConfig(max_new_tokens=NEW_TOKENS, temperature=0.0, echo=False)
    runner.generate(stock.example_prompt, config, pieces.append, stats.append)
    s = json.loads(stats[-1].to_json_string())
    assert s["prompt_tokens"] == ours.stats.prefill_tokens  # the same chat-rendered prompt ids
    assert len(pieces) == len(ours.token_ids) == NEW_TOKENS and "".join(pieces) == ours.text
