"""One measurement of one system, in its own process: ``python -m bluev.benchmarks.host.worker TASK_JSON``.

A process per measurement gives each system its own peak RSS and thread setting and
keeps one system's allocations from slowing the next. The last stdout line is the
result as JSON. Systems: ``bluev`` (our .pte files through the host runtime) and ``photo``
(one photo and question, as `bluev bench host --preset onevision-0.5b` races llama.cpp's
mtmd). It imports the runtime only, so its peak RSS is what running our programs costs; the
eager and export_llm measurements, which import the exporter and transformers, are in
peer_worker.py.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from bluev.quant.texts import data_text
from bluev.quiet import library_warnings_quiet
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.audio import load_audio
from bluev.runtime.kernels import peak_rss_mb, set_xnnpack_threads
from bluev.runtime.manifest import Manifest
from bluev.runtime.pipeline import Pipeline, Stats
from bluev.runtime.sampling import greedy
from bluev.runtime.session import Session
from bluev.runtime.speech import Transcriber
from bluev.runtime.spoken import ask_spoken
from bluev.runtime.text import TextCodec

SHORT_PROMPT_TOKENS = 32  # the context decode starts from


@dataclass
class Task:
    system: str
    threads: int
    components: list[str]
    artifacts: str | None = None  # bluev: the artifact dir (its tokenizer serves all systems)
    preset: str | None = None  # eager: what to build
    pte: str | None = None  # executorch: export_llm's program
    image: str | None = None  # TTFT: one image + a short prompt
    audio: str | None = None  # spoken-question TTFT: this WAV asked over the image
    decode_tokens: int = 128
    prefill_tokens: int = 512
    typing_ms: int = 2000  # how long the user takes to write the question after picking the photo
    sweep: dict[str, list[int]] = field(default_factory=dict)  # sweep_worker: the points per curve
    extra: dict = field(default_factory=dict)


def eval_ids(tokenizer_json: Path, count: int) -> list[int]:
    """``count`` token ids of the shipped evaluation text: the same prompt for every system."""
    ids = TextCodec(tokenizer_json).encode(data_text("eval_text.txt"))
    while len(ids) < count:
        ids = ids + ids
    return ids[:count]


def rate(tokens: int, seconds: float) -> float:
    return round(tokens / seconds, 2) if seconds > 0 else 0.0


def set_threads(threads: int) -> None:
    torch.set_num_threads(threads)
    set_xnnpack_threads(threads)


def measure_bluev(task: Task) -> dict:
    p = Pipeline(open_artifacts(task.artifacts, verify=False), need_llm="llm" in task.components)
    out: dict = {}
    if "llm" in task.components:
        ids = eval_ids(p.art.tokenizer_path, max(task.prefill_tokens, SHORT_PROMPT_TOKENS))
        p.prefill(p.embed_ids(ids[: p.chunk]))  # warm-up: first calls allocate
        started = time.perf_counter()
        p.prefill(p.embed_ids(ids[: task.prefill_tokens]))
        out["prefill_tok_s"] = rate(task.prefill_tokens, time.perf_counter() - started)
        logits = p.prefill(p.embed_ids(ids[:SHORT_PROMPT_TOKENS]))
        out["decode_tok_s"] = bluev_decode_rate(p, greedy(logits), SHORT_PROMPT_TOKENS, task.decode_tokens)
    if "vision" in task.components and p.tiles is not None:
        out.update(vision_ms(p.tiles.run_batch, task, p.art.manifest))
    if task.image and p.art.has_llm and (p.tiles is not None or "vision" not in task.components):
        image = task.image if p.tiles is not None else None
        p.generate("Describe it." if image else "Hello.", image, max_new_tokens=1)  # warm
        out["ttft_ms"] = round(p.generate("Describe it.", image, max_new_tokens=1).stats.ttft_ms, 2)
    spoken = spoken_inputs(p, task)
    if spoken is not None:
        out |= spoken_ttft(p, *spoken, overlap=False)
    if "vision" in task.components and p.tiles is not None and task.image:
        out["image_encode_ms"] = image_encode_ms(p, task.image, pipelined=False)
        if "ttft_ms" in out:  # the stall an inline encoder causes, for contrast
            inline = decoupled_ttft(p, task.image, task.typing_ms, out["ttft_ms"])
            out["caller_stall_ms_inline"] = inline["caller_stall_ms"]
        p.use_image_encoder("process")  # the scheduling ideas need the encoder off this GIL
        out["image_encode_ms_pipelined"] = image_encode_ms(p, task.image, pipelined=True)
        out["pipelining_saved_ms"] = round(out["image_encode_ms"] - out["image_encode_ms_pipelined"], 2)
        if "ttft_ms" in out:
            out |= decoupled_ttft(p, task.image, task.typing_ms, out["ttft_ms"])
        if spoken is not None:
            out |= spoken_ttft(p, *spoken, overlap=True)
            out["spoken_ttft_saved_ms"] = round(
                out["spoken_ttft_inline_ms"] - out["spoken_ttft_overlapped_ms"], 2
            )
        p.close()
    return out


def bluev_decode_rate(p: Pipeline, token: int, pos: int, steps: int) -> float:
    """tok/s of ``steps`` greedy decode steps from ``pos`` (past end-of-text: a fixed amount of work)."""
    started = time.perf_counter()
    for _ in range(steps):
        logits = p.decode_step(token, pos)
        token, pos = greedy(logits), pos + 1
    return rate(steps, time.perf_counter() - started)


def spoken_inputs(p: Pipeline, task: Task) -> tuple[Transcriber, np.ndarray, str | None] | None:
    """The speech programs, the question's samples and the picture, when the task asks a spoken question."""
    speech = p.art.manifest.speech
    if not task.audio or "speech" not in task.components or speech is None or not p.art.has_llm:
        return None
    features = speech.features
    samples = load_audio(
        Path(task.audio), features.sampling_rate, features.n_samples / features.sampling_rate
    )
    return Transcriber(p.art), samples, task.image if p.tiles is not None else None


def spoken_ttft(
    p: Pipeline, transcriber: Transcriber, samples: np.ndarray, image: str | None, overlap: bool
) -> dict:
    """Transcription ms and the spoken question's TTFT over the picture: median of 3 after a warm-up.

    Inline: the picture is encoded, then the speech transcribed, in this process; overlapped:
    the picture encodes in the encoder's child process while this one transcribes.
    """
    where = Path(image) if image else None
    runs = [ask_spoken(p, transcriber, samples, where, 1, overlap=overlap).generation.stats for _ in range(4)]
    middle = sorted(runs[1:], key=lambda s: s.ttft_ms)[1]
    if not overlap:
        return {
            "spoken_ttft_inline_ms": round(middle.ttft_ms, 2),
            "transcribe_ms": middle.extra["transcribe_ms"],
        }
    return {
        "spoken_ttft_overlapped_ms": round(middle.ttft_ms, 2),
        "spoken_overlap_saved_ms": middle.extra.get("overlap_saved_ms", 0.0),
    }


def decoupled_ttft(p: Pipeline, image: str, typing_ms: int, ttft_ms: float) -> dict:
    """TTFT when the image is added first and the question arrives ``typing_ms`` later.

    A ticker thread stands for the app's UI thread: its longest gap while the user writes
    (``caller_stall_ms``) shows whether the encoder let this process run meanwhile.
    """
    gaps: list[float] = []
    with Session(p) as session:
        asked_at = time.perf_counter() + typing_ms / 1000.0
        with Ticker(gaps):
            session.add_image(image)
            time.sleep(max(0.0, asked_at - time.perf_counter()))  # the user writing the question
        # TTFT from when the question was asked, even if this thread woke late
        stats = session.ask("Describe it.", max_new_tokens=1, asked_at=asked_at).stats
    return {
        "ttft_decoupled_ms": round(stats.ttft_ms, 2),
        "ttft_saved_ms": round(ttft_ms - stats.ttft_ms, 2),
        "image_wait_ms": stats.extra["image_wait_ms"],
        "caller_stall_ms": round(max(gaps, default=0.0), 2),
    }


class Ticker:
    """A thread that wakes every millisecond and records how late each wake-up came (ms)."""

    def __init__(self, gaps: list[float]) -> None:
        self.gaps, self._stop = gaps, threading.Event()
        self._thread = threading.Thread(target=self._run, name="bluev-ticker", daemon=True)

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.wait(0.001):
            now = time.perf_counter()
            self.gaps.append((now - last) * 1000.0)
            last = now

    def __enter__(self) -> Ticker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def image_encode_ms(p: Pipeline, image: str, pipelined: bool) -> float:
    """File -> embeddings on the pipeline's current encoder: median of 3 after a warm-up."""
    times = []
    for _ in range(4):
        stats = Stats()
        p.encode_image(image, stats, pipelined=pipelined)
        times.append(stats.image_encode_ms)
    return round(sorted(times[1:])[1], 2)


def vision_ms(encode: Callable[[torch.Tensor], torch.Tensor], task: Task, manifest: Manifest) -> dict:
    """ms per tile at batch 1 and at the manifest's largest batch (median of 3 after a warm-up)."""
    assert manifest.vision is not None
    size, batch = manifest.vision.image_size, manifest.vision.max_batch
    out = {}
    for key, n in (("vision_tile_ms", 1), ("vision_tile_ms_batched", batch)):
        out[key] = round(encode_ms(encode, random_tiles(n, size), batch) / n, 2)
    out["vision_batch"] = batch
    return out


def random_tiles(n: int, size: int) -> torch.Tensor:
    """``n`` tiles of noise in the programs' [-1, 1] range (the same for every system)."""
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(0)) * 2 - 1


def encode_ms(encode: Callable[[torch.Tensor], torch.Tensor], tiles: torch.Tensor, batch: int) -> float:
    """ms to encode ``tiles`` in batches of at most ``batch``: median of 3 after a warm-up."""
    times = []
    for _ in range(4):
        started = time.perf_counter()
        for i in range(0, len(tiles), batch):
            encode(tiles[i : i + batch])
        times.append((time.perf_counter() - started) * 1000.0)
    return sorted(times[1:])[1]


PHOTO_QUESTION = "Describe this photo in detail."


def measure_photo(task: Task) -> dict:
    """One photo + one question answered as a user asks it: the race against llama.cpp's mtmd.

    The LLM and the vision programs are warmed first (a short text answer, one tile), as
    llama.cpp warms its model and mmproj when loading; then the file is tiled, encoded,
    prefilled with the question and ``decode_tokens`` tokens decoded, in one call.
    """
    # as `bluev run` answers: the vision programs are freed once the picture is encoded
    p = Pipeline(open_artifacts(task.artifacts, verify=False), release_vision=True)
    assert p.tiles is not None and task.image is not None
    p.generate("Hello.", max_new_tokens=2)
    size = p.art.manifest.vision.image_size  # type: ignore[union-attr]
    p.tiles.run_batch(random_tiles(1, size))
    answer = p.generate(PHOTO_QUESTION, task.image, max_new_tokens=task.decode_tokens)
    stats = answer.stats.to_dict()
    keys = ("image_encode_ms", "ttft_ms", "decode_tok_s", "decode_tokens", "prefill_tok_s")
    return {k: stats[k] for k in keys} | {
        "image_tokens": stats["image_tokens"],
        "prompt_tokens": stats["prefill_tokens"],
        "tiles": stats["tiles"],
        "peak_rss_mb_by_phase": stats["peak_rss_mb_by_phase"],
    }


SYSTEMS = {
    "bluev": measure_bluev,
    "photo": measure_photo,
}


def main(systems: dict[str, Callable[[Task], dict]] = SYSTEMS) -> None:
    library_warnings_quiet()
    task = Task(**json.loads(sys.argv[1]))
    set_threads(task.threads)
    result = systems[task.system](task)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(result), flush=True)


def task_json(task: Task) -> str:
    return json.dumps(asdict(task))


if __name__ == "__main__":
    main()
