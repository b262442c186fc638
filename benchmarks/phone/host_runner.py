"""A stand-in for ExecuTorch's llama_main / llava_main that runs bluev's host pipeline.

It takes the stock runners' flags (`--model_path=... --tokenizer_path=... --prompt=...
--temperature=... --seq_len=... [--image_path=...]`), answers with `bluev.runtime.pipeline.Pipeline`
on the artifact folder that holds `--model_path`, and prints the stats line in ExecuTorch's own
format (`PyTorchObserver {...}`, extension/llm/runner/stats.h), so `bluev bench adb --runner stock`
can be exercised on this machine against a phone double:

    python -m bluev.benchmarks.phone.host_runner --model_path=artifacts/tiny/stock_runner.pte --prompt=Hi
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bluev.quiet import library_warnings_quiet, native_logs_quiet
from bluev.runtime.options import SamplerConfig


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="host_runner", description=__doc__.splitlines()[0])
    p.add_argument("--model_path", required=True, type=Path)
    p.add_argument("--tokenizer_path", type=Path)  # accepted like the stock runners; the manifest names it
    p.add_argument("--prompt", default="The answer to the ultimate question is")
    p.add_argument("--image_path", default="")
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--seq_len", type=int, default=128)
    p.add_argument("--cpu_threads", type=int, default=-1)
    return p.parse_args(argv)


def now_ms() -> int:
    return int(time.time() * 1000)


def observer_json(prompt_tokens: int, generated: int, marks: dict[str, int]) -> str:
    """Same keys and order as ExecuTorch's stats_to_json_string (rates first, then the timestamps)."""
    prefill_ms = marks["prompt_eval_end_ms"] - marks["inference_start_ms"]
    decode_ms = marks["inference_end_ms"] - marks["prompt_eval_end_ms"]
    stats: dict[str, float | int] = {}
    if prefill_ms > 0:
        stats["prefill_token_per_sec"] = prompt_tokens / prefill_ms * 1000
    if decode_ms > 0:
        stats["decode_token_per_sec"] = generated / decode_ms * 1000
    stats |= {"prompt_tokens": prompt_tokens, "generated_tokens": generated}
    for key in (
        "model_load_start_ms",
        "model_load_end_ms",
        "inference_start_ms",
        "inference_end_ms",
        "model_execution_start_ms",
        "model_execution_end_ms",
        "prompt_eval_end_ms",
        "first_token_ms",
        "aggregate_sampling_time_ms",
        "aggregate_model_execution_time_ms",
    ):
        stats[key] = marks.get(key, 0)
    stats["SCALING_FACTOR_UNITS_PER_SECOND"] = 1000
    return json.dumps(stats, separators=(",", ":"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    library_warnings_quiet()
    # deferred on purpose: ExecuTorch's import logs unless the libraries are quieted first
    from bluev.runtime.pipeline import Pipeline

    marks = {"model_load_start_ms": now_ms()}
    with native_logs_quiet():
        pipeline = Pipeline(args.model_path.parent)
    marks["model_load_end_ms"] = now_ms()
    # the stock runners get the chat template already applied; our pipeline applies it itself
    prompt = args.prompt.removeprefix(pipeline.chat.prefix).removesuffix(pipeline.chat.suffix)
    image = args.image_path or None
    # --seq_len counts the prompt, one 384x384 image (all a stock runner sees) and the new tokens;
    # our pipeline tiles the image into more tokens, so the image is counted as the stock runner does
    vision = pipeline.art.manifest.vision
    image_tokens = vision.tokens_per_tile if image and vision is not None else 0
    budget = max(1, args.seq_len - len(pipeline.codec.encode(args.prompt)) - image_tokens)
    marks["inference_start_ms"] = now_ms()
    with native_logs_quiet():
        gen = pipeline.generate(
            prompt,
            image,
            budget,
            SamplerConfig(temperature=args.temperature),
            lambda piece: print(piece, end="", flush=True),
        )
    s = gen.stats
    start = marks["inference_start_ms"]
    marks["prompt_eval_end_ms"] = start + round(s.image_encode_ms + s.prefill_ms)
    marks["first_token_ms"] = start + round(s.ttft_ms)
    marks["inference_end_ms"] = marks["prompt_eval_end_ms"] + round(s.decode_ms)
    marks["model_execution_start_ms"], marks["model_execution_end_ms"] = start, marks["inference_end_ms"]
    print(f"\nPyTorchObserver {observer_json(s.prefill_tokens, s.decode_tokens, marks)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
