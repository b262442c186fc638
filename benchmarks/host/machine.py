"""What the host bench ran on: the CPU and the vector extensions XNNPACK's kernels dispatch on.

Two runs of the same program differ 2-3x between a host with AVX-512 VNNI and one with only
AVX2 (XNNPACK picks its int8 GEMM by ISA at load time), so every report names them: a rate is
only comparable with one measured on the same extensions.
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path

# x86 flags (as /proc/cpuinfo spells them) and arm64 features that select XNNPACK kernels
SIMD_FLAGS = (
    "avx2", "fma", "f16c", "avx_vnni", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16",
    "avx512_fp16", "amx_int8", "asimddp", "i8mm", "sve", "sve2",
)  # fmt: skip


@dataclass(frozen=True)
class Machine:
    cpu: str
    arch: str  # platform.machine(): x86_64, aarch64
    cores: int
    simd: list[str]

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        simd = " ".join(self.simd) or "-"
        x86_without_avx512 = self.arch in ("x86_64", "AMD64") and "avx512f" not in self.simd
        return f"{self.cpu} ({self.arch}), {self.cores} cores, SIMD {simd}" + (
            " (no AVX-512)" if x86_without_avx512 else ""
        )


def this_machine(cpuinfo: Path = Path("/proc/cpuinfo")) -> Machine:
    """Read on Linux from /proc/cpuinfo; elsewhere the CPU name only (no flag list to read)."""
    name, flags = platform.processor() or platform.machine(), set()
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "model name" and value.strip():
                name = value.strip()
            elif key in ("flags", "Features"):
                flags |= set(value.split())
    return Machine(name, platform.machine(), os.cpu_count() or 1, [f for f in SIMD_FLAGS if f in flags])
