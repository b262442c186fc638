"""The peers' measurements, each in its own process: ``python -m bluev.benchmarks.host.peer_worker TASK``.

Systems: ``eager`` (the HF float modules in PyTorch) and ``executorch`` (export_llm's .pte
through ExecuTorch's stock TextLLMRunner). Apart from worker.py because they import the
exporter, transformers and ExecuTorch's LLM runner, which bluev's own measurements never use
(worker.py's processes stay ~200 MB lighter: their peak RSS is the runtime's).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import torch
from executorch.extension.llm.runner import GenerationConfig, TextLLMRunner

from bluev.benchmarks.host.worker import SHORT_PROMPT_TOKENS, Task, eval_ids, main, rate, vision_ms
from bluev.export.builders import build
from bluev.export.presets import get_preset
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.text import TextCodec


def measure_eager(task: Task) -> dict:
    art = open_artifacts(task.artifacts, verify=False)
    built = build(get_preset(task.preset or art.preset), with_llm="llm" in task.components)
    out: dict = {}
    with torch.inference_mode():
        if "llm" in task.components and built.hf_llm is not None:
            ids = eval_ids(art.tokenizer_path, max(task.prefill_tokens, SHORT_PROMPT_TOKENS))
            hf = built.hf_llm
            hf(input_ids=torch.tensor([ids[:64]]))  # warm-up
            started = time.perf_counter()
            hf(input_ids=torch.tensor([ids[: task.prefill_tokens]]))
            out["prefill_tok_s"] = rate(task.prefill_tokens, time.perf_counter() - started)
            step = hf(input_ids=torch.tensor([ids[:SHORT_PROMPT_TOKENS]]), use_cache=True)
            token = step.logits[:, -1:].argmax(-1)
            out["decode_tok_s"] = eager_decode_rate(hf, token, step.past_key_values, task.decode_tokens)
        if "vision" in task.components and built.tower is not None:
            tower, projector = built.tower, built.projector
            out.update(vision_ms(lambda x: projector(tower(x)), task, art.manifest))
    return out


def eager_decode_rate(hf: torch.nn.Module, token: torch.Tensor, past: object, steps: int) -> float:
    """tok/s of ``steps`` greedy steps on HF's own KV cache ``past`` (None: from an empty one)."""
    started = time.perf_counter()
    for _ in range(steps):
        step = hf(input_ids=token, past_key_values=past, use_cache=True)
        token, past = step.logits[:, -1:].argmax(-1), step.past_key_values
    return rate(steps, time.perf_counter() - started)


ExecutorchRun = Callable[[list[int], int], dict]


def executorch_runner(task: Task, count: int) -> tuple[ExecutorchRun, list[int]]:
    """TextLLMRunner on export_llm's .pte (warmed up) and ``count`` prompt ids: ``run(ids, new)`` -> stats."""
    art = open_artifacts(task.artifacts, verify=False)
    codec = TextCodec(art.tokenizer_path)
    ids = eval_ids(art.tokenizer_path, max(count, 64))
    runner = TextLLMRunner(task.pte, str(art.tokenizer_path))

    def run(prompt_ids: list[int], new_tokens: int) -> dict:
        stats: list = []
        config = GenerationConfig(max_new_tokens=new_tokens, temperature=0.0, echo=False)
        runner.generate(codec.decode(prompt_ids), config, lambda _: None, stats.append)
        runner.reset()
        return json.loads(stats[-1].to_json_string())

    run(ids[:64], 4)  # warm-up
    return run, ids


def runner_prefill_rate(stats: dict) -> float:
    """Prompt tok/s from TextLLMRunner's stats, as ExecuTorch reports them."""
    return rate(stats["prompt_tokens"], (stats["prompt_eval_end_ms"] - stats["inference_start_ms"]) / 1e3)


def runner_decode_rate(stats: dict) -> float:
    return rate(stats["generated_tokens"], (stats["inference_end_ms"] - stats["prompt_eval_end_ms"]) / 1e3)


def measure_executorch(task: Task) -> dict:
    """export_llm's .pte via TextLLMRunner; rates computed from its stats as ExecuTorch reports them."""
    run, ids = executorch_runner(task, max(task.prefill_tokens, SHORT_PROMPT_TOKENS))
    prefill = run(ids[: task.prefill_tokens], 1)
    decode = run(ids[:SHORT_PROMPT_TOKENS], task.decode_tokens + 1)
    return {
        "prefill_tok_s": runner_prefill_rate(prefill),
        "prefill_tokens": prefill["prompt_tokens"],
        "decode_tok_s": runner_decode_rate(decode),
        "decode_tokens": decode["generated_tokens"],
    }


PEERS = {"eager": measure_eager, "executorch": measure_executorch}


if __name__ == "__main__":
    main(PEERS)
