"""The host's ExecuTorch runtime: the kernels our programs call, its thread pool, our memory.

Shared by the pipeline, the tile encoder's child process and the benchmark workers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import resource
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import executorch.extension.llm.custom_ops as llama_ops_package
import executorch.kernels.quantized  # noqa: F401  (registers quantized_decomposed::embedding_*)
import torch

# The runtime's extension module itself. Its Python faces (executorch.runtime and
# pybindings.portable_lib) import executorch.exir for a warning class, and exir imports
# torch._dynamo and inductor: 145 MB resident in every process that only runs programs
# (the pipeline, the tile encoder's child, each benchmark worker).
from executorch.extension.pybindings import _C  # isort: skip  (after torch: it links libtorch)


@functools.cache
def llama_kernels() -> None:
    """Register the llama:: kernels (update_cache, custom_sdpa) with the runtime, once.

    Loads the wheel's libcustom_ops_aot_lib.so itself. Its Python module
    (``executorch.extension.llm.custom_ops.custom_ops``) loads the same library but also
    adds torch.export's meta kernels and inductor lowerings, which import torch._inductor:
    140 MB of every runtime process (the tile encoder's child too) that running a program
    never uses. The exporter imports that module, which then finds the ops registered.
    """
    if hasattr(torch.ops.llama, "update_cache"):
        return
    libs = sorted(Path(llama_ops_package.__file__).parent.glob("**/*custom_ops_aot_lib.*"))
    if len(libs) != 1:
        raise RuntimeError(f"executorch's llama kernels: expected one custom_ops_aot_lib, found {libs}")
    torch.ops.load_library(str(libs[0]))


llama_kernels()

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
    lib.bluev_int8_attention_calls.restype = ctypes.c_uint64
    for op, status in (
        ("llama::custom_sdpa", lib.bluev_host_kernels_status()),
        ("llama::custom_quantized_sdpa", lib.bluev_int8_attention_status()),
    ):
        if status != 0:
            raise RuntimeError(f"{path}: ExecuTorch refused its {op} kernel (error {status:#x})")
    return lib


host_kernels()  # registered before any program is loaded: methods resolve kernels at load


def decode_attention() -> str:
    """Which kernel attends in a decode step: "bluev" or "executorch" (its custom_sdpa)."""
    return "bluev" if host_kernels() is not None else "executorch"


def int8_attention_calls() -> int:
    """How many attention calls over an int8 KV cache (``--kv-cache int8``) bluev's kernel has run
    in this process (0 without it: ExecuTorch's custom_quantized_sdpa ran them)."""
    lib = host_kernels()
    return int(lib.bluev_int8_attention_calls()) if lib is not None else 0


def decode_attention_calls() -> int:
    """How many decode steps bluev's attention kernel has run in this process (0 without it)."""
    lib = host_kernels()
    return int(lib.bluev_decode_attention_calls()) if lib is not None else 0


ReadPass = Callable[[int, int, int, int], int]  # (address, bytes, threads, streams) -> fold


def read_pass() -> ReadPass | None:
    """The host kernel library's read of a buffer (runtime/native/src/kernels/read_probe.cpp),
    for the roofline's bandwidth probe; None without the library (or with a build before it)."""
    lib = host_kernels()
    if lib is None or not hasattr(lib, "bluev_read_pass"):
        return None
    native = lib.bluev_read_pass
    native.restype = ctypes.c_uint64
    native.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
    return native


class Method:
    """One loaded method of a program: ``execute(inputs)`` returns its outputs (copies)."""

    def __init__(self, method: _C.ExecuTorchMethod) -> None:
        self._method = method

    def execute(self, inputs: Sequence[object]) -> list:
        return self._method(inputs)

    @property
    def metadata(self) -> _C.MethodMeta:
        return self._method.method_meta()


class Program:
    """A program mapped from its file; each method is loaded once (a second instance of a
    method would get its own KV cache)."""

    def __init__(self, program: _C.ExecuTorchProgram, files: tuple[Path, ...]) -> None:
        self._program, self.files = program, files
        self._methods: dict[str, Method] = {}

    @property
    def method_names(self) -> set[str]:
        return {self._program.get_method_name(i) for i in range(self._program.num_methods())}

    def load_method(self, name: str) -> Method:
        if name not in self._methods:
            self._methods[name] = Method(self._program.load_method(name))
            unpin_mapped(self.files)
        return self._methods[name]

    def metadata(self, name: str) -> _C.MethodMeta:
        return self._program.method_meta(name)


def load_program(pte: Path, data: Path | None = None) -> Program:
    """A program from its file, with its data file (.ptd) if it keeps weights there.

    By path, not as bytes: ExecuTorch then maps the file (its mmap data loader) and
    pages weights in as they are read, instead of a private copy of the file.
    """
    program = _C._load_program(
        str(pte),
        program_verification=_C.Verification.InternalConsistency,
        data_path=None if data is None else str(data),
    )
    files = (Path(pte),) if data is None else (Path(pte), Path(data))
    unpin_mapped(files)
    return Program(program, files)


def unpin_mapped(files: tuple[Path, ...]) -> None:
    """Let the kernel page the programs' mapped segments in and out on demand.

    ExecuTorch's Python binding maps each segment with mlock (ignoring its failure), so
    as root (CAP_IPC_LOCK) a program's constants stay resident whole: llm.pte's 8-bit
    token table (bluelm-v-3b: 122 MB) of which a prompt reads a few rows. A phone app
    (RLIMIT_MEMLOCK 64 KB) and a user under the usual limit get no lock, so the table is
    paged in row by row there; this gives root the same. The mappings are read-only and
    shared, so dropped pages come back from the file (page cache) when next read.
    """
    libc = libc_functions()
    if libc is None:
        return
    names = {str(f.resolve()) for f in files}
    for start, end in mapped_ranges(names):
        libc.munlock(ctypes.c_void_p(start), ctypes.c_size_t(end - start))
        libc.madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), MADV_DONTNEED)


MADV_DONTNEED = 4  # <sys/mman.h> on Linux


def mapped_ranges(names: set[str]) -> list[tuple[int, int]]:
    """[start, end) of this process's mappings of those files (Linux /proc/self/maps)."""
    ranges = []
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and fields[5].rstrip("\n") in names:
                    start, end = fields[0].split("-")
                    ranges.append((int(start, 16), int(end, 16)))
    except OSError:
        pass
    return ranges


@functools.cache
def libc_functions() -> ctypes.CDLL | None:
    """glibc's munlock, madvise and malloc_trim (None off Linux/glibc), typed once."""
    name = ctypes.util.find_library("c")
    if sys.platform != "linux" or name is None:
        return None
    libc = ctypes.CDLL(name, use_errno=True)
    libc.munlock.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return libc


def registered_backends() -> list[str]:
    return list(_C._get_registered_backend_names())


def current_threads() -> int:
    """The size of ExecuTorch's thread pool (XNNPACK's, shared by every program)."""
    return int(_C._threadpool_get_thread_count())


def set_xnnpack_threads(threads: int) -> None:
    """Resize ExecuTorch's thread pool; 0 keeps it."""
    if threads > 0 and current_threads() != threads:
        _C._unsafe_reset_threadpool(threads)


def release_freed_memory() -> None:
    """Hand memory freed by dropped programs back to the system.

    Dropping a program frees its buffers (its methods hold it, and nothing holds them in
    a cycle, so reference counting frees them at once: no ``gc.collect()``, which takes
    ~185 ms with torch loaded and would sit between the picture and the first token);
    glibc keeps small freed blocks in its heap for reuse, so the resident size would not
    fall. ``malloc_trim`` returns them (glibc only: elsewhere this does nothing).
    """
    trim = getattr(libc_functions(), "malloc_trim", None)  # glibc's; musl has none
    if trim is not None:
        trim(0)


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
