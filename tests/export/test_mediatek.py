"""`bluev export --backend mediatek` on tiny: everything up to the NeuroPilot SDK, which is absent here.

The CLI run shows the whole preparation (fixed-shape graphs, PT2E quantization,
calibration) happens and the export then stops with one line; the prepared
programs themselves are checked for static shapes and for numerics against the
float model.
"""

from __future__ import annotations

import copy
import importlib.util
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

from bluev.errors import BadInput
from bluev.export.mediatek import checks, prepare
from bluev.export.mediatek.graphs import NpuDecoder, NpuSession, npu_shapes
from bluev.export.options import check_recipe_backend
from bluev.export.presets import get_preset
from bluev.quant.recipes import parse_recipe


@pytest.fixture(scope="module")
def cli_export(tmp_path_factory, bluev_cli_once):
    parent = tmp_path_factory.mktemp("mediatek")
    out = parent / "npu"
    r = bluev_cli_once(
        "export", "--preset", "tiny", "--backend", "mediatek", "--soc", "mt6989", "--out", str(out)
    )
    return r, out


@pytest.fixture(scope="module")
def model(tiny_model):
    fused = copy.deepcopy(tiny_model)  # the session's tiny_model stays as other tests expect it
    fused.llm.fuse_qkv()
    return fused


@pytest.fixture(scope="module")
def llm_programs(model):
    # a few real prompts, the long one included (the CLI test calibrates on all of them)
    prompts = prepare.calibration_prompts(model)
    programs, shapes, calls = prepare.prepare_llm(
        model, model.preset.chunk_size, "A16W4", prompts[:2] + prompts[-1:]
    )
    return programs, shapes, calls


def test_sdk_is_absent_on_this_machine():
    assert importlib.util.find_spec("mtk_converter") is None
    assert checks.missing_sdk_module() == "mtk_converter"


def test_export_prepares_everything_then_stops_at_the_sdk(cli_export):
    r, out = cli_export
    assert r.returncode == 2, r.stderr[-2000:]
    assert "Traceback" not in r.stderr and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    last = lines[-1]
    assert last.startswith("bluev: error: ") and "'mtk_converter' is not installed" in last
    assert "NeuroPilot portal" in last and "see docs/mediatek.md" in last
    before = "\n".join(lines[:-1])
    assert "fixed batch of 5 tiles" in before
    assert "A16W8 PT2E-quantized, calibrated on" in before
    assert "prefill t=128, decode t=1" in before
    assert "A16W4 PT2E-quantized, calibrated on 17 prompts" in before
    assert "lowering to NeuroPilot for mt6989 (Dimensity 9300)" in before
    assert "edge dialect: 4 methods of vision_encoder, projector, llm" in before  # before the SDK call
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no staging folder left behind


def test_programs_have_static_shapes_and_no_custom_ops(llm_programs):
    programs, shapes, _ = llm_programs
    assert set(programs) == {"prefill", "decode"}
    assert (shapes.chunk, shapes.cache) == (128, 2048 - 128)
    for name, t in (("prefill", 128), ("decode", 1)):
        ep = programs[name]
        user = [
            n for n in ep.graph.nodes if n.op == "placeholder" and n.name in ep.graph_signature.user_inputs
        ]
        dims = [d for n in user for d in n.meta["val"].shape]
        assert all(isinstance(d, int) for d in dims), f"{name}: symbolic dims {dims}"
        assert not ep.range_constraints
        shapes_in = [tuple(n.meta["val"].shape) for n in user]
        assert shapes_in[:3] == [(1, t, 64), (1, 1, t, shapes.cache + t), (1, 2, t, 16)]
        assert shapes_in[3:] == [(1, 2, shapes.cache, 16)] * 4  # k, v per layer: 2 layers, 2 KV heads
        targets = {str(n.target) for n in ep.graph.nodes if n.op == "call_function"}
        assert not any("llama" in t for t in targets), "the NPU has no llama:: custom ops"
        assert any("quantize_per_tensor" in t for t in targets)
        assert any("quantize_per_channel" in t for t in targets)  # weights kept unfolded for the converter
        assert not ep.graph_signature.buffers_to_mutate  # caches are inputs/outputs, not mutable state


def test_float_npu_graph_matches_the_model_and_quantized_stays_close(model, llm_programs):
    programs, shapes, _ = llm_programs
    ids = prepare.calibration_prompts(model)[-1][:150]  # one full chunk and a padded one
    float_decoder = NpuDecoder(model.llm).eval()
    exact = NpuSession(model.llm, shapes, float_decoder, float_decoder)
    quant = NpuSession(model.llm, shapes, programs["prefill"].module(), programs["decode"].module())
    with torch.no_grad():
        emb = model.llm.tok_embeddings(torch.tensor([ids]))
        f, q = exact.run(emb), quant.run(emb)
        for _ in range(3):  # decode steps on the t=1 program
            ref = model.llm.window_logits(torch.tensor([ids]))[0, -1]
            # padding, cache roll and mask are exact; the NPU RMSNorm drops eps (npu.rms_norm)
            assert torch.allclose(f[0], ref, atol=3e-3) and f.argmax() == ref.argmax()
            assert F.cosine_similarity(f, q).item() > 0.98
            assert f.argmax().item() == q.argmax().item()
            ids.append(int(f.argmax()))
            token = torch.tensor([[ids[-1]]])
            f, q = exact.run(model.llm.tok_embeddings(token)), quant.run(model.llm.tok_embeddings(token))


def test_vision_programs_take_a_fixed_batch_and_stay_close(model):
    vision, projector, batches = prepare.prepare_vision(model, "A16W8", 5)
    assert batches >= 1
    tiles = prepare.vision_batches(model, 5)[0]
    ep = vision["forward"]
    pixels = next(
        n for n in ep.graph.nodes if n.op == "placeholder" and n.name in ep.graph_signature.user_inputs
    )
    assert tuple(pixels.meta["val"].shape) == (5, 3, 384, 384)
    with torch.no_grad():
        feats = model.tower(tiles)
        assert (
            F.cosine_similarity(feats.flatten(1), vision["forward"].module()(tiles).flatten(1)).min() > 0.99
        )
        emb = model.projector(feats)
        assert F.cosine_similarity(emb, projector["forward"].module()(feats)).min() > 0.99


def test_session_refuses_more_than_the_cache(model):
    shapes = npu_shapes(model.llm, 128)
    decoder = NpuDecoder(model.llm).eval()
    session = NpuSession(model.llm, shapes, decoder, decoder)
    session.past = shapes.cache - 64
    with pytest.raises(BadInput, match="exceed the cache"):
        session.run(torch.zeros(1, 10, 64))


def test_shape_checks_name_the_problem(model):
    with pytest.raises(BadInput, match="chunk size 1"):
        npu_shapes(model.llm, 1)
    with pytest.raises(BadInput, match="fit twice in max_seq_len 2048"):
        npu_shapes(model.llm, 1500)


@pytest.mark.parametrize(
    "backend,soc,needle",
    [
        ("mediatek", None, "needs --soc: one of mt6989 (Dimensity 9300), mt6991 (Dimensity 9400), mt6993"),
        ("mediatek", "mt1234", "--soc mt1234: unknown"),
        ("xnnpack", "mt6989", "only for --backend mediatek"),
    ],
)
def test_soc_checks(backend, soc, needle):
    with pytest.raises(BadInput, match=needle.replace("(", r"\(").replace(")", r"\)")):
        checks.check_soc(backend, soc)


@pytest.mark.parametrize(
    "recipe,backend,needle",
    [
        ("default", "mediatek", "the MediaTek NPU runs its own recipes; use --quant mtk-a16w4"),
        ("float", "mediatek", "the MediaTek NPU runs its own recipes"),
        ("8da4w-g64", "mediatek", "the MediaTek NPU runs its own recipes"),
        ("mtk-a16w8", "xnnpack", "export it with --backend mediatek --soc SOC"),
        ("mtk-a16w4", "vulkan", "export it with --backend mediatek --soc SOC"),
    ],
)
def test_recipe_and_backend_must_match(recipe, backend, needle):
    with pytest.raises(BadInput, match=needle):
        check_recipe_backend(parse_recipe(recipe), backend)
    check_recipe_backend(parse_recipe("mtk-a16w8"), "mediatek")  # the matching pair passes


def test_preset_shapes_are_checked_before_building():
    tiny = get_preset("tiny")
    checks.check_preset(tiny)
    with pytest.raises(
        BadInput, match="chunk size 1500 must be at least 2 and fit twice in max_seq_len 2048"
    ):
        checks.check_preset(replace(tiny, chunk_size=1500))
    with pytest.raises(BadInput, match="do not give an even head dim"):
        checks.check_preset(replace(tiny, llm=replace(tiny.llm, n_kv_heads=3)))
