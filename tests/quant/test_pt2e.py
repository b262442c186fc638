"""ExecuTorch's NeuroPilot quantizer loads without MediaTek's SDK and quantizes a real graph."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from torch import nn

from bluev.quant.pt2e import neuropilot_quantizer, pt2e_quantize


def test_sdk_is_absent_here_but_the_quantizer_loads():
    assert importlib.util.find_spec("mtk_converter") is None
    q = neuropilot_quantizer("A16W4")
    assert type(q).__name__ == "NeuropilotQuantizer"
    with pytest.raises(ValueError, match="A4W4"):
        neuropilot_quantizer("A4W4")


def test_a16w8_calibrated_mlp_is_close_and_has_qdq_nodes():
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Linear(64, 16)).eval()
    calib = [(torch.randn(4, 32),) for _ in range(8)]
    graph = pt2e_quantize(mlp, calib[0], calib, "A16W8")
    targets = {str(n.target) for n in graph.graph.nodes if n.op == "call_function"}
    assert any("quantize_per_tensor" in t for t in targets)
    assert any("dequantize_per_channel" in t for t in targets)
    x = torch.randn(4, 32)
    with torch.no_grad():
        cos = torch.nn.functional.cosine_similarity(mlp(x).flatten(), graph(x).flatten(), dim=0)
    assert cos > 0.999
