"""What the MediaTek export checks before any work: the SoC, the preset's shapes, the SDK.

Light on purpose (no torch): `bluev export`'s options run these checks at start-up.
"""

from __future__ import annotations

import importlib.util

from bluev.errors import BadInput
from bluev.export.presets import Preset

# platform-config values ExecuTorch's NeuropilotBackend accepts (backends/mediatek/preprocess.py)
SOCS = {
    "mt6989": "Dimensity 9300",
    "mt6991": "Dimensity 9400",
    "mt6993": "the newest platform ExecuTorch's NeuroPilot backend lists",
}
SDK_MODULES = ("mtk_converter", "mtk_neuron")
SDK_HELP = (
    "install MediaTek's NeuroPilot SDK wheels (mtk_converter, mtk_neuron) from the NeuroPilot portal "
    "(neuropilot.mediatek.com); see docs/mediatek.md"
)


def check_soc(backend: str, soc: str | None) -> None:
    known = ", ".join(f"{name} ({chip})" if "Dimensity" in chip else name for name, chip in SOCS.items())
    if backend != "mediatek":
        if soc is not None:
            raise BadInput(f"--soc {soc}: only for --backend mediatek (the NPU's SoC)")
        return
    if soc is None:
        raise BadInput(f"backend mediatek needs --soc: one of {known}")
    if soc not in SOCS:
        raise BadInput(f"--soc {soc}: unknown; NeuroPilot targets {known}")


def check_preset(preset: Preset) -> None:
    """NPU shape checks on the preset, before anything is built (npu_shapes repeats them on the model)."""
    chunk, context = preset.chunk_size, preset.max_seq_len
    if chunk < 2 or 2 * chunk > context:
        raise BadInput(
            f"preset {preset.name}: chunk size {chunk} must be at least 2 and fit twice in max_seq_len "
            f"{context} for the NPU's fixed prefill program"
        )
    llm = preset.llm
    if llm is not None and (
        llm.dim % llm.n_heads or (llm.dim // llm.n_heads) % 2 or llm.n_heads % llm.n_kv_heads
    ):
        raise BadInput(
            f"preset {preset.name}: dim {llm.dim}, {llm.n_heads} heads, {llm.n_kv_heads} KV heads "
            "do not give an even head dim shared by whole KV groups"
        )


def missing_sdk_module() -> str | None:
    for name in SDK_MODULES:
        if importlib.util.find_spec(name) is None:
            return name
    return None


def check_sdk() -> None:
    """The SDK boundary: one line naming the missing module and where it comes from."""
    missing = missing_sdk_module()
    if missing is not None:
        raise BadInput(f"backend mediatek: NeuroPilot SDK module {missing!r} is not installed; {SDK_HELP}")
