"""`bluev export` with the default recipe (what `make export` builds): smaller files, same answers."""

from __future__ import annotations

import copy
import shutil

import torch
import torch.nn.functional as F

from bluev.export.options import ExportOptions
from bluev.quant.affine4 import AffineInt4Linear
from bluev.quant.apply import quantize_llm_, quantize_vision_, weight_bytes
from bluev.quant.recipes import RECIPES, parse_recipe
from bluev.runtime.manifest import MANIFEST, read_manifest


def test_manifest_records_the_recipe_and_files_shrink(tiny_quant_artifacts, tiny_artifacts):
    q = read_manifest(tiny_quant_artifacts / MANIFEST)
    f = read_manifest(tiny_artifacts / MANIFEST)
    assert q.quantization == RECIPES["default"].to_manifest()
    assert {c.quant for c in q.components.values()} == {"default"}
    # the float tiny LLM is mostly its 49152 x 64 embedding table, stored twice (lookup + head)
    qllm = q.components["llm"]
    assert qllm.bytes + qllm.data.bytes < f.components["llm"].bytes / 3
    assert q.components["vision_encoder"].bytes < f.components["vision_encoder"].bytes
    stdout = (tiny_quant_artifacts.parent / "tiny.export.stdout").read_text()
    assert "quant default" in stdout


def test_quantized_programs_match_eager_quantized_modules(tiny_quant_artifacts, tiny_model, load_program):
    """The .pte computes what the torchao-quantized eager modules compute (up to kernel rounding)."""
    tower, projector, llm = (
        copy.deepcopy(m) for m in (tiny_model.tower, tiny_model.projector, tiny_model.llm)
    )
    quantize_vision_(tower, projector, RECIPES["default"])
    quantize_llm_(llm, RECIPES["default"])
    pixels = torch.rand(2, 3, 384, 384, generator=torch.Generator().manual_seed(0)) * 2 - 1
    ids = torch.randint(0, 49152, (1, 24), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref_feats = tower(pixels)
        ref_embeds = projector(ref_feats)
        ref_logits = llm.window_logits(ids)[0, -1]
    vision = load_program(tiny_quant_artifacts / "vision_encoder.pte").load_method("forward")
    projector_pte = load_program(tiny_quant_artifacts / "projector.pte").load_method("forward")
    # one tile a call: the default vision batch on XNNPACK
    feats = torch.cat([vision.execute([tile[None]])[0] for tile in pixels])
    embeds = torch.cat([projector_pte.execute([tile[None]])[0] for tile in feats])
    llm_pte = load_program(tiny_quant_artifacts / "llm.pte")
    e = llm_pte.load_method("token_embedding").execute([ids])[0]
    logits = llm_pte.load_method("prefill").execute([e, torch.tensor([0])])[0][0]
    assert torch.allclose(e[0], tiny_model.llm.tok_embeddings(ids)[0], atol=0.02)  # 8-bit table
    for got, ref in ((feats, ref_feats), (embeds, ref_embeds), (logits, ref_logits)):
        assert F.cosine_similarity(got.flatten(), ref.flatten(), dim=0) > 0.999


def test_the_tied_table_is_stored_once(tiny_quant_artifacts, tmp_path, bluev_cli, one_line_error):
    m = read_manifest(tiny_quant_artifacts / MANIFEST)
    llm, table = m.components["llm"], 49152 * (64 + 4)  # int8 rows and an fp32 scale each
    assert llm.data is not None and llm.data.file == "llm.ptd"
    assert table <= llm.data.bytes < 1.1 * table  # once, for the lookup and the head
    assert llm.bytes < table / 2  # the program itself no longer holds it
    assert m.components["vision_encoder"].data is None and m.stock_runner.bytes > llm.bytes + table
    without = tmp_path / "without-ptd"
    shutil.copytree(tiny_quant_artifacts, without)
    (without / "llm.ptd").unlink()
    r = bluev_cli("run", "--artifacts", str(without), "--prompt", "Hi")
    one_line_error(r, "llm.ptd: missing")


def test_the_preset_chooses_the_data_file_unless_told(tmp_path, bluev_cli):
    # smollm2 races its 98 MB GGUF: its table once, in llm.ptd; the others one .pte for the app
    assert ExportOptions(out=tmp_path, preset="smollm2").data_file is True
    assert ExportOptions(out=tmp_path, preset="smollm2", data_file=False).data_file is False
    assert ExportOptions(out=tmp_path, preset="tiny").data_file is False
    assert ExportOptions(out=tmp_path, preset="bluelm-v-3b").data_file is False
    usage = bluev_cli("export", "--help").stdout
    assert "--data-file / --no-data-file" in usage and "on for smollm2" in " ".join(usage.split())


def test_run_on_quantized_bundle(tiny_quant_artifacts, sample_image, run_json):
    out = run_json(
        tiny_quant_artifacts, "What is here?", "--image", str(sample_image), "--max-new-tokens", "8"
    )
    assert out["stats"]["tiles"] == 5 and out["stats"]["decode_tokens"] >= 1


def test_head4_quantizes_the_head_as_the_linears(tiny_model):
    """-head4 (export_llm's layout): the head takes the 4-bit asymmetric groups, half the bytes."""
    default, head4 = copy.deepcopy(tiny_model.llm), copy.deepcopy(tiny_model.llm)
    quantize_llm_(default, RECIPES["default"])
    quantize_llm_(head4, parse_recipe("8da4w-g32-head4"))
    assert isinstance(head4.output, AffineInt4Linear) and not isinstance(default.output, AffineInt4Linear)
    assert weight_bytes(head4.output) < 0.7 * weight_bytes(default.output)
    ids = torch.randint(0, 49152, (1, 16), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        a, b = default.window_logits(ids), head4.window_logits(ids)
    assert F.cosine_similarity(a.flatten(), b.flatten(), dim=0) > 0.99
