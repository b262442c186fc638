"""A tied token table stored once: the embedding lookup and the XNNPACK head read one copy.

A tied model's table serves twice: the lookup (``quantized_decomposed::embedding_byte``,
a portable kernel reading a program constant) and the output head (an XNNPACK linear,
whose weights XNNPACK keeps in the program's named data under the sha256 of their
bytes). In one ``.pte`` they are stored twice: SmolLM2's ``llm.pte`` was 122 MB against
the 98 MB Q4_1 GGUF, 28 MB of it the second copy of the 49152 x 576 table.

ExecuTorch's runtime looks program constants up in an external data map only (a
``.ptd`` file, ``Method::parse_external_constants``), while a delegate reads the
program's own named data merged with that map. So both copies move to ``llm.ptd``:
the table's constants as external constants (``ExecutorchBackendConfig.external_constants``)
and the head's weight as external delegate data (the ``delegate_constant_tag`` XNNPACK's
serializer reads). ExecuTorch's ``NamedDataStore`` keeps identical bytes once under every
key that names them, so when the head's int8 rows are the table's int8 rows (both
quantized per row with torchao's symmetric int8, see ``shares_table``) the file holds
them once. A reader loads ``llm.pte`` with ``llm.ptd`` as its data file
(``Runtime.load_program(pte, data_path=ptd)``, C++ ``Module(pte, ptd)``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.fx.passes.infra.pass_base import PassResult

from bluev.export.llm import Transformer
from bluev.quant.recipes import Recipe

DATA_TAG = "llm"  # ExecuTorch names the data file after the tag: llm.ptd
TABLE = "llm.tok_embeddings."  # parameter names under every LLM method's module (programs.py)
# torch.export's placeholders for the head's parameters: llm.output.weight, unwrapped by
# to_edge into its int8 rows, scales and zero points (p_llm_output_parametrizations_weight_original0..2)
HEAD_PLACEHOLDER = "p_llm_output_"
LOOKUPS = ("quantized_decomposed::embedding_byte", "quantized_decomposed.embedding_byte")


def shares_table(llm: Transformer, recipe: Recipe) -> bool:
    """Whether the head's stored weights are byte for byte the lookup's table.

    Tied, and both sides 8-bit per row: the table as an 8-bit embedding, the head as
    8da8w per channel (the recipes' default head, `head_for_table`). A 4-bit table packs
    its nibbles differently from XNNPACK's 4-bit weights, so it would not share.
    """
    head = recipe.llm_head
    return (
        llm.args.tie_embeddings
        and recipe.llm_embedding.bits == 8
        and head is not None
        and head.kind == "8da8w"
        and head.group_size == 0
    )


def tag_head_weights(graph_module: torch.fx.GraphModule) -> PassResult:
    """Mark the head's weight placeholders so that XNNPACK writes them to the data file.

    A transform pass of ``to_edge_transform_and_lower`` (it runs before partitioning):
    by then torchao's weight is unwrapped into its int8 rows, scales and zero points,
    each a placeholder named after the parameter (``HEAD_PLACEHOLDER``); a tag set on the
    exported program's placeholder earlier does not reach them.
    """
    tagged = False
    for node in graph_module.graph.nodes:
        if node.op == "placeholder" and node.name.startswith(HEAD_PLACEHOLDER):
            node.meta.setdefault("custom", {})["delegate_constant_tag"] = DATA_TAG
            tagged = True
    return PassResult(graph_module, tagged)


def table_constants() -> Callable[[torch.fx.Node], str | None]:
    """``external_constants`` for ``to_executorch``: what a table lookup reads goes to the data file."""

    def tag(node: torch.fx.Node) -> str | None:
        looked_up = any(str(user.target).startswith(LOOKUPS) for user in node.users)
        return DATA_TAG if looked_up else None

    return tag
