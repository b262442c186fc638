"""The host's ExecuTorch runtime: the kernels our programs call, its thread pool, our memory.

Shared by the pipeline, the tile encoder's child process and the benchmark workers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import resource
from collections.abc import Callable
from pathlib import Path

import executorch.kernels.quantized  # noqa: F401  (registers quantized_decomposed::embedding_*)
from executorch.extension.llm.custom_ops import custom_ops  # noqa: F401  (registers llama::*)
from executorch.extension.pybindings import portable_lib
from executorch.runtime import Program, Runtime

# bluev's decode-step attention (runtime/native/src/kernels/decode_sdpa.cpp), built by `make
# install` into runtime/lib/. BLUEV_HOST_KERNELS names another build of it, or "off" for
# ExecuTorch's custom_sdpa alone (tests/runtime/test_decode_attention.py, A/B timings).
HOST_KERNELS_ENV = "BLUEV_HOST_KERNELS"
HOST_KERNELS_FILE = Path(__file__).resolve().parent / "lib" / "libbluev_host_kernels.so"


@functools.cache
def host_kernels() -> ctypes.CDLL | None:
    """bluev's host kernel library, loaded (and its kernels registered) once; None when it is
    switched off or not built, and then ExecuTorch's custom_sdpa runs the decode step too."""
    choice = os.environ.get(HOST_KERNELS_ENV, "")
    if choice.lower() == "off":
        return None
    path = Path(choice) if choice else HOST_KERNELS_FILE
    if not path.is_file():
        if choice:
            raise FileNotFoundError(f"{HOST_KERNELS_ENV}={choice}: no such library")
        return None
    lib = ctypes.CDLL(str(path))
    lib.bluev_decode_attention_calls.restype = ctypes.c_uint64
    status = lib.bluev_host_kernels_status()
    if status != 0:
        raise RuntimeError(f"{path}: ExecuTorch refused its llama::custom_sdpa kernel (error {status:#x})")
    return lib


host_kernels()  # registered before any program is loaded: methods resolve kernels at load


def decode_attention() -> str:
    """Which kernel attends in a decode step: "bluev" or "executorch" (its custom_sdpa)."""
    return "bluev" if host_kernels() is not None else "executorch"


def decode_attention_calls() -> int:
    """How many decode steps bluev's attention kernel has run in this process (0 without it)."""
    lib = host_kernels()
    return int(lib.bluev_decode_attention_calls()) if lib is not None else 0


def runtime() -> Runtime:
    """ExecuTorch's runtime, with the llama:: and quantized_decomposed:: kernels registered
    (importing this module registers them, and bluev's decode attention when it is built)."""
    return Runtime.get()


def load_program(pte: Path, data: Path | None = None) -> Program:
    """A program from its file, with its data file (.ptd) if it keeps weights there.

    By path, not as bytes: ExecuTorch then maps the file (its pybinding's mmap data
    loader) and pages weights in as they are read, instead of a private copy of the file.
    """
    return runtime().load_program(pte, data_path=data)


def registered_backends() -> list[str]:
    return list(portable_lib._get_registered_backend_names())


def current_threads() -> int:
    """The size of ExecuTorch's thread pool (XNNPACK's, shared by every program)."""
    return int(portable_lib._threadpool_get_thread_count())


def set_xnnpack_threads(threads: int) -> None:
    """Resize ExecuTorch's thread pool; 0 keeps it."""
    if threads > 0 and current_threads() != threads:
        portable_lib._unsafe_reset_threadpool(threads)


def release_freed_memory() -> None:
    """Hand memory freed by dropped programs back to the system.

    Dropping a program frees its buffers (its methods hold it, and nothing holds them in
    a cycle, so reference counting frees them at once: no ``gc.collect()``, which takes
    ~185 ms with torch loaded and would sit between the picture and the first token);
    glibc keeps small freed blocks in its heap for reuse, so the resident size would not
    fall. ``malloc_trim`` returns them (glibc only: elsewhere this does nothing).
    """
    trim = malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, looked up once (find_library searches the linker's paths; the
    vision programs are released after every encoded picture)."""
    name = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None


_earlier_peak_mb = 0.0  # the process's peak before the last phase_peak_rss_mb reset VmHWM


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started, MB.

    Linux: VmHWM, the high-water mark of this program's own memory (kept across the
    resets of `phase_peak_rss_mb`). Not ru_maxrss: that one starts from the parent's
    peak when a process is forked and exec'd, so a benchmark worker started after its
    parent touched 1 GiB (the bandwidth probe) reported 1.4 GB.
    """
    now = vm_hwm_mb()
    if now is None:  # not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return max(now, _earlier_peak_mb)


def phase_peak_rss_mb() -> float:
    """The peak resident memory since the previous call (or since the start), MB; starts the next phase.

    Linux resets VmHWM to the current RSS when "5" is written to /proc/self/clear_refs
    (proc(5)), so each phase (load, image encode, prefill, decode) gets its own peak.
    Where that cannot be done every phase reports the process's peak so far.
    """
    global _earlier_peak_mb
    phase = vm_hwm_mb()
    peak = peak_rss_mb()
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return peak
    _earlier_peak_mb = peak
    return peak if phase is None else phase


def vm_hwm_mb() -> float | None:
    """VmHWM of /proc/self/status in MB; None where there is no such file."""
    return proc_status_mb("VmHWM")


def proc_status_mb(field: str) -> float | None:
    """A kB field of /proc/self/status (VmHWM, VmRSS) in MB; None where there is no such file."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None
