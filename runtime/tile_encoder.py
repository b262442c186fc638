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

import os
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch

from bluev.errors import BadInput
from bluev.quiet import native_logs_quiet
from bluev.runtime.artifacts import Artifacts, open_artifacts
from bluev.runtime.kernels import current_threads, load_program, set_xnnpack_threads

WHERE = ("inline", "process")


class TileEncoder:
    """The vision encoder + projector in this process."""

    def __init__(self, art: Artifacts) -> None:
        assert art.manifest.vision is not None  # callers open an encoder for multimodal sets only
        try:
            self.vision = load_program(*art.program_files("vision_encoder")).load_method("forward")
            self.projector = load_program(*art.program_files("projector")).load_method("forward")
        except (RuntimeError, ValueError) as exc:
            raise BadInput(f"{art.root}: ExecuTorch could not load the vision programs ({exc})") from None
        self.max_batch = art.manifest.vision.max_batch

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
        """Free the programs now, even while a caller still holds this encoder."""
        self.vision = self.projector = None  # type: ignore[assignment]


class TileEncoderProcess:
    """The same programs in a child process; ``submit`` returns at once.

    The child is ``python -m bluev.runtime.tile_encoder_child`` (not multiprocessing: its
    spawn re-runs the caller's main script, which breaks scripts without a main guard
    and stdin). Pixels go down one pipe and embeddings come back on another as
    ``.npy`` frames (no pickle); one thread here feeds the child in submission order.
    """

    def __init__(self, art: Artifacts, threads: int) -> None:
        to_child, self._requests = os.pipe()
        self._replies, from_child = os.pipe()
        command = [sys.executable, "-m", "bluev.runtime.tile_encoder_child", str(art.root), str(threads)]
        self._child = subprocess.Popen(
            [*command, str(to_child), str(from_child)],
            pass_fds=(to_child, from_child),
            stdout=subprocess.DEVNULL,  # the caller's stdout may carry its own output (a JSON line)
        )
        os.close(to_child)
        os.close(from_child)
        self._send = os.fdopen(self._requests, "wb")
        self._receive = os.fdopen(self._replies, "rb")
        self._queue: queue.Queue[tuple[np.ndarray, Future[torch.Tensor]] | None] = queue.Queue()
        self._ready: Future[torch.Tensor] = Future()  # the child's first reply: programs loaded
        self._feeder = threading.Thread(target=self._feed, name="bluev-encoder-pipe", daemon=True)
        self._feeder.start()

    def submit(self, pixels: np.ndarray) -> Future[torch.Tensor]:
        result: Future[torch.Tensor] = Future()
        self._queue.put((pixels, result))
        return result

    def wait_ready(self) -> None:
        """Block until the child has loaded the programs (re-raises its load error)."""
        self._ready.result()

    def _feed(self) -> None:
        """Send each request, then settle it with the reply; a dead child fails all that still wait."""
        waiting: Future[torch.Tensor] = self._ready
        try:
            self._settle(waiting)
            while (item := self._queue.get()) is not None:
                pixels, waiting = item
                if not waiting.set_running_or_notify_cancel():
                    continue
                write_frame(self._send, b"P", pixels)
                self._settle(waiting)
        except (OSError, EOFError, ValueError) as exc:  # a broken pipe, the child gone, a cut frame
            error = BadInput(f"the vision encoder process stopped ({exc or type(exc).__name__})")
            for future in [waiting, *self._drain()]:
                if not future.done():
                    future.set_exception(error)

    def _settle(self, future: Future[torch.Tensor]) -> None:
        """One reply: b"A" + the embeddings, or b"E" + the error text."""
        kind, payload = read_frame(self._receive)
        if kind == b"E":
            future.set_exception(BadInput(payload.tobytes().decode("utf-8")))
        else:
            future.set_result(torch.from_numpy(payload))

    def _drain(self) -> list[Future[torch.Tensor]]:
        pending = []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None:
                pending.append(item[1])
        return pending

    def close(self) -> None:
        if self._child.poll() is None and not self._send.closed:
            self._queue.put(None)
            self._feeder.join(timeout=60)
        self._send.close()  # the child sees end of input and exits
        try:
            self._child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()
        self._receive.close()


def open_tile_encoder(art: Artifacts, where: str = "inline") -> TileEncoder | TileEncoderProcess:
    """``where``: ``inline`` (this process) or ``process`` (a child with its own GIL)."""
    if where == "inline":
        return TileEncoder(art)
    if where == "process":
        return TileEncoderProcess(art, threads=current_threads())
    raise BadInput(f"image encoder {where!r}: choose {' or '.join(WHERE)}")


# --- frames on the pipes: one kind byte, then one .npy array (numpy's format, no pickle) ------


class _ReadWrite:
    """Only read/write: on a real file object numpy's .npy code seeks, which a pipe cannot."""

    def __init__(self, stream: BinaryIO) -> None:
        self.read, self.write = stream.read, stream.write


def write_frame(stream: BinaryIO, kind: bytes, array: np.ndarray) -> None:
    stream.write(kind)
    np.lib.format.write_array(_ReadWrite(stream), np.ascontiguousarray(array), allow_pickle=False)
    stream.flush()


def read_frame(stream: BinaryIO) -> tuple[bytes, np.ndarray]:
    kind = stream.read(1)
    if not kind:
        raise EOFError("it exited; its message, if any, is above")
    return kind, np.lib.format.read_array(_ReadWrite(stream), allow_pickle=False)


# --- the child process ----------------------------------------------------------------------


def serve(root: str, threads: int, requests: BinaryIO, replies: BinaryIO) -> None:
    """Load the programs, say so, then answer each pixel frame until the parent closes the pipe."""

    def error_frame(exc: Exception) -> np.ndarray:
        text = str(exc) if isinstance(exc, BadInput) else f"vision encoder: {type(exc).__name__}: {exc}"
        return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)

    try:
        with native_logs_quiet():  # the runtime's own log lines, as in the parent's CLI
            set_xnnpack_threads(threads)
            encoder = TileEncoder(open_artifacts(Path(root), verify=False))
    except Exception as exc:  # noqa: BLE001  (reported to the parent, which raises it)
        write_frame(replies, b"E", error_frame(exc))
        return
    write_frame(replies, b"A", np.zeros(0, dtype=np.float32))
    while requests.peek(1):
        _, pixels = read_frame(requests)
        try:
            write_frame(replies, b"A", encoder.encode(pixels).numpy())
        except Exception as exc:  # noqa: BLE001
            write_frame(replies, b"E", error_frame(exc))
