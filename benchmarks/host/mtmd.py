"""llama.cpp's multimodal CLI (``llama-mtmd-cli``) answering one photo + one question, timed.

One run per measurement, as a user would run it: the model and mmproj load (llama.cpp warms
both up), the picture is sliced, encoded and decoded into the context with the question, then
``new_tokens`` tokens are generated (end-of-generation tokens banned, so every run does the same
work). Figures come from llama.cpp's own log lines:

- ``image_encode_ms``: "mtmd batch encoding done in N ms" (the vision tower and projector);
- ``image_tokens``: the "n_tokens_batch" of the image's decode batches;
- prompt and decode from ``llama_perf_context_print`` ("prompt eval time", "eval time");
- ``ttft_ms`` = image encoding + prompt evaluation. mtmd-cli does not time the JPEG decode and
  slicing before them, so this is a lower bound on its real TTFT (bluev's counts from the file);
- ``peak_rss_mb``: the process's maximum resident set (``wait4``), load included.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bluev.benchmarks.host.child import failure
from bluev.benchmarks.host.worker import rate
from bluev.errors import BadInput

ENCODED = re.compile(r"mtmd batch encoding done in (\d+) ms")
IMAGE_BATCH = re.compile(r"n_tokens_batch = (\d+)")
PROMPT = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
DECODE = re.compile(r"\seval time =\s*([\d.]+) ms /\s*(\d+) runs")


@dataclass(frozen=True)
class MtmdRun:
    binary: Path
    llm: Path
    mmproj: Path
    threads: int
    context: int  # tokens: room for the image's tokens, the question and the answer
    new_tokens: int
    flash_attn: str = "auto"  # -fa: on, off or auto (llama.cpp's choice)


def parse_log(log: str) -> dict:
    """The figures above from one run's log; BadInput naming what is missing."""
    encoded = [int(m) for m in ENCODED.findall(log)]
    prompt, decode = PROMPT.search(log), DECODE.search(log)
    if not encoded or prompt is None or decode is None:
        raise BadInput("llama-mtmd-cli: its log has no image encoding or llama_perf timings")
    prompt_ms, prompt_tokens = float(prompt.group(1)), int(prompt.group(2))
    decode_ms, decode_tokens = float(decode.group(1)), int(decode.group(2))
    image_ms = float(sum(encoded))
    return {
        "image_encode_ms": round(image_ms, 2),
        "image_tokens": sum(int(n) for n in IMAGE_BATCH.findall(log)),
        "prompt_tokens": prompt_tokens,
        "prefill_tok_s": rate(prompt_tokens, prompt_ms / 1000.0),
        "ttft_ms": round(image_ms + prompt_ms, 2),
        "decode_tokens": decode_tokens,
        "decode_tok_s": rate(decode_tokens, decode_ms / 1000.0),
    }


def mtmd_answer(run: MtmdRun, image: Path, question: str) -> dict:
    """One llama-mtmd-cli run on ``image`` + ``question``; the figures and its peak RSS."""
    command = [
        str(run.binary), "-m", str(run.llm), "--mmproj", str(run.mmproj), "--image", str(image),
        "-p", question, "-n", str(run.new_tokens), "--ignore-eos", "--temp", "0",
        "-t", str(run.threads), "-c", str(run.context), "--chat-template", "chatml",
        "-fa", run.flash_attn,
        "--perf", "-lv", "4",  # llama_perf timings and the image batches are logged at these levels
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+") as log:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read()
    if child.returncode != 0:
        raise BadInput(f"{run.binary}: llama-mtmd-cli failed ({failure(child.returncode, text)})")
    return parse_log(text) | {"peak_rss_mb": round(usage.ru_maxrss / 1024.0, 1)}
