"""ExecuTorch's own runners (executorch.extension.llm.runner) on our stock_runner bundles."""

from __future__ import annotations

import json

import pytest
import torch
from executorch.extension.llm.runner import (
    GenerationConfig,
    MultimodalRunner,
    make_image_input,
    make_text_input,
)

import bluev.runtime.kernels  # noqa: F401  (registers the llama:: and quantized kernels the runners call)
from bluev.runtime.manifest import MANIFEST, read_manifest


def run_stock(runner_cls, artifacts, inputs, max_new_tokens: int) -> tuple[str, dict]:
    m = read_manifest(artifacts / MANIFEST)
    stock = m.stock_runner
    runner = runner_cls(str(artifacts / stock.file), str(artifacts / m.tokenizer.file))
    pieces: list[str] = []
    stats: list = []
    config = GenerationConfig(max_new_tokens=max_new_tokens, temperature=0.0, echo=False)
    runner.generate(inputs(stock), config, pieces.append, stats.append)
    return "".join(pieces), json.loads(stats[-1].to_json_string()) if stats else {}


@pytest.mark.parametrize("bundle", ["tiny_artifacts", "tiny_quant_artifacts"])
def test_multimodal_runner_generates_on_tiny_bundle(bundle, request):
    tiny_artifacts = request.getfixturevalue(bundle)

    chat = read_manifest(tiny_artifacts / MANIFEST).chat_template
    image = torch.randint(
        0, 256, (3, 384, 384), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )

    def inputs(stock):
        assert stock.runner == "MultimodalRunner" and stock.image_input.dtype == "uint8"
        return [
            make_text_input(chat.prefix),
            make_image_input(image),
            make_text_input("What is in the image?" + chat.suffix),
        ]

    text, stats = run_stock(MultimodalRunner, tiny_artifacts, inputs, max_new_tokens=8)
    assert stats["prompt_tokens"] > 196  # the image's 196 embeddings were prefilled
    assert stats["generated_tokens"] >= 1 and isinstance(text, str)
