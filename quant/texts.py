"""The shipped text files of quant/data: the evaluation text and the calibration prompts.

Its own module, with no torch or transformers, because the benchmark workers that time our
programs read the evaluation text too.
"""

from __future__ import annotations

from importlib import resources


def data_text(name: str) -> str:
    """A text file of quant/data (``eval_text.txt``, ``calibration_prompts.txt``)."""
    return resources.files("bluev.quant").joinpath("data", name).read_text(encoding="utf-8")
