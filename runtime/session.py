"""Decoupled image encoding (the paper's section 3.3): encode while the user is still typing.

``add_image()`` starts the vision encoder and projector on a background thread and
returns at once; ``ask()`` waits only for what is left of that work, so the time to
the first token no longer includes the image when the question took longer to write
than the image took to encode.

On the host give the Session a ``Pipeline(..., image_encoder="process")``: an inline
encoder holds the GIL while each batch runs (ExecuTorch's binding does not release
it), which stalls the caller's thread for that long; with the encoder in a child
process the background thread here only prepares tiles and waits on a pipe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from bluev.runtime.layouts import EncodedImage
from bluev.runtime.pipeline import Generation, Pipeline, Stats
from bluev.runtime.sampling import SamplerConfig


class Session:
    """One conversation turn at a time over a loaded Pipeline, with its image encoded ahead."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bluev-image")
        self._image: Future[EncodedImage] | None = None
        self._stats = Stats()

    def add_image(self, image: str | Path) -> None:
        """Start encoding ``image`` now; a second call replaces the first picture."""
        if self._image is not None:
            self._image.cancel()
        self._stats = Stats()
        self._image = self._worker.submit(self.pipeline.encode_image, image, self._stats)

    def image_ready(self, timeout: float | None = None) -> bool:
        """Whether the added image is encoded, waiting up to ``timeout`` s (None: until it is);
        a UI shows the picture as ready with it. An encoder error surfaces in ask(), not here."""
        if self._image is None:
            return False
        return wait([self._image], timeout).done == {self._image}

    def ask(
        self,
        prompt: str,
        max_new_tokens: int = 128,
        sampler: SamplerConfig | None = None,
        on_text: Callable[[str], None] | None = None,
        asked_at: float | None = None,
    ) -> Generation:
        """Answer about the added image (if any); TTFT and the image wait count from this call,
        or from ``asked_at`` (a ``time.perf_counter()`` value): on the host, ExecuTorch's Python
        binding holds the GIL while a program runs, so the caller's thread may reach this call
        only after the encoder's current batch; a benchmark passes when the user asked."""
        t0 = time.perf_counter() if asked_at is None else asked_at
        stats, image = self._stats, self._image
        self._stats, self._image = Stats(), None
        encoded = image.result() if image is not None else None  # re-raises the encoder's error
        stats.extra["image_wait_ms"] = round((time.perf_counter() - t0) * 1000.0, 2)
        return self.pipeline.answer(prompt, encoded, stats, t0, max_new_tokens, sampler, on_text)

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
