"""Keep native libraries' log lines (ExecuTorch's ET_LOG, cpuinfo) off the user's terminal.

They write straight to file descriptor 2, below Python's sys.stderr, so the only
way to hold them back is to point fd 2 elsewhere while native code runs. Set
BLUEV_DEBUG=1 to see them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def native_logs_quiet() -> Iterator[None]:
    if os.environ.get("BLUEV_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def library_warnings_quiet() -> None:
    """Silence deprecation chatter from torch/torchao/executorch that a user cannot act on."""
    if os.environ.get("BLUEV_DEBUG"):
        return
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    # our KV caches are written before they are read, so their initial state is meaningless by design
    warnings.filterwarnings("ignore", message="Mutation on a buffer in the model is detected")
    import torch  # noqa: F401  (torch sets its loggers' levels when imported: quiet them after)

    # torchao (imported later by the verbs that quantize) logs the optional CUDA kernels it cannot
    # load on a CPU machine: its logger's level is set here, before it exists. Importing it here
    # would put torch._dynamo and inductor (~90 MB resident) into `bluev run` too.
    for name in ("torch", "torchao", "executorch", "transformers", "root"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)
