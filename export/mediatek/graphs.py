"""Fixed-shape NPU graphs of the LLM: explicit KV caches, a mask input and plain ATen attention.

The NPU compiles one static graph per shape, and it has no kernel for ExecuTorch's
``llama::update_cache`` / ``llama::custom_sdpa`` nor for mutable buffers. So the
NPU decoder follows ExecuTorch's MediaTek LLM example (examples/mediatek,
modeling_common.py) rather than our XNNPACK graph:

- inputs: embeddings ``[1, t, dim]``, an additive mask ``[1, 1, t, C + t]``, rope
  ``[1, 2, t, head_dim]`` (cos; sin) and per layer a key cache and a value cache
  ``[1, n_kv_heads, C, head_dim]`` (all keys first, then all values);
- outputs: logits ``[1, t, vocab]`` and the caches after the call: the C newest
  entries of ``cache ++ new`` (a sliding window, the oldest t dropped).

The phone runner (CPU side) builds the mask and rope rows, looks the token embedding
up and carries the caches from one call to the next; ``NpuSession`` here does the
same on the host, for calibration and for tests. The paper's chunked computing is
the same module exported twice: ``t = chunk`` (prefill, the last chunk padded on the
right) and ``t = 1`` (decode). The XNNPACK path's graph (export/llm.py) is unchanged:
this module reuses the Transformer's weights and its q/k/v projection and rope.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from bluev.errors import BadInput
from bluev.export.llm import Transformer

# Finite, like the MediaTek example: with 16-bit activations an -inf input has no
# quantization range, and exp(-100) is already 0 in fp16.
MASK_VALUE = -100.0


@dataclass(frozen=True)
class NpuShapes:
    """The static shapes of the NPU LLM programs."""

    chunk: int  # prefill tokens per call (t of the prefill program)
    cache: int  # C: past tokens the caches hold
    dim: int
    head_dim: int
    n_layers: int
    n_kv_heads: int
    vocab_size: int

    @property
    def context(self) -> int:
        return self.cache + self.chunk


def npu_shapes(llm: Transformer, chunk: int) -> NpuShapes:
    """Shapes for the preset's chunk, checked: an NPU graph cannot be bent at run time."""
    args = llm.args
    if chunk < 2:
        raise BadInput(f"NPU export: chunk size {chunk} must be at least 2 (decode is the t=1 program)")
    if chunk > args.max_seq_len // 2:
        raise BadInput(
            f"NPU export: chunk size {chunk} must fit twice in max_seq_len {args.max_seq_len} "
            "(the caches hold max_seq_len - chunk past tokens)"
        )
    if args.dim % args.n_heads or args.head_dim % 2:
        raise BadInput(f"NPU export: dim {args.dim} / {args.n_heads} heads must give an even head dim")
    if args.n_heads % args.n_kv_heads:
        raise BadInput(f"NPU export: {args.n_heads} heads are not a multiple of {args.n_kv_heads} KV heads")
    return NpuShapes(
        chunk=chunk,
        cache=args.max_seq_len - chunk,
        dim=args.dim,
        head_dim=args.head_dim,
        n_layers=args.n_layers,
        n_kv_heads=args.n_kv_heads,
        vocab_size=args.vocab_size,
    )


class NpuDecoder(nn.Module):
    """``(embeddings, mask, rope, *caches) -> (logits, *caches)`` over the Transformer's weights."""

    def __init__(self, llm: Transformer) -> None:
        super().__init__()
        self.llm = llm

    def forward(
        self, embeddings: torch.Tensor, mask: torch.Tensor, rope: torch.Tensor, *caches: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        llm, n = self.llm, len(self.llm.layers)
        # [1, 2, t, D] -> cos, sin as [1, t, 1, D]: the layout Attention.project rotates with
        cos, sin = (rope[:, i : i + 1].transpose(1, 2) for i in (0, 1))
        h, keys, values = embeddings, [], []
        for i, layer in enumerate(llm.layers):
            out, k, v = self.attention(
                layer.attention, rms_norm(layer.attention_norm, h), mask, cos, sin, caches[i], caches[n + i]
            )
            h = h + out
            h = h + layer.feed_forward(rms_norm(layer.ffn_norm, h))
            keys.append(k)
            values.append(v)
        return (llm.output(rms_norm(llm.norm, h)), *keys, *values)

    @staticmethod
    def attention(
        attn: nn.Module,
        x: torch.Tensor,
        mask: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        past_k: torch.Tensor,
        past_v: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        q, k, v = (t.transpose(1, 2) for t in attn.project(x, cos, sin))  # [1, heads, t, D]
        t = q.shape[2]
        k = torch.cat([past_k, k], dim=2)  # [1, kv, C + t, D]
        v = torch.cat([past_v, v], dim=2)
        repeat = attn.n_heads // attn.n_kv_heads
        k_all, v_all = (repeat_kv(c, repeat) for c in (k, v))
        # matmul + add + softmax, written out: NeuroPilot and its quantizer take these ATen ops
        scores = q @ k_all.transpose(2, 3) * (attn.head_dim**-0.5) + mask
        out = (scores.softmax(dim=-1) @ v_all).transpose(1, 2).reshape(1, t, attn.n_heads * attn.head_dim)
        return attn.wo(out), k[:, :, t:], v[:, :, t:]


def rms_norm(norm: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """RMSNorm as ``sqrt(D) * x / ||x||`` (eps dropped: a 1e-5 shift of the mean square).

    The written-out form squares the activations, and one 16-bit per-tensor range over the
    squares of real models' outlier channels (SmolLM2: up to 4e5) rounds the ordinary
    tokens' mean square to 0; a normalized vector stays in [-1, 1].
    """
    return norm.weight * F.normalize(x, dim=-1) * math.sqrt(x.shape[-1])


def repeat_kv(x: torch.Tensor, repeat: int) -> torch.Tensor:
    """[1, kv, S, D] -> [1, kv * repeat, S, D], head j reading kv head j // repeat (GQA)."""
    if repeat == 1:
        return x
    b, kv, s, d = x.shape
    return x[:, :, None].expand(b, kv, repeat, s, d).reshape(b, kv * repeat, s, d)


# --- the runner's side: inputs of one call ------------------------------------------------------


def call_mask(shapes: NpuShapes, t: int, past: int, valid: int) -> torch.Tensor:
    """[1, 1, t, C + t]: query i sees the ``past`` newest cache slots and new tokens 0..i (i < valid)."""
    c = shapes.cache
    mask = torch.full((t, c + t), MASK_VALUE)
    mask[:, c - past : c] = 0.0
    new = torch.full((t, t), MASK_VALUE).triu(1)
    new[:, valid:] = MASK_VALUE  # padding columns are never attended
    mask[:, c:] = new
    return mask[None, None]


def call_rope(llm: Transformer, start: int, t: int) -> torch.Tensor:
    """[1, 2, t, head_dim]: cos and sin rows of positions start.. (padding rows repeat the last)."""
    pos = torch.arange(start, start + t).clamp(max=llm.args.max_seq_len - 1)
    return torch.stack([llm.rope_cos[pos], llm.rope_sin[pos]])[None]


class NpuSession:
    """One conversation on the NPU programs, run on the host: what the phone runner does per call."""

    def __init__(self, llm: Transformer, shapes: NpuShapes, prefill: nn.Module, decode: nn.Module) -> None:
        self.llm, self.shapes, self.prefill, self.decode = llm, shapes, prefill, decode
        cache = (1, shapes.n_kv_heads, shapes.cache, shapes.head_dim)
        self.caches = [torch.zeros(cache) for _ in range(2 * shapes.n_layers)]
        self.past = 0

    def run(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Embeddings [1, n, dim] in chunks (decode program for n == 1) -> logits of the last [1, vocab]."""
        n, logits = embeddings.shape[1], None
        if n == 1:
            return self.call(self.decode, embeddings, 1)[:, 0]
        for begin in range(0, n, self.shapes.chunk):
            part = embeddings[:, begin : begin + self.shapes.chunk]
            logits = self.call(self.prefill, part, self.shapes.chunk)[:, part.shape[1] - 1]
        assert logits is not None
        return logits

    def call(self, program: nn.Module, embeddings: torch.Tensor, t: int) -> torch.Tensor:
        valid = embeddings.shape[1]
        pad = t - valid
        if self.past + t > self.shapes.cache:  # the call drops the t oldest slots: they must be empty
            raise BadInput(f"NPU session: {self.past} + {t} tokens exceed the cache of {self.shapes.cache}")
        if pad:  # the last prefill chunk: padded on the right, its cache entries rolled out below
            embeddings = torch.cat([embeddings, embeddings.new_zeros(1, pad, embeddings.shape[2])], dim=1)
        mask = call_mask(self.shapes, t, self.past, valid)
        with torch.no_grad():
            logits, *caches = program(embeddings, mask, call_rope(self.llm, self.past, t), *self.caches)
        # the padding's keys/values are the newest `pad` entries: roll them to the oldest
        # (empty, masked) end so the real entries end at the last slot again
        self.caches = [c.roll(pad, dims=2) if pad else c for c in caches]
        self.past += valid
        return logits


def example_inputs(shapes: NpuShapes, t: int) -> tuple[torch.Tensor, ...]:
    """Zero inputs of a t-token call: export examples with the exact static shapes."""
    cache = (1, shapes.n_kv_heads, shapes.cache, shapes.head_dim)
    return (
        torch.zeros(1, t, shapes.dim),
        torch.zeros(1, 1, t, shapes.cache + t),
        torch.zeros(1, 2, t, shapes.head_dim),
        *(torch.zeros(cache) for _ in range(2 * shapes.n_layers)),
    )


def input_names(shapes: NpuShapes) -> list[str]:
    caches = [f"k_cache_{i}" for i in range(shapes.n_layers)] + [
        f"v_cache_{i}" for i in range(shapes.n_layers)
    ]
    return ["embeddings", "mask", "rope", *caches]
