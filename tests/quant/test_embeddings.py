"""Quantized embedding tables lower to ExecuTorch's embedding_byte / embedding_4bit kernels."""

from __future__ import annotations

import copy

import pytest
import torch

from bluev.export.lower import export_method, lower
from bluev.export.programs import TokenEmbedding
from bluev.quant.apply import quantize_embeddings_
from bluev.quant.recipes import EMB4, EMB8


@pytest.mark.parametrize("scheme", [EMB8, EMB4], ids=["8-bit", "4-bit"])
def test_table_is_stored_quantized_and_looks_up_like_eager(scheme, tiny_model, load_program, tmp_path):
    llm = copy.deepcopy(tiny_model.llm)
    quantize_embeddings_(llm, scheme)
    ids = torch.randint(0, 49152, (1, 12), generator=torch.Generator().manual_seed(0))
    module = TokenEmbedding(llm)
    with torch.no_grad():
        ref = module(ids)
    program = export_method(module, (ids,), {"tokens": {1: torch.export.Dim("tokens", min=1, max=64)}})
    buffer = lower({"forward": program}, "xnnpack").program
    float_table = 49152 * 64 * 4
    assert len(buffer) < float_table * (scheme.bits / 32) * 1.3  # no float copy of the table
    path = tmp_path / "embed.pte"
    path.write_bytes(buffer)
    got = load_program(path).load_method("forward").execute([ids])[0]
    assert torch.allclose(got, ref, atol=1e-6)
    # and the table is close to the float one (int8 per row, int4 in groups of 32)
    err = (
        got - tiny_model.llm.tok_embeddings(ids)
    ).abs().max() / tiny_model.llm.tok_embeddings.weight.abs().max()
    assert err < (0.01 if scheme.bits == 8 else 0.1)
