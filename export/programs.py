"""The methods of each program, as small modules torch.export can trace one at a time.

Every LLM method holds the same Transformer under the same attribute name
(``llm``), so the KV-cache buffers have the same names in every method and
``share_mutable_buffers`` gives all methods one cache.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.export import Dim, ExportedProgram

from bluev.export.llm import Transformer
from bluev.export.lower import export_method
from bluev.export.options import DEFAULT_VISION_BATCH, FIXED_VISION_BATCH
from bluev.export.vision import Projector, StockImageEncoder, VisionTower


class TokenEmbedding(nn.Module):
    def __init__(self, llm: Transformer) -> None:
        super().__init__()
        self.llm = llm

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.llm.tok_embeddings(tokens)


class DecodeEmbeddings(nn.Module):
    """Embeddings [1, S, D] at input_pos[0].. -> logits of the last position [1, vocab]."""

    def __init__(self, llm: Transformer) -> None:
        super().__init__()
        self.llm = llm

    def forward(self, embeddings: torch.Tensor, input_pos: torch.Tensor) -> torch.Tensor:
        return self.llm.decode_embeddings(embeddings, input_pos)


class DecodeTokens(nn.Module):
    """Token ids [1, S] -> logits [1, vocab]: the `forward` of ExecuTorch's TextLLMRunner."""

    def __init__(self, llm: Transformer) -> None:
        super().__init__()
        self.llm = llm

    def forward(self, tokens: torch.Tensor, input_pos: torch.Tensor) -> torch.Tensor:
        return self.llm.decode_embeddings(self.llm.tok_embeddings(tokens), input_pos)


def vision_batch(max_tiles: int, requested: int, backend: str) -> int:
    """Tiles per vision call: ``requested`` (`--vision-batch`; 0: ``backend``'s default), at
    most a whole picture's grid tiles and thumbnail."""
    whole = max_tiles + 1
    if not requested:
        requested = whole if FIXED_VISION_BATCH.get(backend, False) else DEFAULT_VISION_BATCH
    return min(requested, whole)


def tile_batch_program(
    module: nn.Module, name: str, item: tuple[int, ...], max_batch: int, fixed: bool
) -> dict[str, ExportedProgram]:
    """``forward`` over [1..max_batch, *item] (input ``name``); ``fixed``: exactly max_batch."""
    if fixed or max_batch == 1:  # torch.export has no dynamic dim of one size
        return {"forward": export_method(module, (torch.zeros(max_batch, *item),))}
    batch = Dim("tiles", min=1, max=max_batch)
    return {"forward": export_method(module, (torch.zeros(2, *item),), {name: {0: batch}})}


def vision_programs(tower: nn.Module, max_batch: int, fixed: bool = False) -> dict[str, ExportedProgram]:
    """Tiles [1..max_batch, 3, S, S]; ``fixed``: exactly max_batch tiles (the caller pads)."""
    size = tower.image_size
    return tile_batch_program(tower, "pixels", (3, size, size), max_batch, fixed)


def projector_programs(
    projector: Projector, patches: int, width: int, max_batch: int, fixed: bool = False
) -> dict:
    return tile_batch_program(projector, "features", (patches, width), max_batch, fixed)


def llm_programs(llm: Transformer, chunk: int) -> dict[str, ExportedProgram]:
    """token_embedding (any length) and prefill (1..chunk embeddings), which also decodes.

    A separate static one-token decode method ran no faster on XNNPACK (169 vs 168 tok/s on
    SmolLM2, 4-bit) and made lowering a third slower, so decode is prefill with one embedding.
    """
    args = llm.args
    pos = torch.tensor([0], dtype=torch.long)
    tokens = Dim("tokens", min=1, max=args.max_seq_len)
    seq = Dim("seq", min=1, max=chunk)
    return {
        "token_embedding": export_method(
            TokenEmbedding(llm), (torch.zeros(1, 4, dtype=torch.long),), {"tokens": {1: tokens}}
        ),
        "prefill": export_method(
            DecodeEmbeddings(llm),
            (torch.zeros(1, 4, args.dim), pos),
            {"embeddings": {1: seq}, "input_pos": None},
        ),
    }


# ExecuTorch's stock runners hand a whole prompt segment (an image is 196+ embeddings)
# to one decoder call, so their sequence bound is the context length, not our chunk.


def stock_text_programs(llm: Transformer) -> dict[str, ExportedProgram]:
    """TextLLMRunner's single `forward(tokens, start_pos)` method."""
    seq = Dim("seq", min=1, max=llm.args.max_seq_len - 1)
    example = (torch.zeros(1, 4, dtype=torch.long), torch.tensor([0], dtype=torch.long))
    return {"forward": export_method(DecodeTokens(llm), example, {"tokens": {1: seq}, "input_pos": None})}


def stock_multimodal_programs(
    llm: Transformer, tower: VisionTower, projector: Projector, size: int
) -> dict[str, ExportedProgram]:
    """MultimodalRunner's methods: vision_encoder (uint8 image), token_embedding, text_decoder."""
    seq = Dim("seq", min=1, max=llm.args.max_seq_len - 1)
    tokens = Dim("tokens", min=1, max=llm.args.max_seq_len)
    pos = torch.tensor([0], dtype=torch.long)
    image = torch.zeros(1, 3, size, size, dtype=torch.uint8)
    return {
        "vision_encoder": export_method(StockImageEncoder(tower, projector), (image,)),
        "token_embedding": export_method(
            TokenEmbedding(llm), (torch.zeros(1, 4, dtype=torch.long),), {"tokens": {1: tokens}}
        ),
        "text_decoder": export_method(
            DecodeEmbeddings(llm),
            (torch.zeros(1, 4, llm.args.dim), pos),
            {"embeddings": {1: seq}, "input_pos": None},
        ),
    }


def runner_metadata(llm: Transformer, max_call: int, bos_id: int | None, eos_ids: list[int]) -> dict:
    """The constant methods ExecuTorch's LLM runners read (extension/llm/runner/constants.h)."""
    meta = {
        "get_max_seq_len": max_call,  # longest single prefill call
        "get_max_context_len": llm.args.max_seq_len,  # KV cache length
        "get_vocab_size": llm.args.vocab_size,
        "use_kv_cache": True,
        "use_sdpa_with_kv_cache": True,
        "enable_dynamic_shape": True,
        "get_eos_ids": eos_ids,
    }
    if bos_id is not None:
        meta["get_bos_id"] = bos_id
    return meta
