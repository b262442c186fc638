"""A Llama/Qwen2-style decoder written for export: static KV cache, ExecuTorch's LLM ops.

The HF modules are the source of weights, not the graph we export: their dynamic
caches and mask building do not lower well (DESIGN.md section 6). This module
keeps one static ``[1, max_seq_len, n_kv_heads, head_dim]`` cache per layer,
writes it with ``llama::update_cache`` and attends with ``llama::custom_sdpa``
(causal from ``start_pos``, reading only the filled part of the cache), so one
graph serves a prefill chunk and a one-token decode step.

``kv_cache="int8"`` keeps the cache in 8 bits, as the paper's phone does: each new key
and value row is quantized per token and head (an fp32 scale and an int8 zero point
per row, ``quantized_decomposed::quantize_per_token``), written with the same
``llama::update_cache``, and attention runs on the int8 cache itself with
``llama::custom_quantized_sdpa`` (the query quantized the same way), so no fp32 copy
of the cache is ever made. A quarter of the fp32 cache's bytes, plus 5 bytes per row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import executorch.kernels.quantized  # noqa: F401  (the per-token ops' out variants, for to_executorch)
import torch
import torch.nn.functional as F
from executorch.extension.llm.custom_ops import custom_ops  # noqa: F401  (registers llama::*)
from torch import nn
from torch.ao.quantization.fx._decomposed import quantized_decomposed_lib  # noqa: F401  (per-token ops)
from transformers import PretrainedConfig

from bluev.graph_forms import mean_last
from bluev.runtime.manifest import KV_CACHE_DTYPES


@dataclass(frozen=True)
class LlmArgs:
    vocab_size: int
    dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    hidden_dim: int
    max_seq_len: int = 2048
    rope_theta: float = 10000.0
    norm_eps: float = 1e-5
    tie_embeddings: bool = False
    qkv_bias: bool = False  # Qwen2 has biases on q/k/v
    kv_cache: str = "float32"  # or "int8" (KV_CACHE_DTYPES): what the static cache stores

    def __post_init__(self) -> None:
        if self.kv_cache not in KV_CACHE_DTYPES:
            raise ValueError(f"kv_cache {self.kv_cache!r}: expected one of {', '.join(KV_CACHE_DTYPES)}")

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_heads

    def param_count(self) -> int:
        attn = self.dim * self.head_dim * (2 * self.n_heads + 2 * self.n_kv_heads)
        ffn = 3 * self.dim * self.hidden_dim
        head = 0 if self.tie_embeddings else self.vocab_size * self.dim
        return self.vocab_size * self.dim + head + self.n_layers * (attn + ffn + 2 * self.dim) + self.dim


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight * (x * torch.rsqrt(mean_last(x.pow(2)) + self.eps))


def rope_tables(args: LlmArgs) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin per position in HF's layout (the two halves of head_dim repeat)."""
    inv = 1.0 / (args.rope_theta ** (torch.arange(0, args.head_dim, 2, dtype=torch.float64) / args.head_dim))
    angles = torch.outer(torch.arange(args.max_seq_len, dtype=torch.float64), inv)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos().float(), angles.sin().float()


def rotate_half_matrix(head_dim: int) -> torch.Tensor:
    """W with ``F.linear(x, W) == cat(-x[..., D/2:], x[..., :D/2])``: exact (one +-1 per column).

    As a matmul the rotation stays inside the XNNPACK delegate; the slices and cat
    it replaces have symbolic sizes there and fell back to portable kernels, two
    per projection per layer.
    """
    half = head_dim // 2
    w = torch.zeros(head_dim, head_dim)
    w[torch.arange(half), torch.arange(half) + half] = -1.0
    w[torch.arange(half) + half, torch.arange(half)] = 1.0
    return w


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, rotate: torch.Tensor) -> torch.Tensor:
    # x: [1, S, H, D]; cos/sin: [1, S, 1, D], broadcast over heads
    return x * cos + F.linear(x, rotate) * sin


class Attention(nn.Module):
    def __init__(self, args: LlmArgs) -> None:
        super().__init__()
        self.n_heads, self.n_kv_heads, self.head_dim = args.n_heads, args.n_kv_heads, args.head_dim
        self.wq = nn.Linear(args.dim, args.n_heads * args.head_dim, bias=args.qkv_bias)
        self.wk = nn.Linear(args.dim, args.n_kv_heads * args.head_dim, bias=args.qkv_bias)
        self.wv = nn.Linear(args.dim, args.n_kv_heads * args.head_dim, bias=args.qkv_bias)
        self.wo = nn.Linear(args.n_heads * args.head_dim, args.dim, bias=False)
        self.wqkv: nn.Linear | None = None  # wq, wk, wv as one projection, after fuse_qkv()
        # k_cache / v_cache [1, max_seq_len, n_kv_heads, head_dim]: made by Transformer.init_state

    def fuse_qkv(self) -> None:
        """One [q; k; v] projection instead of three, for export.

        Quantization groups run along each output row, so the fused weight quantizes to
        exactly the three separate ones; a projection costs several XNNPACK ops (4-bit
        linear, group means, offsets), so one instead of three shortens every decode step.
        """
        self.wqkv = concat_linears([self.wq, self.wk, self.wv])
        del self.wq, self.wk, self.wv

    def project(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """q, k (rotated) and v as [1, S, heads, head_dim]."""
        h, kv = self.n_heads, self.n_kv_heads
        # -1, not the symbolic length: XNNPACK delegates reshapes only in that form
        if self.wqkv is not None:
            heads = self.wqkv(x).view(1, -1, h + 2 * kv, self.head_dim)
            rotated = apply_rope(heads, cos, sin, self.rotate)  # v's heads too: cheaper than a split first
            # the split lands where the graph leaves XNNPACK for the cache update anyway
            return rotated[:, :, :h], rotated[:, :, h : h + kv], heads[:, :, h + kv :]
        q = self.wq(x).view(1, -1, h, self.head_dim)
        k = self.wk(x).view(1, -1, kv, self.head_dim)
        v = self.wv(x).view(1, -1, kv, self.head_dim)
        return apply_rope(q, cos, sin, self.rotate), apply_rope(k, cos, sin, self.rotate), v

    def forward(
        self, x: torch.Tensor, start_pos: int | None, cos: torch.Tensor, sin: torch.Tensor
    ) -> torch.Tensor:
        q, k, v = self.project(x, cos, sin)
        if start_pos is None:
            out = self.window_attention(q, k, v)
        elif self.k_cache.dtype == torch.int8:
            out = self.int8_cache_attention(q, k, v, start_pos)
        else:
            torch.ops.llama.update_cache(k, self.k_cache, start_pos)
            torch.ops.llama.update_cache(v, self.v_cache, start_pos)
            out = torch.ops.llama.custom_sdpa(q, self.k_cache, self.v_cache, start_pos, None, 0, True)
        return self.wo(out.reshape(1, -1, self.n_heads * self.head_dim))

    def int8_cache_attention(
        self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, start_pos: int
    ) -> torch.Tensor:
        """Write k and v into the int8 cache (rows, scales, zero points), attend on it in int8."""
        for new, cache, scales, zeros in (
            (k, self.k_cache, self.k_scales, self.k_zeros),
            (v, self.v_cache, self.v_scales, self.v_zeros),
        ):
            for part, into in zip(quantize_per_token(new), (cache, scales, zeros), strict=True):
                torch.ops.llama.update_cache(part, into, start_pos)
        q8, q_scales, q_zeros = quantize_per_token(q)
        return torch.ops.llama.custom_quantized_sdpa(
            q8, self.k_cache, self.v_cache, start_pos, None, 0.0, True, None,
            q_zeros, q_scales, self.k_zeros, self.k_scales, self.v_zeros, self.v_scales,
        )  # fmt: skip

    def window_attention(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Causal attention over one window with no cache (evaluation and PT2E calibration)."""
        repeat = self.n_heads // self.n_kv_heads
        k, v = (t.repeat_interleave(repeat, dim=2) for t in (k, v))
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        # written out rather than F.scaled_dot_product_attention: quantizers annotate matmuls
        seq = q.shape[2]
        mask = torch.full((seq, seq), float("-inf"), device=q.device).triu(1)
        scores = q @ k.transpose(-2, -1) * (self.head_dim**-0.5) + mask
        return (scores.softmax(dim=-1) @ v).transpose(1, 2)


def quantize_per_token(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """x [1, S, H, D] -> int8 rows, fp32 scales and int8 zero points [1, S, H, 1] (min/max per row)."""
    scales, zeros = torch.ops.quantized_decomposed.choose_qparams_per_token_asymmetric(x, torch.int8)
    rows = torch.ops.quantized_decomposed.quantize_per_token(x, scales, zeros, -128, 127, torch.int8)
    return rows, scales.to(torch.float32), zeros.to(torch.int8)


class FeedForward(nn.Module):
    def __init__(self, args: LlmArgs) -> None:
        super().__init__()
        self.hidden_dim = args.hidden_dim
        self.w1 = nn.Linear(args.dim, args.hidden_dim, bias=False)  # gate
        self.w3 = nn.Linear(args.dim, args.hidden_dim, bias=False)  # up
        self.w2 = nn.Linear(args.hidden_dim, args.dim, bias=False)  # down
        self.w13: nn.Linear | None = None  # gate and up as one projection, after fuse_gate_up()

    def fuse_gate_up(self) -> None:
        """One [gate; up] projection instead of two, for export (see Attention.fuse_qkv).

        A layer runs one 4-bit linear, one offset linear and one add fewer (SmolLM2:
        2841 -> 2721 ops, llm.pte lowering 398 -> 350 s in `bluev export`'s summary).
        Decode did not change beyond `bluev bench host`'s run-to-run spread: the split
        of a sequence-length-dynamic tensor stays on a portable kernel (XNNPACK slices
        static shapes only), so the FFN costs one more delegate call per layer.
        """
        self.w13 = concat_linears([self.w1, self.w3])
        del self.w1, self.w3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.w13 is not None:
            gate, up = self.w13(x).split(self.hidden_dim, dim=-1)
            return self.w2(F.silu(gate) * up)
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


def concat_linears(parts: list[nn.Linear]) -> nn.Linear:
    """Linears over the same input as one, outputs stacked in order."""
    width, bias = parts[0].in_features, parts[0].bias is not None
    fused = nn.Linear(width, sum(p.out_features for p in parts), bias=bias)
    with torch.no_grad():
        fused.weight.copy_(torch.cat([p.weight for p in parts]))
        if fused.bias is not None:
            fused.bias.copy_(torch.cat([p.bias for p in parts]))
    return fused


class Block(nn.Module):
    def __init__(self, args: LlmArgs) -> None:
        super().__init__()
        self.attention_norm = RMSNorm(args.dim, args.norm_eps)
        self.attention = Attention(args)
        self.ffn_norm = RMSNorm(args.dim, args.norm_eps)
        self.feed_forward = FeedForward(args)

    def forward(
        self, x: torch.Tensor, start_pos: int | None, cos: torch.Tensor, sin: torch.Tensor
    ) -> torch.Tensor:
        x = x + self.attention(self.attention_norm(x), start_pos, cos, sin)
        return x + self.feed_forward(self.ffn_norm(x))


class Transformer(nn.Module):
    def __init__(self, args: LlmArgs) -> None:
        super().__init__()
        self.args = args
        self.tok_embeddings = nn.Embedding(args.vocab_size, args.dim)
        self.layers = nn.ModuleList(Block(args) for _ in range(args.n_layers))
        self.norm = RMSNorm(args.dim, args.norm_eps)
        self.output = nn.Linear(args.dim, args.vocab_size, bias=False)
        self.init_state()

    def init_state(self) -> None:
        """(Re)create the KV caches and rope tables on the CPU: they are state, not weights."""
        cos, sin = rope_tables(self.args)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        rotate = rotate_half_matrix(self.args.head_dim)
        for layer in self.layers:
            for name, (shape, dtype) in cache_layout(self.args).items():
                layer.attention.register_buffer(name, torch.zeros(shape, dtype=dtype), persistent=False)
            layer.attention.register_buffer("rotate", rotate, persistent=False)

    def use_kv_cache(self, dtype: str) -> None:
        """Store the KV cache as ``dtype`` ("float32" or "int8") from now on (an empty cache)."""
        self.args = replace(self.args, kv_cache=dtype)
        self.init_state()

    def rope_at(self, start_pos: int, seq: int) -> tuple[torch.Tensor, torch.Tensor]:
        """cos/sin rows for positions start..start+seq as [1, seq, 1, head_dim], shaped once per call."""
        shape = (1, -1, 1, self.args.head_dim)
        return (
            self.rope_cos.narrow(0, start_pos, seq).view(shape),
            self.rope_sin.narrow(0, start_pos, seq).view(shape),
        )

    def decode_embeddings(self, h: torch.Tensor, input_pos: torch.Tensor) -> torch.Tensor:
        """Run embeddings [1, S, dim] at positions start..start+S; logits of the last one [1, vocab]."""
        seq = h.shape[1]
        start_pos = input_pos[0].item()
        torch._check_is_size(start_pos)
        torch._check(start_pos + seq <= self.args.max_seq_len)
        cos, sin = self.rope_at(start_pos, seq)
        for layer in self.layers:
            h = layer(h, start_pos, cos, sin)
        last = self.norm(h[:, -1, :])
        return self.output(last)

    def window_logits(self, tokens: torch.Tensor) -> torch.Tensor:
        """Token ids [1, S] from position 0 -> logits [1, S, vocab], without touching the KV cache.

        Used to score text (perplexity, agreement) and to calibrate PT2E quantizers;
        generation uses the cached path above.
        """
        seq = tokens.shape[1]
        h = self.tok_embeddings(tokens)
        cos, sin = self.rope_at(0, seq)
        for layer in self.layers:
            h = layer(h, None, cos, sin)
        return self.output(self.norm(h))

    def fuse_qkv(self) -> None:
        for layer in self.layers:
            layer.attention.fuse_qkv()

    def fuse_gate_up(self) -> None:
        for layer in self.layers:
            layer.feed_forward.fuse_gate_up()

    def reset_cache(self) -> None:
        for layer in self.layers:
            for name in cache_layout(self.args):
                getattr(layer.attention, name).zero_()

    def cached_logits(self, tokens: torch.Tensor, chunk: int) -> torch.Tensor:
        """Token ids [1, S] from position 0 through the KV cache, ``chunk`` at a time -> [1, S, vocab].

        The generation path (``decode_embeddings``) with every position's logits, so that
        quant-report scores what the cache's storage costs; the cache is reset first.
        """
        self.reset_cache()
        h = self.tok_embeddings(tokens)
        logits = []
        for start in range(0, tokens.shape[1], chunk):
            x = h[:, start : start + chunk]
            cos, sin = self.rope_at(start, x.shape[1])
            for layer in self.layers:
                x = layer(x, start, cos, sin)
            logits.append(self.output(self.norm(x)))
        return torch.cat(logits, dim=1)


def cache_layout(args: LlmArgs) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    """One layer's cache buffers by name, as (shape, dtype): k and v rows
    [1, max_seq_len, n_kv_heads, head_dim], plus per-row scales and zero points for int8."""
    rows = (1, args.max_seq_len, args.n_kv_heads, args.head_dim)
    if args.kv_cache == "float32":
        return {"k_cache": (rows, torch.float32), "v_cache": (rows, torch.float32)}
    per_row = (*rows[:3], 1)
    return {
        "k_cache": (rows, torch.int8),
        "v_cache": (rows, torch.int8),
        "k_scales": (per_row, torch.float32),
        "v_scales": (per_row, torch.float32),
        "k_zeros": (per_row, torch.int8),
        "v_zeros": (per_row, torch.int8),
    }


# --- weights from HF ------------------------------------------------------------------------


def args_from_hf(config: PretrainedConfig, max_seq_len: int) -> LlmArgs:
    n_heads = config.num_attention_heads
    rope_theta = getattr(config, "rope_theta", None)
    if rope_theta is None:  # transformers 5 keeps it in rope_parameters
        rope_theta = (getattr(config, "rope_parameters", None) or {}).get("rope_theta", 10000.0)
    return LlmArgs(
        vocab_size=config.vocab_size,
        dim=config.hidden_size,
        n_layers=config.num_hidden_layers,
        n_heads=n_heads,
        n_kv_heads=getattr(config, "num_key_value_heads", None) or n_heads,
        hidden_dim=config.intermediate_size,
        max_seq_len=max_seq_len,
        rope_theta=float(rope_theta),
        norm_eps=config.rms_norm_eps,
        tie_embeddings=bool(getattr(config, "tie_word_embeddings", False)),
        qkv_bias=config.model_type == "qwen2",
    )


HF_NAMES = {
    "self_attn.q_proj": "attention.wq",
    "self_attn.k_proj": "attention.wk",
    "self_attn.v_proj": "attention.wv",
    "self_attn.o_proj": "attention.wo",
    "mlp.gate_proj": "feed_forward.w1",
    "mlp.up_proj": "feed_forward.w3",
    "mlp.down_proj": "feed_forward.w2",
    "input_layernorm": "attention_norm",
    "post_attention_layernorm": "ffn_norm",
}


def from_hf_causal_lm(hf_model: nn.Module, max_seq_len: int) -> Transformer:
    """Copy a transformers LlamaForCausalLM/Qwen2ForCausalLM into our Transformer."""
    return from_hf_state_dict(hf_model.config, hf_model.state_dict(), max_seq_len)


def from_hf_state_dict(
    config: PretrainedConfig, src: dict[str, torch.Tensor], max_seq_len: int
) -> Transformer:
    """Build our Transformer from a Llama/Qwen2 config and its HF-named weights ("model.layers.0...")."""
    args = args_from_hf(config, max_seq_len)
    with torch.device("meta"):  # no second full-size allocation: the weights are assigned below
        ours = Transformer(args)
    dst: dict[str, torch.Tensor] = {}
    for name, tensor in src.items():
        key = name.removeprefix("model.")
        if key == "embed_tokens.weight":
            dst["tok_embeddings.weight"] = tensor
        elif key == "norm.weight":
            dst["norm.weight"] = tensor
        elif key == "lm_head.weight":
            dst["output.weight"] = tensor
        elif key.startswith("layers."):
            _, index, rest = key.split(".", 2)
            module, _, leaf = rest.rpartition(".")
            if module in HF_NAMES:
                dst[f"layers.{index}.{HF_NAMES[module]}.{leaf}"] = tensor
    if "output.weight" not in dst:  # tied head
        dst["output.weight"] = dst["tok_embeddings.weight"]
    seen: set[int] = set()
    for key, tensor in dst.items():  # a tied head gets its own copy: it is quantized on its own
        if tensor.data_ptr() in seen:
            dst[key] = tensor.clone()
        seen.add(tensor.data_ptr())
    missing, unexpected = ours.load_state_dict(dst, strict=False, assign=True)
    if missing or unexpected:
        raise ValueError(f"weights do not map: missing {missing[:4]}, unexpected {unexpected[:4]}")
    ours.init_state()
    return ours.eval()
