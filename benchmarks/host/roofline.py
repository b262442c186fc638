"""What the hardware allows: decode is bound by memory reads, a vision tile by arithmetic.

Decode reads every LLM weight once per token (all but one row of the embedding table)
plus the KV cache up to the current position, so ``bandwidth / bytes_per_token`` is
the fastest decode possible. A tile, and a prefilled token, cost a fixed number of
multiply-adds, so ``ops / GEMM rate`` is the fastest encode or prefill possible, the rate
measured on the component's own kernels (gemm_probe.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from gguf import GGUFReader

from bluev.runtime import kernels
from bluev.runtime.manifest import Llm, Manifest

BYTES_PER_BANDWIDTH_PROBE = 1 << 30  # well past every cache level
READ_STREAMS = 8  # per thread in the native read: 4-8 read alike on the 2026-12-03 Xeon, 1 read 20% less


def read_bandwidth_gb_s(threads: int, min_repeats: int = 3, min_seconds: float = 1.0) -> float:
    """Best multi-threaded streaming read rate of a 1 GiB tensor, each pass kind for about a second.

    Two kinds: torch's sum (one sequential stream a thread) and, when bluev's host kernels are
    built, their native read (READ_STREAMS neighbouring streams a thread), which on the
    2026-12-03 Xeon read 29-31 GB/s where the sum read 24.5 (one stream kept too few reads in
    flight per core). Passes within one probe agree to a few percent here; what drifts (24-54
    GB/s on the shared VMs so far) is the machine from minute to minute, so the host bench probes
    once per round, between the systems it times, and takes the best reading as the limit.
    """
    torch.set_num_threads(threads)
    data = torch.ones(BYTES_PER_BANDWIDTH_PROBE // 4, dtype=torch.float32)
    passes: list[Callable[[], object]] = [data.sum]
    native = kernels.read_pass()
    if native is not None:
        address, size = data.data_ptr(), data.numel() * data.element_size()
        passes.append(lambda: native(address, size, threads, READ_STREAMS))
    best = min(fastest_pass(read, min_repeats, min_seconds) for read in passes)
    return round(BYTES_PER_BANDWIDTH_PROBE / best / 1e9, 2)


def fastest_pass(read: Callable[[], object], min_repeats: int, min_seconds: float) -> float:
    """Seconds of the fastest of at least ``min_repeats`` passes over at least ``min_seconds``,
    after one untimed pass (which pages the tensor in)."""
    read()
    best, passes, began = float("inf"), 0, time.perf_counter()
    while passes < min_repeats or time.perf_counter() - began < min_seconds:
        started = time.perf_counter()
        read()
        best = min(best, time.perf_counter() - started)
        passes += 1
    return best


@dataclass(frozen=True)
class DecodeTraffic:
    weight_bytes: int  # the program less its embedding table
    kv_bytes: int  # KV cache read at the mean decode position

    @property
    def total(self) -> int:
        return self.weight_bytes + self.kv_bytes


def table_bytes(vocab: int, dim: int, bits: int) -> int:
    """An n-bit [vocab, dim] embedding table with one fp32 scale per row (float: no scales)."""
    return vocab * (dim * bits // 8 + (4 if bits < 32 else 0))


def kv_bytes(llm: Llm, mean_position: int, element_bytes: int = 4) -> int:
    """K and V of every layer up to ``mean_position``; ``llm`` is the manifest's LLM shape."""
    return 2 * llm.n_layers * mean_position * llm.n_kv_heads * llm.head_dim * element_bytes


def program_traffic(program_bytes: int, llm: Llm, embedding_bits: int, kv: int) -> DecodeTraffic:
    """An LLM program (ours or export_llm's) of ``program_bytes``: all of it but its embedding
    table, of which decode reads one row."""
    table = table_bytes(llm.vocab_size, llm.dim, embedding_bits)
    return DecodeTraffic(weight_bytes=program_bytes - table, kv_bytes=kv)


def decode_traffic(manifest: Manifest, mean_position: int) -> DecodeTraffic:
    """Bytes one decoded token of our llm.pte reads, from the manifest's LLM shape and quantization."""
    assert manifest.llm is not None
    embedding_bits = manifest.quantization.llm_embedding.bits or 32
    program, kv = manifest.components["llm"], kv_bytes(manifest.llm, mean_position)
    if program.data is not None:  # the tied table stored once (llm.ptd): the head reads all of it
        return DecodeTraffic(weight_bytes=program.bytes + program.data.bytes, kv_bytes=kv)
    return program_traffic(program.bytes, manifest.llm, embedding_bits, kv)


def gguf_traffic(gguf: Path, kv: int) -> DecodeTraffic:
    """llama.cpp on a GGUF file: every tensor, the token table included (tied, it is the head)."""
    tensors = GGUFReader(str(gguf)).tensors
    return DecodeTraffic(weight_bytes=sum(int(t.n_bytes) for t in tensors), kv_bytes=kv)


def vision_flops_per_tile(width: int, mlp: int, layers: int, patches: int) -> float:
    """Multiply-adds x2 of one ViT tile: the linear layers plus the attention matmuls."""
    linear = 2 * patches * (4 * width * width + 2 * width * mlp)
    attention = 2 * 2 * patches * patches * width
    return float(layers * (linear + attention))


def decoder_linear_params(llm: Llm) -> int:
    """Every decoder linear weight: per layer q/k/v/o and the FFN's gate, up and down. The head
    is left out: prefill runs it on one row per chunk."""
    attention = llm.dim * llm.head_dim * (2 * llm.n_heads + 2 * llm.n_kv_heads)
    return llm.n_layers * (attention + 3 * llm.dim * llm.hidden_dim)


def prefill_ops_per_token(llm: Llm, mean_position: int) -> float:
    """Multiply-adds x2 of one prompt token: every decoder linear, plus attention's scores and
    weighted sum over the ``mean_position`` tokens before it (each query head)."""
    attention = 2 * 2 * mean_position * llm.n_heads * llm.head_dim * llm.n_layers
    return float(2 * decoder_linear_params(llm) + attention)
