"""One system's sweep points in one process: ``python -m bluev.benchmarks.host.sweep_worker TASK_JSON``.

One process per system per round, not per point: each start imports torch (seconds).
``Task.sweep`` holds the points: ``{"prefill": [prompt lengths], "decode": [positions],
"vision": [tile counts]}``. The result is flat, ``prefill@N`` / ``decode@P`` (tok/s) and
``vision@T`` (ms for T tiles), so bench.summarize gives each its median and spread.
"""

from __future__ import annotations

import time

import torch

from bluev.benchmarks.host.peer_worker import (
    eager_decode_rate,
    executorch_runner,
    runner_decode_rate,
    runner_prefill_rate,
)
from bluev.benchmarks.host.worker import (
    Task,
    bluev_decode_rate,
    encode_ms,
    eval_ids,
    main,
    random_tiles,
    rate,
)
from bluev.export.builders import build
from bluev.export.presets import get_preset
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.pipeline import Pipeline
from bluev.runtime.sampling import greedy


def key(curve: str, point: int) -> str:
    return f"{curve}@{point}"


def needed_ids(task: Task) -> int:
    """Prompt ids the longest point uses (a decode at position P prefills P, then reads one more)."""
    return max([*task.sweep.get("prefill", []), *(p + 1 for p in task.sweep.get("decode", [])), 64])


def sweep_bluev(task: Task) -> dict:
    """Our programs: chunked prefill of each length from position 0; decode after a prefill of P."""
    prefill, decode = task.sweep.get("prefill", []), task.sweep.get("decode", [])
    tiles = task.sweep.get("vision", [])
    p = Pipeline(open_artifacts(task.artifacts, verify=False), need_llm=bool(prefill or decode))
    out: dict = {}
    if prefill or decode:
        ids = eval_ids(p.art.tokenizer_path, needed_ids(task))
        p.prefill(p.embed_ids(ids[: p.chunk]))  # warm-up: first calls allocate
        p.decode_step(ids[0], 0)
        for n in prefill:
            started = time.perf_counter()
            p.prefill(p.embed_ids(ids[:n]))
            out[key("prefill", n)] = rate(n, time.perf_counter() - started)
        for pos in decode:  # position 0: the first prompt token on an empty cache
            token = greedy(p.prefill(p.embed_ids(ids[:pos]))) if pos else ids[0]
            out[key("decode", pos)] = bluev_decode_rate(p, token, pos, task.decode_tokens)
    if tiles and p.tiles is not None:
        vision = p.art.manifest.vision
        assert vision is not None
        for n in tiles:
            ms = encode_ms(p.tiles.run_batch, random_tiles(n, vision.image_size), vision.max_batch)
            out[key("vision", n)] = round(ms, 2)
    p.close()
    return out


def sweep_eager(task: Task) -> dict:
    """The HF float modules: one forward per prompt; decode on HF's own cache; tiles batched as ours."""
    art = open_artifacts(task.artifacts, verify=False)
    text = bool(task.sweep.get("prefill") or task.sweep.get("decode"))
    built = build(get_preset(task.preset or art.preset), with_llm=text)
    out: dict = {}
    with torch.inference_mode():
        if built.hf_llm is not None and text:
            out |= eager_text(built.hf_llm, eval_ids(art.tokenizer_path, needed_ids(task)), task)
        vision = art.manifest.vision
        if built.tower is not None and vision is not None:
            tower, projector, batch = built.tower, built.projector, vision.max_batch
            for n in task.sweep.get("vision", []):
                ms = encode_ms(lambda x: projector(tower(x)), random_tiles(n, vision.image_size), batch)
                out[key("vision", n)] = round(ms, 2)
    return out


def eager_text(hf: torch.nn.Module, ids: list[int], task: Task) -> dict:
    out: dict = {}
    hf(input_ids=torch.tensor([ids[:64]]))  # warm-up
    for n in task.sweep.get("prefill", []):
        started = time.perf_counter()
        hf(input_ids=torch.tensor([ids[:n]]))
        out[key("prefill", n)] = rate(n, time.perf_counter() - started)
    for pos in task.sweep.get("decode", []):
        token, past = torch.tensor([[ids[0]]]), None
        if pos:
            step = hf(input_ids=torch.tensor([ids[:pos]]), use_cache=True)
            token, past = step.logits[:, -1:].argmax(-1), step.past_key_values
        out[key("decode", pos)] = eager_decode_rate(hf, token, past, task.decode_tokens)
    return out


def sweep_executorch(task: Task) -> dict:
    """export_llm's program via TextLLMRunner; decode at position 0 starts after a one-token prompt."""
    run, ids = executorch_runner(task, needed_ids(task))
    out: dict = {}
    for n in task.sweep.get("prefill", []):
        out[key("prefill", n)] = runner_prefill_rate(run(ids[:n], 1))
    for pos in task.sweep.get("decode", []):  # the runner needs a prompt: at least one token
        out[key("decode", pos)] = runner_decode_rate(run(ids[: max(pos, 1)], task.decode_tokens + 1))
    return out


SWEEPS = {"bluev": sweep_bluev, "eager": sweep_eager, "executorch": sweep_executorch}


if __name__ == "__main__":
    main(SWEEPS)
