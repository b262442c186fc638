"""Normalised tiles -> LLM image embeddings: the vision encoder and projector programs.

Two places to run them. ``inline`` runs them in this process. ``process`` runs them
in a child process: ExecuTorch's Python binding holds the GIL for as long as a
program runs (its pybindings have no ``gil_scoped_release``), so while an inline
encoder works no other Python thread of this process moves, neither the caller
of ``Session.ask`` nor the code preparing the next tiles. A child has its own
interpreter, so this process prepares tile k+1 while the child encodes tile k
(the paper's pipeline parallelism) and the caller stays free (its decoupled
image encoding). The cost is one process start (imports and program load, paid
while the user is still picking a photo) and a copy of the pixels and
embeddings through a pipe.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch

from bluev.errors import BadInput
from bluev.runtime.artifacts import Artifacts, open_artifacts

WHERE = ("inline", "process")


class TileEncoder:
    """The vision encoder + projector in this process."""

    def __init__(self, art: Artifacts) -> None:
        from executorch.runtime import Runtime

        from bluev.runtime.pipeline import load_kernels  # here: pipeline imports this module

        load_kernels()
        runtime = Runtime.get()
        try:
            self.vision = runtime.load_program(art.path("vision_encoder")).load_method("forward")
            self.projector = runtime.load_program(art.path("projector")).load_method("forward")
        except (RuntimeError, ValueError) as exc:
            raise BadInput(f"{art.root}: ExecuTorch could not load the vision programs ({exc})") from None
        self.max_batch = int(art.manifest["vision"]["max_batch"])

    def run_batch(self, tiles: torch.Tensor) -> torch.Tensor:
        """One batch of at most ``max_batch`` tiles -> projector output [tokens, dim]."""
        return self.projector.execute([self.vision.execute([tiles.contiguous()])[0]])[0]

    def encode(self, pixels: np.ndarray) -> torch.Tensor:
        """Tiles [N, 3, H, W] -> embeddings [N * tokens per tile, dim], in batches of max_batch."""
        tiles = torch.from_numpy(pixels)
        starts = range(0, len(tiles), self.max_batch)
        return torch.cat([self.run_batch(tiles[i : i + self.max_batch]) for i in starts], dim=0)

    def submit(self, pixels: np.ndarray) -> Future[torch.Tensor]:
        """Encodes now (the GIL allows nothing else to run meanwhile); the future is done on return."""
        done: Future[torch.Tensor] = Future()
        try:
            done.set_result(self.encode(pixels))
        except BaseException as exc:  # noqa: BLE001  (handed to whoever waits, as a pool would)
            done.set_exception(exc)
        return done

    def wait_ready(self) -> None:
        pass  # loaded in __init__

    def close(self) -> None:
        pass


class TileEncoderProcess:
    """The same programs in a child process; ``submit`` returns at once."""

    def __init__(self, art: Artifacts, threads: int) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of a process holding XNNPACK threads
            initializer=_child_start,
            initargs=(str(art.root), threads),
        )
        # the pool starts its child on the first submit: start it (imports, program load) now
        self._ready = self._pool.submit(_child_ready)

    def submit(self, pixels: np.ndarray) -> Future[torch.Tensor]:
        result: Future[torch.Tensor] = Future()
        remote = self._pool.submit(_child_encode, pixels)

        def finished(f: Future[np.ndarray]) -> None:
            if f.cancelled():
                result.cancel()
            elif f.exception() is not None:
                result.set_exception(_readable(f.exception()))
            else:
                result.set_result(torch.from_numpy(f.result()))

        remote.add_done_callback(finished)
        return result

    def wait_ready(self) -> None:
        """Block until the child has loaded the programs (re-raises its load error)."""
        exc = self._ready.exception()
        if exc is not None:
            raise _readable(exc)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _readable(exc: BaseException) -> BaseException:
    from concurrent.futures.process import BrokenProcessPool

    if isinstance(exc, BrokenProcessPool):  # the child died (out of memory, a crash in a kernel)
        return BadInput(f"the vision encoder process stopped: {exc}")
    return exc


def open_tile_encoder(art: Artifacts, where: str = "inline") -> TileEncoder | TileEncoderProcess:
    """``where``: ``inline`` (this process) or ``process`` (a child with its own GIL)."""
    if where == "inline":
        return TileEncoder(art)
    if where == "process":
        return TileEncoderProcess(art, threads=current_threads())
    raise BadInput(f"image encoder {where!r}: choose {' or '.join(WHERE)}")


def current_threads() -> int:
    """The size of this process's XNNPACK thread pool, which the child copies."""
    from executorch.extension.pybindings import portable_lib

    return int(portable_lib._threadpool_get_thread_count())


# --- the child process ----------------------------------------------------------------------

_ENCODER: TileEncoder | None = None
_LOAD_ERROR: BaseException | None = None


def _child_start(root: str, threads: int) -> None:
    # an initializer that raises breaks the pool with a generic message: keep the error for the caller
    global _ENCODER, _LOAD_ERROR
    try:
        from executorch.extension.pybindings import portable_lib

        from bluev.quiet import library_warnings_quiet

        library_warnings_quiet()
        if threads > 0 and portable_lib._threadpool_get_thread_count() != threads:
            portable_lib._unsafe_reset_threadpool(threads)
        _ENCODER = TileEncoder(open_artifacts(Path(root), verify=False))
    except Exception as exc:  # noqa: BLE001  (re-raised by every call below)
        _LOAD_ERROR = exc


def _child_encoder() -> TileEncoder:
    if _LOAD_ERROR is not None:
        raise _LOAD_ERROR
    assert _ENCODER is not None
    return _ENCODER


def _child_ready() -> bool:
    return _child_encoder() is not None


def _child_encode(pixels: np.ndarray) -> np.ndarray:
    return _child_encoder().encode(pixels).numpy()
