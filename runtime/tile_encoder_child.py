"""The vision encoder's child process: ``python -m bluev.runtime.tile_encoder_child ROOT THREADS IN OUT``.

Its own module so that the libraries are quieted before ExecuTorch and torchao are imported
(they log on import); runtime/tile_encoder.py starts it and holds the other end of the pipes.
"""

from __future__ import annotations

import os
import sys

from bluev.quiet import library_warnings_quiet


def main(argv: list[str]) -> None:
    library_warnings_quiet()
    # deferred on purpose: ExecuTorch's import logs unless the libraries are quieted first
    from bluev.runtime.tile_encoder import serve

    root, threads, requests, replies = argv
    with os.fdopen(int(requests), "rb") as stream_in, os.fdopen(int(replies), "wb") as stream_out:
        serve(root, int(threads), stream_in, stream_out)


if __name__ == "__main__":
    main(sys.argv[1:])
