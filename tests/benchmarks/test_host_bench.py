"""`bluev bench host` on the tiny artifacts: our programs and eager PyTorch, measured for real."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from gguf import GGUFReader

from bluev.benchmarks.host.bench import assemble, report_table, summarize
from bluev.benchmarks.host.export_llm import meta_layout
from bluev.benchmarks.host.llamacpp import find_llama_tool
from bluev.benchmarks.host.machine import this_machine
from bluev.benchmarks.host.options import HostBenchOptions
from bluev.benchmarks.host.roofline import (
    DecodeTraffic,
    decode_traffic,
    gguf_traffic,
    kv_bytes,
    program_traffic,
)
from bluev.benchmarks.host.worker import SHORT_PROMPT_TOKENS
from bluev.errors import BadInput
from bluev.export.builders import SMOLLM2_GGUF, smollm2_dir
from bluev.runtime.manifest import MANIFEST, read_manifest


@pytest.mark.slow
def test_bench_host_on_tiny_reports_every_metric(
    tiny_quant_artifacts: Path, bluev_cli, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    r = bluev_cli(
        "bench", "host", "--artifacts", str(tiny_quant_artifacts), "--repeats", "2",
        "--decode-tokens", "16", "--prefill-tokens", "64", "--json", "--out", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(r.stdout)
    for key in ("decode_tok_s", "prefill_tok_s", "vision_tile_ms", "vision_tile_ms_batched", "ttft_ms"):
        assert report[key] > 0, key
        low, high = report[f"{key}_spread"]
        assert low <= report[key] <= high
    assert report["peak_rss_mb"] > 50 and report["export_s"] > 0 and report["repeats"] == 2
    # pipeline parallelism: the same photo encoded inline vs in the encoder process with the
    # next tiles prepared meanwhile; then the decoupled session on that process
    assert report["image_encode_ms"] > 0 and report["image_encode_ms_pipelined"] > 0
    assert abs(report["pipelining_saved_ms"]) < report["image_encode_ms"]
    assert report["ttft_decoupled_ms"] > 0 and report["caller_stall_ms"] > 0
    # a spoken question (espeak-ng) over the photo: transcribed, then answered; inline (picture,
    # then speech) against overlapped (the picture in the encoder's process while transcribing)
    # (which one wins depends on free cores: the spread, not the sign, is what the test can check)
    assert "speech" in report["components"] and report["transcribe_ms"] > 0
    assert report["spoken_ttft_inline_ms"] > report["transcribe_ms"]
    assert report["spoken_ttft_overlapped_ms"] > 0 and report["spoken_overlap_saved_ms"] >= 0
    low, high = report["spoken_ttft_saved_ms_spread"]
    assert low <= report["spoken_ttft_saved_ms"] <= high
    eager = report["baselines"]["eager"]
    assert eager["decode_tok_s"] > 0 and eager["prefill_tok_s"] > 0 and eager["vision_tile_ms"] > 0
    # llama.cpp and export_llm need SmolLM2's weights: not run for tiny, and said so
    assert set(report["baselines"]) == {"eager"} and "only for the smollm2 preset" in r.stderr
    roof = report["roofline"]
    assert roof["bandwidth_gb_s"] > 0.5 and roof["decode_limit_tok_s"] > 0
    # one probe per round, the best is the limit
    assert roof["bandwidth_gb_s_spread"][0] <= roof["bandwidth_gb_s"] == roof["bandwidth_gb_s_spread"][1]
    # the shares are timings (on CI a second test worker shares the 2 cores and can slow a probe
    # 20x): what a test can hold is what they are made of. The fixture's table is stored once
    # (--data-file), so decode reads all of llm.pte and llm.ptd (the head is the table), plus the
    # cache up to the mean decode position: the prompt and half the answer
    manifest = read_manifest(tiny_quant_artifacts / MANIFEST)
    llm = manifest.components["llm"]
    assert llm.data is not None
    cache = kv_bytes(manifest.llm, SHORT_PROMPT_TOKENS + 16 // 2)
    assert roof["bytes_per_token"] == llm.bytes + llm.data.bytes + cache
    share = report["decode_tok_s"] / roof["decode_limit_tok_s"]
    assert roof["decode_achieved"] == pytest.approx(share, rel=0.01, abs=0.001)
    # prefill and a tile against the measured rate of their own kernels (gemm_probe.py)
    assert roof["prefill_gemm"].startswith("4-bit") and roof["prefill_gemm_gop_s"] > 0
    # tiny's decoder: 2 layers of attention (64 x 16 x (2 x 4 + 2 x 2)) and FFN (3 x 64 x 128),
    # plus scores and weighted sum over the 32 tokens before the mean prompt token
    token_ops = 2 * 2 * (64 * 16 * 12 + 3 * 64 * 128) + 2 * 2 * 32 * 4 * 16 * 2
    floor = roof["prefill_gemm_gop_s"] * 1e9 / token_ops
    assert roof["prefill_floor_tok_s"] == pytest.approx(floor, rel=0.01)
    share = report["prefill_tok_s"] / floor
    assert roof["prefill_achieved"] == pytest.approx(share, rel=0.01, abs=0.001)
    assert roof["vision_gemm"].startswith("8-bit") and "XNNPACK" in roof["vision_gemm"]
    # tiny's tower: 2 layers of width 64, MLP 128, 729 patches; linears + scores and weighted sum
    tile_flops = 2 * (2 * 729 * (4 * 64 * 64 + 2 * 64 * 128) + 4 * 729 * 729 * 64)
    assert roof["vision_gflop_per_tile"] == round(tile_flops / 1e9, 2)
    floor_ms = tile_flops / (roof["vision_gemm_gop_s"] * 1e9) * 1000
    share = floor_ms / report["vision_tile_ms"]
    assert roof["vision_achieved"] == pytest.approx(share, rel=0.01, abs=0.001)
    assert sorted(p.name for p in out.iterdir()) == ["chart.png", "report.json", "report.txt"]
    text = (out / "report.txt").read_text()
    assert all(f"roofline {part}" in text for part in ("decode", "prefill", "vision"))
    assert report["machine"]["cores"] >= 1 and "machine: " in (out / "report.txt").read_text()


def test_bench_host_needs_one_source(bluev_cli) -> None:
    r = bluev_cli("bench", "host")
    assert (
        r.returncode == 2
        and r.stderr.strip() == "bluev: error: bench host: give either --artifacts DIR or --preset NAME"
    )


def test_bench_host_mtmd_pair_is_checked(bluev_cli, tmp_path: Path) -> None:
    """The photo race needs both GGUFs, and they must exist: one line, exit 2, before anything runs."""
    llm = tmp_path / "llm.gguf"
    llm.write_bytes(b"GGUF")
    alone = bluev_cli("bench", "host", "--artifacts", str(tmp_path), "--mtmd-llm", str(llm))
    assert alone.returncode == 2 and alone.stderr.strip().endswith("--mtmd-llm and --mtmd-mmproj go together")
    missing = tmp_path / "mmproj.gguf"
    both = bluev_cli(
        "bench", "host", "--artifacts", str(tmp_path), "--mtmd-llm", str(llm), "--mtmd-mmproj", str(missing)
    )
    assert both.returncode == 2 and both.stderr.strip().endswith(f"{missing}: no such GGUF file")


def test_summarize_gives_median_and_spread() -> None:
    assert summarize([{"x": 3.0}, {"x": 1.0}, {"x": 2.0}]) == {"x": 2.0, "x_spread": [1.0, 3.0]}


def test_meta_layout_undoes_hf_rope_permutation() -> None:
    """export_llm's rope pairs adjacent dims; HF's permutation (meta -> HF) must be undone exactly."""
    heads, rows, cols = 3, 3 * 8, 5
    meta = torch.randn(rows, cols)
    hf = meta.view(heads, rows // heads // 2, 2, cols).transpose(1, 2).reshape(rows, cols)
    assert torch.equal(meta_layout(hf, heads), meta)


def test_decode_traffic_leaves_out_the_embedding_table(tiny_quant_artifacts: Path) -> None:
    manifest = read_manifest(tiny_quant_artifacts / MANIFEST)
    traffic = decode_traffic(manifest, mean_position=0)
    llm, program = manifest.llm, manifest.components["llm"]
    table = llm.vocab_size * (llm.dim + 4)  # 8-bit rows with an fp32 scale each
    # tiny is tied: its table is stored once, in llm.ptd, and read whole by the head
    assert program.data is not None and traffic.kv_bytes == 0
    assert traffic.weight_bytes == program.bytes + program.data.bytes
    # a one-file program (export_llm's) holds the table twice: counted from its file less one copy
    size = (tiny_quant_artifacts / "llm.pte").stat().st_size + program.data.bytes + table
    same = program_traffic(size, llm, embedding_bits=8, kv=0)
    assert program.bytes == (tiny_quant_artifacts / "llm.pte").stat().st_size and same == traffic
    head_dim = llm.dim // llm.n_heads
    assert kv_bytes(llm, 10) == 2 * llm.n_layers * 10 * llm.n_kv_heads * head_dim * 4


def test_gguf_traffic_reads_every_tensor_with_the_tied_table() -> None:
    path = smollm2_dir() / SMOLLM2_GGUF
    tensors = GGUFReader(str(path)).tensors
    traffic = gguf_traffic(path, kv=7)
    assert traffic.kv_bytes == 7 and traffic.weight_bytes == sum(int(t.n_bytes) for t in tensors)
    table = next(t for t in tensors if t.name == "token_embd.weight")  # Q8_0: 34 bytes per 32 values
    assert int(table.n_bytes) == 49152 * 576 // 32 * 34
    # all of the file but its header and tokenizer metadata
    assert 0.9 * path.stat().st_size < traffic.weight_bytes < path.stat().st_size


def test_roofline_sets_every_system_against_its_own_bytes(tiny_quant_artifacts: Path) -> None:
    manifest = read_manifest(tiny_quant_artifacts / MANIFEST)
    results = {"bluev": {"decode_tok_s": 100.0}, "executorch": {"decode_tok_s": 150.0}}
    traffic = {"bluev": DecodeTraffic(4_000_000, 0), "executorch": DecodeTraffic(2_000_000, 0)}
    opts = HostBenchOptions(artifacts=tiny_quant_artifacts, threads=2)
    report = assemble(results, manifest, ["llm"], opts, [0.6, 0.8], traffic)
    roof = report["roofline"]
    assert roof["bandwidth_gb_s"] == 0.8 and roof["bandwidth_gb_s_spread"] == [0.6, 0.8]
    assert roof["bytes_per_token"] == 4_000_000 and roof["decode_limit_tok_s"] == 200.0
    assert roof["decode_achieved"] == 0.5
    assert roof["baselines"] == {
        "executorch": {"bytes_per_token": 2_000_000, "decode_limit_tok_s": 400.0, "decode_achieved": 0.375}
    }
    assert "executorch: 2.0 MB per token = 400.0 tok/s limit; achieved 150.0 (38%)" in report_table(report)
    assert "past 100%" not in report_table(report)
    # faster than the limit: a probe slowed by a busy machine, said so beside the number
    results["bluev"]["decode_tok_s"] = 300.0
    text = report_table(assemble(results, manifest, ["llm"], opts, [0.6, 0.8], traffic))
    assert "achieved 300.0 (150%)" in text and "decode past 100% of the roof: the machine was busy" in text
    results["bluev"]["decode_tok_s"], results["executorch"]["decode_tok_s"] = 100.0, 500.0
    text = report_table(assemble(results, manifest, ["llm"], opts, [0.6, 0.8], traffic))
    assert "  executorch decode past 100% of the roof" in text


def test_machine_names_the_vector_extensions(tmp_path: Path) -> None:
    """The same program runs 2-3x apart with and without AVX-512: every report says which."""
    x86 = tmp_path / "x86"
    x86.write_text(
        "processor\t: 0\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu sse2 avx2 fma avx512f avx512bw "
        "avx512_vnni\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu avx2\n"
    )
    machine = this_machine(x86)
    assert machine.cpu == "AMD EPYC 9R14"
    assert machine.simd == ["avx2", "fma", "avx512f", "avx512bw", "avx512_vnni"]
    arm = tmp_path / "arm"
    arm.write_text("processor\t: 0\nFeatures\t: fp asimd asimddp i8mm\n")
    assert this_machine(arm).simd == ["asimddp", "i8mm"]
    milan = tmp_path / "milan"
    milan.write_text("model name\t: AMD EPYC\nflags\t\t: avx2 fma f16c\n")
    described = this_machine(milan).describe()
    assert "SIMD avx2 fma f16c" in described and (("no AVX-512" in described) == (machine.arch == "x86_64"))


def test_llama_bench_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no llama-bench on PATH either
    assert find_llama_tool(None, tmp_path / "peers") is None
    built = tmp_path / "peers" / "llama.cpp" / "bin" / "llama-bench"
    built.parent.mkdir(parents=True)
    built.write_text("#!/bin/sh\n")
    built.chmod(0o755)
    assert find_llama_tool(None, tmp_path / "peers") == built
    with pytest.raises(BadInput, match="no such file"):
        find_llama_tool(tmp_path / "missing", tmp_path / "peers")


@pytest.mark.slow
def test_bench_host_vision_only_exports_no_llm(bluev_cli, manifest_valid, tmp_path: Path) -> None:
    """--preset X --components vision: a vision-only export (bluelm-v-3b's ViT without its 2.7B LLM)."""
    r = bluev_cli(
        "bench", "host", "--preset", "tiny", "--components", "vision", "--repeats", "1", "--json",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(r.stdout)
    assert report["components"] == ["vision"] and report["vision_tile_ms"] > 0
    assert report["baselines"]["eager"]["vision_tile_ms"] > 0 and "decode_tok_s" not in report
    assert "vision_gflop_per_tile" in report["roofline"] and "bandwidth_gb_s" not in report["roofline"]
    folder = tmp_path / "artifacts" / "tiny-vision"
    manifest_valid(folder)  # exported by bench host itself, not by the suite's fixtures
    manifest = read_manifest(folder / MANIFEST)
    assert sorted(manifest.components) == ["projector", "vision_encoder"] and manifest.llm is None
    assert not (tmp_path / "artifacts" / "tiny").exists()
    run = bluev_cli("run", "--artifacts", str(folder), "--prompt", "hi")
    assert run.returncode == 2 and "vision-only artifacts" in run.stderr and "Traceback" not in run.stderr
    again = bluev_cli("bench", "host", "--artifacts", str(folder), "--components", "llm", "--repeats", "1")
    assert again.returncode == 2 and "vision-only" in again.stderr.splitlines()[-1]
