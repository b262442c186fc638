"""The roofline's floors: the LLM's linears from the manifest's shape, the GEMM probe's program."""

from __future__ import annotations

import pytest

from bluev.benchmarks.host.gemm_probe import GemmShape, gemm_gop_s, probe_program
from bluev.benchmarks.host.roofline import decoder_linear_params, prefill_ops_per_token
from bluev.export.llm import LlmArgs
from bluev.runtime.manifest import LinearScheme, Llm, LlmMethods

SHAPES = {  # tiny and SmolLM2 (tied), BlueLM-V-3B's 2.7B (untied), Qwen2-0.5B (tied)
    "tiny": LlmArgs(
        vocab_size=1024, dim=64, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=128, tie_embeddings=True
    ),
    "smollm2": LlmArgs(
        vocab_size=49152, dim=576, n_layers=30, n_heads=9, n_kv_heads=3, hidden_dim=1536, tie_embeddings=True
    ),
    "bluelm-v-3b": LlmArgs(
        vocab_size=49152, dim=2560, n_layers=32, n_heads=32, n_kv_heads=8, hidden_dim=7808
    ),
    "qwen2-0.5b": LlmArgs(
        vocab_size=151936,
        dim=896,
        n_layers=24,
        n_heads=14,
        n_kv_heads=2,
        hidden_dim=4864,
        tie_embeddings=True,
    ),
}


def manifest_llm(args: LlmArgs) -> Llm:
    """The manifest's record of an LLM, as export/writer.py writes it."""
    return Llm(
        vocab_size=args.vocab_size, dim=args.dim, n_layers=args.n_layers, n_heads=args.n_heads,
        n_kv_heads=args.n_kv_heads, hidden_dim=args.hidden_dim, tie_embeddings=args.tie_embeddings,
        params=args.param_count(), max_seq_len=args.max_seq_len, chunk_size=128,
        layout="dynamic", methods=LlmMethods(embed="token_embedding", prefill="prefill", decode="decode"),
        kv_cache="float32",
    )  # fmt: skip


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_decoder_linears_are_export_s_count_less_tables_and_norms(name: str) -> None:
    # the manifest's FFN width and tie, not a solve from params: BlueLM-V-3B's 2.7B on
    # SmolLM2's 49152 tokens fits both FFN 7808 untied and 8320 tied
    args = SHAPES[name]
    table = args.vocab_size * args.dim
    norms = args.n_layers * 2 * args.dim + args.dim
    tables = table * (1 if args.tie_embeddings else 2)
    assert decoder_linear_params(manifest_llm(args)) == args.param_count() - tables - norms


def test_prefill_ops_count_attention_by_position() -> None:
    llm = manifest_llm(SHAPES["smollm2"])
    at_zero = prefill_ops_per_token(llm, 0)
    assert at_zero == 2 * decoder_linear_params(llm)
    # scores and weighted sum: 2 matmuls x 2 ops x position x heads x head_dim, every layer
    assert prefill_ops_per_token(llm, 100) - at_zero == 4 * 100 * 9 * 64 * 30


@pytest.mark.parametrize(
    "scheme", [LinearScheme("8da8w"), LinearScheme("8da4w", group_size=32), LinearScheme("none")], ids=str
)
def test_gemm_probe_runs_the_schemes_kernel_on_xnnpack(scheme: LinearScheme) -> None:
    shape = GemmShape(rows=64, k=256, n=512)
    lowered = probe_program(scheme, shape)
    # every op of the quantized linear (activation quantization, group offsets) in the delegate:
    # the rate is XNNPACK's kernel, not a portable fallback
    assert lowered.coverage.delegated == lowered.coverage.total > 0, lowered.coverage.left_on_cpu
    assert gemm_gop_s(scheme, shape, threads=1, min_seconds=0.05) > 0
