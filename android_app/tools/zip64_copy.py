"""Rewrite a bundle with ZIP64 local headers on every entry, for the app's reader tests.

`bluev bundle` gets ZIP64 headers from Python's zipfile only for entries over 4 GiB (a float
bluelm-v-3b llm.pte); this writes the same header layout for the tiny fixture, so
`make android-unit` checks that the app reads what a big bundle holds. Usage:
    python zip64_copy.py IN.zip OUT.zip
"""

from __future__ import annotations

import shutil
import sys
import zipfile


def main(src: str, dst: str) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst + ".part", "w") as zout:
        for info in zin.infolist():
            with zin.open(info) as data, zout.open(info, "w", force_zip64=True) as out:
                shutil.copyfileobj(data, out)
    shutil.move(dst + ".part", dst)


if __name__ == "__main__":
    main(*sys.argv[1:3])
