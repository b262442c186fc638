"""llama-mtmd-cli's log read into the photo race's figures (benchmarks/host/mtmd.py).

tests/data/mtmd_cli.log is a real run's log (`make peers`' llama-mtmd-cli on the onevision-0.5b
GGUFs, a 384x384 picture, `-n 4`, `--perf -lv 4` as the bench runs it), so the patterns are checked
against what llama.cpp prints, not against what we expect it to print.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bluev.benchmarks.host.mtmd import parse_log
from bluev.errors import BadInput

LOG = Path(__file__).parents[1] / "data" / "mtmd_cli.log"


def test_real_log_gives_every_figure() -> None:
    text = LOG.read_text()
    figures = parse_log(text)
    encoded = [line for line in text.splitlines() if "mtmd batch encoding done in" in line]
    assert len(encoded) == 1  # a one-tile picture: one 729-token chunk
    assert figures["image_tokens"] == 729 and figures["prompt_tokens"] == 744  # + the question's 15
    assert figures["image_encode_ms"] == 12808.0 and figures["ttft_ms"] == round(12808 + 26267.09, 2)
    assert figures["decode_tokens"] == 3  # -n 4: the first token comes from the prompt's logits
    assert figures["decode_tok_s"] == round(3 / 1.04022, 2) and figures["prefill_tok_s"] == round(
        744 / 26.26709, 2
    )


def test_log_without_timings_is_refused() -> None:
    with pytest.raises(BadInput, match="no image encoding or llama_perf timings"):
        parse_log("main: loading model: llm.gguf\nfailed to decode image\n")
