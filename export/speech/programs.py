"""The speech programs as modules torch.export traces: Whisper's encoder, and its decoder on caches.

The weights and submodules are transformers' own (WhisperEncoder / WhisperDecoder layers);
the forwards are ours, in the forms XNNPACK delegates (bluev/graph_forms.py), as the vision
tower does. The decoder program has two methods on shared state:

- ``cross_attention(states)`` projects the encoder states into every layer's cross-attention
  keys and values once per utterance and keeps them in the program's buffers;
- ``decode(tokens, input_pos)`` runs ids [1, T] at positions input_pos.. on a static
  self-attention cache (``llama::update_cache`` / ``llama::custom_sdpa``, as the LLM) and
  returns the last position's logits.

Both methods hold the same ``DecoderCore`` under the same attribute name, so the buffers
have the same names in both and ``share_mutable_buffers`` gives them one copy: a decode step
reads the keys and values the cross_attention call wrote, instead of taking 1500 encoder
states as an input every step (or projecting them again, 2 x layers x 1500 x d^2 per token).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from executorch.extension.llm.custom_ops import custom_ops  # noqa: F401  (registers llama::*)
from torch import nn
from torch.export import Dim, ExportedProgram
from transformers import WhisperForConditionalGeneration

from bluev.export.lower import export_method
from bluev.graph_forms import layer_norm, unmasked_attention


class SpeechEncoder(nn.Module):
    """Log-mel features [1, n_mels, frames] -> encoder states [1, positions, d_model]."""

    def __init__(self, hf: WhisperForConditionalGeneration) -> None:
        super().__init__()
        encoder = hf.model.encoder
        self.conv1, self.conv2 = encoder.conv1, encoder.conv2
        self.embed_positions = encoder.embed_positions
        self.layers = encoder.layers
        self.layer_norm = encoder.layer_norm
        self.frames = encoder.config.max_source_positions * self.conv1.stride[0] * self.conv2.stride[0]

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        h = F.gelu(self.conv2(F.gelu(self.conv1(features))))
        h = h.permute(0, 2, 1) + self.embed_positions.weight
        for layer in self.layers:
            attn = layer.self_attn
            x = layer_norm(layer.self_attn_layer_norm, h)
            q, k, v = attn.q_proj(x) * attn.scaling, attn.k_proj(x), attn.v_proj(x)
            h = h + attn.out_proj(unmasked_attention(q, k, v, attn.num_heads))
            h = h + layer.fc2(layer.activation_fn(layer.fc1(layer_norm(layer.final_layer_norm, h))))
        return layer_norm(self.layer_norm, h)


class DecoderCore(nn.Module):
    """Whisper's decoder with a static self-attention cache and stored cross-attention keys/values."""

    def __init__(self, hf: WhisperForConditionalGeneration) -> None:
        super().__init__()
        config, decoder = hf.config, hf.model.decoder
        self.heads = config.decoder_attention_heads
        self.head_dim = config.d_model // self.heads
        self.max_target = config.max_target_positions
        self.positions = config.max_source_positions
        self.embed_scale = decoder.embed_scale
        # untied copies: the table is quantized as an embedding, the head as a linear layer
        self.embed_tokens = nn.Embedding.from_pretrained(decoder.embed_tokens.weight.detach().clone())
        self.embed_positions = decoder.embed_positions
        self.layers = decoder.layers
        self.layer_norm = decoder.layer_norm
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        with torch.no_grad():
            self.head.weight.copy_(hf.proj_out.weight)
        self.init_state()

    def init_state(self) -> None:
        """The caches are state, not weights: zeros, not saved with the model."""
        cache = (1, self.max_target, self.heads, self.head_dim)
        for layer in self.layers:
            layer.register_buffer("k_cache", torch.zeros(cache), persistent=False)
            layer.register_buffer("v_cache", torch.zeros(cache), persistent=False)
            # [heads, head_dim, positions] and [heads, positions, head_dim]: a decode step feeds them
            # to its batched matmuls as they are (an op in between would be constant-folded at
            # lowering, since decode never writes them, and the fold would bake in the zeros)
            cross_k = torch.zeros(self.heads, self.head_dim, self.positions)
            layer.register_buffer("cross_k", cross_k, persistent=False)
            layer.register_buffer(
                "cross_v", torch.zeros(self.heads, self.positions, self.head_dim), persistent=False
            )

    def write_cross(self, states: torch.Tensor) -> torch.Tensor:
        """Encoder states [1, positions, d_model] -> every layer's cross keys/values, kept."""
        for layer in self.layers:
            attn = layer.encoder_attn
            k = attn.k_proj(states).view(self.positions, self.heads, self.head_dim)
            v = attn.v_proj(states).view(self.positions, self.heads, self.head_dim)
            layer.cross_k.copy_(k.permute(1, 2, 0))
            layer.cross_v.copy_(v.transpose(0, 1))
        return states[:, 0, :1]  # a method returns something; the state is the result

    def decode(self, tokens: torch.Tensor, input_pos: torch.Tensor) -> torch.Tensor:
        seq = tokens.shape[1]
        start = input_pos[0].item()
        torch._check_is_size(start)
        torch._check(start + seq <= self.max_target)
        h = self.embed_tokens(tokens) * self.embed_scale + self.embed_positions.weight.narrow(0, start, seq)
        for layer in self.layers:
            h = h + self.self_attention(layer, layer_norm(layer.self_attn_layer_norm, h), start)
            h = h + self.cross_attention(layer, layer_norm(layer.encoder_attn_layer_norm, h))
            h = h + layer.fc2(layer.activation_fn(layer.fc1(layer_norm(layer.final_layer_norm, h))))
        return self.head(layer_norm(self.layer_norm, h[:, -1, :]))

    def self_attention(self, layer: nn.Module, x: torch.Tensor, start: int) -> torch.Tensor:
        attn, shape = layer.self_attn, (1, -1, self.heads, self.head_dim)
        q, k, v = attn.q_proj(x).view(shape), attn.k_proj(x).view(shape), attn.v_proj(x).view(shape)
        torch.ops.llama.update_cache(k, layer.k_cache, start)
        torch.ops.llama.update_cache(v, layer.v_cache, start)
        # causal from `start`, over the filled part of the cache; scaled by head_dim^-0.5 as HF
        out = torch.ops.llama.custom_sdpa(q, layer.k_cache, layer.v_cache, start, None, 0, True)
        return attn.out_proj(out.reshape(1, -1, self.heads * self.head_dim))

    def cross_attention(self, layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Batched matmuls over [heads, T, head_dim], each transposed view made contiguous
        before a reshape (the forms XNNPACK delegates, see graph_forms.unmasked_attention)."""
        attn, width = layer.encoder_attn, self.heads * self.head_dim
        q = (
            (attn.q_proj(x) * attn.scaling)
            .reshape(-1, self.heads, self.head_dim)
            .transpose(0, 1)
            .contiguous()
        )
        out = torch.bmm(torch.bmm(q, layer.cross_k).softmax(dim=-1), layer.cross_v)
        return attn.out_proj(out.transpose(0, 1).contiguous().reshape(1, -1, width))

    def reset(self) -> None:
        for layer in self.layers:
            for name in ("k_cache", "v_cache", "cross_k", "cross_v"):
                getattr(layer, name).zero_()


class CrossAttention(nn.Module):
    def __init__(self, core: DecoderCore) -> None:
        super().__init__()
        self.decoder = core  # the same attribute name in both methods: the same buffer names

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        return self.decoder.write_cross(states)


class Decode(nn.Module):
    def __init__(self, core: DecoderCore) -> None:
        super().__init__()
        self.decoder = core

    def forward(self, tokens: torch.Tensor, input_pos: torch.Tensor) -> torch.Tensor:
        return self.decoder.decode(tokens, input_pos)


def encoder_programs(encoder: SpeechEncoder, n_mels: int) -> dict[str, ExportedProgram]:
    return {"forward": export_method(encoder, (torch.zeros(1, n_mels, encoder.frames),))}


def decoder_programs(core: DecoderCore, d_model: int) -> dict[str, ExportedProgram]:
    tokens = Dim("tokens", min=1, max=core.max_target)
    pos = torch.tensor([0], dtype=torch.long)
    return {
        "cross_attention": export_method(CrossAttention(core), (torch.zeros(1, core.positions, d_model),)),
        "decode": export_method(
            Decode(core),
            (torch.zeros(1, 4, dtype=torch.long), pos),
            {"tokens": {1: tokens}, "input_pos": None},
        ),
    }
