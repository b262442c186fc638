"""Lowering exported programs to one ExecuTorch program, and counting what got delegated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
from executorch.devtools.backend_debug import get_delegation_info
from executorch.exir import (
    EdgeCompileConfig,
    EdgeProgramManager,
    ExecutorchBackendConfig,
    ExecutorchProgramManager,
    to_edge_transform_and_lower,
)
from executorch.exir.passes import MemoryPlanningPass
from torch.export import ExportedProgram
from torch.fx.passes.dialect.common.cse_pass import CSEPass
from torch.fx.passes.infra.pass_base import PassResult

from bluev.errors import BadInput
from bluev.export.shared_table import DATA_TAG, table_constants, tag_head_weights

BACKENDS = ("xnnpack", "vulkan", "portable")
# Graph bookkeeping, not kernels: symbolic sizes, asserts on them, tuple unpacking.
NOT_KERNELS = {
    "getitem",
    "sym_size",
    "_local_scalar_dense",
    "_assert_scalar",
    "add",
    "sub",
    "mul",
    "le",
    "ge",
    "lt",
    "gt",
    "eq",
    "floordiv",
    "sym_constrain_range_for_size",
    "_assert_async",
}


@dataclass
class Coverage:
    """Operator nodes inside a backend delegate versus left on portable kernels."""

    delegated: int = 0
    total: int = 0
    left_on_cpu: dict[str, int] | None = None

    @property
    def share(self) -> float:
        return self.delegated / self.total if self.total else 1.0

    def text(self) -> str:
        return f"{self.delegated}/{self.total}"


def partitioners(backend: str) -> list:
    if backend == "xnnpack":
        return [XnnpackPartitioner()]
    if backend == "vulkan":
        # deferred: importing Vulkan's partitioner sets the root logger to INFO (its module does
        # logging.getLogger("").setLevel(INFO)), which floods every other export with INFO lines
        from executorch.backends.vulkan.partitioner.vulkan_partitioner import VulkanPartitioner

        return [VulkanPartitioner()]
    if backend == "portable":
        return []
    raise BadInput(f"backend {backend!r}: unknown, choose one of {', '.join(BACKENDS)} (mediatek: see docs)")


def coverage_of(edge_manager: EdgeProgramManager, methods: list[str]) -> Coverage:
    cov = Coverage(left_on_cpu={})
    for name in methods:
        info = get_delegation_info(edge_manager.exported_program(name).graph_module)
        for op, breakdown in info.delegation_by_operator.items():
            if op in NOT_KERNELS:
                continue
            cov.delegated += breakdown.delegated
            cov.total += breakdown.delegated + breakdown.non_delegated
            if breakdown.non_delegated:
                cov.left_on_cpu[op] = cov.left_on_cpu.get(op, 0) + breakdown.non_delegated
    return cov


@dataclass
class Lowered:
    """One lowered program: the .pte bytes, what got delegated, and its data file if it has one."""

    program: bytes
    coverage: Coverage
    manager: ExecutorchProgramManager | None = None  # what writes the data file
    data_file: str | None = None  # the .ptd next to the .pte (shared_table)

    def write_data(self, folder: Path) -> None:
        """Write the program's data file into ``folder`` (ExecuTorch names it after its tag)."""
        if self.data_file is not None:
            assert self.manager is not None
            self.manager.write_tensor_data_to_file(str(folder))
            if not (folder / self.data_file).is_file():
                raise ValueError(f"ExecuTorch wrote no {self.data_file} for this program")


def lower(
    programs: dict[str, ExportedProgram],
    backend: str,
    constant_methods: dict | None = None,
    share_mutable_buffers: bool = False,
    runner_owns_io: bool = False,
    shared_table: bool = False,
) -> Lowered:
    """Lower several methods into one program; methods may share mutable state (the KV cache).

    ``runner_owns_io``: inputs and outputs are not memory-planned; the runner binds its own
    buffers to them (the static layout's caches go back and forth without copies, as on the NPU).
    ``shared_table``: the tied token table and head go to a data file, stored once
    (export/shared_table.py).
    """
    passes = [merge_repeated_work, tag_head_weights] if shared_table else [merge_repeated_work]
    edge = to_edge_transform_and_lower(
        programs,
        transform_passes=passes,
        partitioner={name: partitioners(backend) for name in programs},
        constant_methods=constant_methods,
        compile_config=EdgeCompileConfig(_check_ir_validity=False),
    )
    cov = coverage_of(edge, list(programs))
    config = ExecutorchBackendConfig(
        extract_delegate_segments=True,
        memory_planning_pass=MemoryPlanningPass(
            alloc_graph_input=not runner_owns_io,
            alloc_graph_output=not runner_owns_io,
            share_mutable_buffers=share_mutable_buffers,
        ),
        emit_mutable_buffer_names=share_mutable_buffers,
        # turns torchao's dequantize + embedding into quantized_decomposed::embedding_{byte,4bit}
        do_quant_fusion_and_const_prop=True,
        external_constants=table_constants() if shared_table else False,
    )
    manager = edge.to_executorch(config=config)
    return Lowered(manager.buffer, cov, manager, f"{DATA_TAG}.ptd" if shared_table else None)


def merge_repeated_work(graph_module: torch.fx.GraphModule) -> PassResult:
    """Common-subexpression elimination before partitioning.

    q, k and v (and the FFN's gate and up) read the same input, so each one's dynamic
    activation quantization and 4-bit group means (quant/affine4.py) are the same
    nodes: merged, a decoder layer runs a third fewer XNNPACK ops, and on a small
    model decode time is mostly per-op overhead. Mutating ops (the KV cache update)
    are left alone by the pass.
    """
    return CSEPass()(graph_module)


def export_method(module: torch.nn.Module, example: tuple, dynamic_shapes: object = None) -> ExportedProgram:
    with torch.no_grad():
        return torch.export.export(module, example, dynamic_shapes=dynamic_shapes, strict=False)
