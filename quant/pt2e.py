"""PT2E quantization with ExecuTorch's NeuropilotQuantizer (the MediaTek NPU recipes), on the host.

The quantizer is pure Python, but ``executorch.backends.mediatek/__init__.py``
also imports the NeuroPilot SDK (``mtk_converter``), which only MediaTek's portal
ships. Without the SDK we load the quantizer subpackage alone, so its A16W4/A16W8
accuracy can be measured here; lowering to the NPU needs the SDK (the MediaTek issue).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Iterable
from pathlib import Path

import torch
from torch import nn
from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
from torchao.quantization.pt2e.quantizer import Quantizer

PRECISIONS = ("A16W16", "A16W8", "A16W4", "A8W8", "A8W4")


def quantizer_module() -> types.ModuleType:
    """``executorch.backends.mediatek.quantizer``, with or without the NeuroPilot SDK installed."""
    name = "executorch.backends.mediatek.quantizer"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name not in ("mtk_converter", "mtk_neuron"):
            raise
    parent = "executorch.backends.mediatek"
    backends = importlib.import_module("executorch.backends")
    folder = Path(next(iter(backends.__path__))) / "mediatek"
    for key in [k for k in sys.modules if k == parent or k.startswith(parent + ".")]:
        del sys.modules[key]  # drop the half-imported package that failed on the SDK
    package = types.ModuleType(parent)
    package.__path__ = [str(folder)]  # a bare package: its __init__ (the SDK imports) is not run
    sys.modules[parent] = package
    return importlib.import_module(name)


def neuropilot_quantizer(precision: str) -> Quantizer:
    if precision not in PRECISIONS:
        raise ValueError(f"MediaTek precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
    module = quantizer_module()
    quantizer = module.NeuropilotQuantizer()
    quantizer.setup_precision(getattr(module.Precision, precision))
    return quantizer


def pt2e_quantize(
    module: nn.Module,
    example: tuple,
    calibration: Iterable[tuple],
    precision: str,
    dynamic_shapes: object = None,
    fold_quantize: bool = True,
) -> torch.fx.GraphModule:
    """Export, annotate with the NeuroPilot quantizer, calibrate on real inputs, convert.

    The result is a GraphModule with quantize/dequantize nodes: running it on the
    host gives the numerics the NPU would be asked to reproduce. The NPU export
    keeps the weights' quantize nodes (``fold_quantize=False``, as ExecuTorch's
    MediaTek example does) so NeuroPilot's converter sees float weights plus their
    quantization parameters, and may trace with ``dynamic_shapes`` so one calibrated
    graph is re-exported at several static shapes (prefill and decode).
    """
    with torch.no_grad():
        prepared = pt2e_prepare(module, example, precision, dynamic_shapes)
        for inputs in calibration:
            prepared(*inputs)
        return pt2e_convert(prepared, fold_quantize)


def pt2e_prepare(
    module: nn.Module, example: tuple, precision: str, dynamic_shapes: object = None
) -> torch.fx.GraphModule:
    """The exported graph with observers in place: call it on calibration inputs, then convert."""
    with torch.no_grad():
        graph = torch.export.export(module, example, dynamic_shapes=dynamic_shapes, strict=False).module()
        return prepare_pt2e(graph, neuropilot_quantizer(precision))


def pt2e_convert(prepared: torch.fx.GraphModule, fold_quantize: bool = True) -> torch.fx.GraphModule:
    with torch.no_grad():
        return convert_pt2e(prepared, fold_quantize=fold_quantize)
