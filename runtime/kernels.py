"""The host's ExecuTorch runtime: the kernels our programs call, its thread pool, our memory.

Shared by the pipeline, the tile encoder's child process and the benchmark workers.
"""

from __future__ import annotations

import resource

import executorch.kernels.quantized  # noqa: F401  (registers quantized_decomposed::embedding_*)
from executorch.extension.llm.custom_ops import custom_ops  # noqa: F401  (registers llama::*)
from executorch.extension.pybindings import portable_lib
from executorch.runtime import Runtime


def runtime() -> Runtime:
    """ExecuTorch's runtime, with the llama:: and quantized_decomposed:: kernels registered
    (importing this module registers them)."""
    return Runtime.get()


def registered_backends() -> list[str]:
    return list(portable_lib._get_registered_backend_names())


def current_threads() -> int:
    """The size of ExecuTorch's thread pool (XNNPACK's, shared by every program)."""
    return int(portable_lib._threadpool_get_thread_count())


def set_xnnpack_threads(threads: int) -> None:
    """Resize ExecuTorch's thread pool; 0 keeps it."""
    if threads > 0 and current_threads() != threads:
        portable_lib._unsafe_reset_threadpool(threads)


def peak_rss_mb() -> float:
    """This process's peak resident memory, MB.

    Linux: VmHWM, the high-water mark of this program's own memory. Not ru_maxrss: that
    one starts from the parent's peak when a process is forked and exec'd, so a benchmark
    worker started after its parent touched 1 GiB (the bandwidth probe) reported 1.4 GB.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:  # not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
