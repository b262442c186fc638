"""The static LLM layout off the NPU: the NeuroPilot graphs lowered to XNNPACK, and its manifest facts.

The static layout (export/mediatek/graphs.py: ``NpuDecoder`` as a t=chunk prefill and a t=1
decode program, caches, mask and rope rows as inputs, updated caches as outputs) is what a
phone's NPU runs. Its runner does more than the dynamic layout's: it looks tokens up in its own
table, builds the mask and rope rows, and carries the caches from call to call. So that this
control logic can be run and tested without a Dimensity phone, ``bluev export --llm-layout
static`` lowers the same graphs to XNNPACK instead: no PT2E, the recipe's torchao weights (or
float), no llama custom ops. bluev-runner runs the result on any CPU; the manifest says so with
``llm.layout == "static"``, backend "xnnpack" and an ``npu`` section whose ``soc`` is null.

The token table and the ``npu`` section are written the same way for the MediaTek export.
"""

from __future__ import annotations

import torch
from torch.export import ExportedProgram

from bluev.export.built_model import BuiltModel
from bluev.export.lower import export_method
from bluev.export.mediatek.checks import SOCS
from bluev.export.mediatek.graphs import (
    MASK_VALUE,
    NpuDecoder,
    NpuShapes,
    example_inputs,
    input_names,
    npu_shapes,
)
from bluev.export.writer import ArtifactWriter
from bluev.runtime.manifest import Npu, NpuEmbedding

EMBEDDING_FILE = "token_embedding_fp32.bin"
CACHE_LAYOUT = "[1, n_kv_heads, cache_len, head_dim] per layer, keys then values; sliding"
ROPE_LAYOUT = "[1, 2, t, head_dim]: cos then sin rows of the call's positions"


def static_programs(model: BuiltModel) -> tuple[dict[str, ExportedProgram], NpuShapes]:
    """``prefill`` (t = chunk) and ``decode`` (t = 1) over the model's (quantized or float) weights."""
    assert model.llm is not None
    shapes = npu_shapes(model.llm, model.preset.chunk_size)
    decoder = NpuDecoder(model.llm).eval()
    programs = {
        "prefill": export_method(decoder, example_inputs(shapes, shapes.chunk)),
        "decode": export_method(decoder, example_inputs(shapes, 1)),
    }
    return programs, shapes


def embedding_table(model: BuiltModel) -> torch.Tensor:
    """[vocab, dim] float32: the rows the model's embedding module returns (dequantized when the
    recipe quantized the table), so a static runner embeds exactly as the dynamic programs do."""
    assert model.llm is not None
    emb = model.llm.tok_embeddings
    with torch.no_grad():
        return emb(torch.arange(emb.num_embeddings)).float().contiguous()


def write_embedding(writer: ArtifactWriter, model: BuiltModel) -> NpuEmbedding:
    """The token table as raw float32 [vocab, dim]: the static runner looks tokens up on the CPU."""
    table = embedding_table(model)
    entry = writer.data_file(EMBEDDING_FILE, table.numpy().tobytes())
    return NpuEmbedding(**vars(entry), shape=list(table.shape), dtype="float32")


def static_section(
    model: BuiltModel, shapes: NpuShapes, embedding: NpuEmbedding, vision_batch: int, soc: str | None
) -> Npu:
    """What the static runner needs beyond the .pte files; ``soc`` None: lowered to a CPU backend."""
    assert model.llm is not None
    return Npu(
        soc=soc,
        chip=SOCS[soc] if soc is not None else None,
        chunk=shapes.chunk,
        cache_len=shapes.cache,
        cache_layout=CACHE_LAYOUT,
        inputs=input_names(shapes),
        mask_value=MASK_VALUE,
        rope=ROPE_LAYOUT,
        rope_theta=float(model.llm.args.rope_theta),
        vision_batch=vision_batch,
        embedding=embedding,
    )
