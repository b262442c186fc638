"""`bluev export --preset tiny`: files, manifest contract, summary, and parity with eager."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bluev.fileio import sha256_file
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.kernels import load_program
from bluev.runtime.manifest import LlmMethods, read_manifest
from bluev.runtime.options import SamplerConfig
from bluev.runtime.pipeline import Pipeline


def test_artifact_files_and_manifest(tiny_artifacts):
    names = sorted(p.name for p in tiny_artifacts.iterdir())
    assert names == [
        "llm.pte",
        "manifest.json",
        "projector.pte",
        "stock_runner.pte",
        "tokenizer.json",
        "vision_encoder.pte",
    ]
    m = read_manifest(tiny_artifacts / "manifest.json")
    assert m.preset == "tiny" and m.format_version == 4
    for comp in m.components.values():
        assert comp.sha256 == sha256_file(tiny_artifacts / comp.file)
        assert comp.backend == "xnnpack" and comp.quant == "float" and comp.soc is None
        assert 0 < comp.delegated_ops <= comp.total_ops
    assert set(m.components["llm"].methods) == {"token_embedding", "prefill"}
    assert m.llm is not None and m.vision is not None and m.stock_runner is not None
    assert m.llm.methods == LlmMethods(embed="token_embedding", prefill="prefill", decode="prefill")
    assert m.llm.chunk_size == 128 and m.llm.max_seq_len == 2048 and m.llm.layout == "dynamic"
    assert m.vision.tokens_per_tile == 196 and m.vision.tiler.policy == "relaxed"
    assert m.vision.patches_per_tile == 729 and (m.vision.layers, m.vision.mlp_width) == (2, 128)
    assert m.vision.tiler.grids is not None and (2, 2) in m.vision.tiler.grids  # written out for readers
    assert m.special_tokens.eos_ids and "<|im_start|>" in m.chat_template.prefix
    assert m.stock_runner.runner == "MultimodalRunner"
    assert m.export.tools["executorch"] == "1.5.1"
    # XNNPACK's default batch: one tile a call (a program of exactly one tile; test_vision_batch
    # has --vision-batch N's range 1..N)
    pixels = m.components["vision_encoder"].methods["forward"].inputs[0]
    assert m.vision.max_batch == 1 and not m.vision.fixed_batch and pixels.shape == [1, 3, 384, 384]
    assert open_artifacts(tiny_artifacts).multimodal
    # readable by others (adb push, a shared box): not the 0600 of a temporary file
    assert all(p.stat().st_mode & 0o044 == 0o044 for p in tiny_artifacts.iterdir())
    assert tiny_artifacts.stat().st_mode & 0o055 == 0o055


def test_summary_table_and_progress(tiny_artifacts):
    stdout = (tiny_artifacts.parent / "tiny-float.export.stdout").read_text()
    stderr = (tiny_artifacts.parent / "tiny-float.export.stderr").read_text()
    for name in ("vision_encoder", "projector", "llm", "stock_runner"):
        assert any(line.startswith(name) for line in stdout.splitlines())
    assert "delegated/total ops" in stdout and "preset tiny" in stdout
    assert "[1/6] building preset tiny" in stderr and "[6/6]" in stderr
    # no staging left by this export (other exports may be staging beside it: test workers share the folder)
    assert not [p for p in tiny_artifacts.parent.iterdir() if p.name.startswith(f".{tiny_artifacts.name}.")]


def load_method(path, name="forward"):
    program = load_program(path)
    return program, program.load_method(name)


def test_vision_and_projector_match_eager(tiny_artifacts, tiny_model):
    torch.manual_seed(1)
    pixels = torch.rand(3, 3, 384, 384) * 2 - 1
    _, vision = load_method(tiny_artifacts / "vision_encoder.pte")
    _, projector = load_method(tiny_artifacts / "projector.pte")
    with torch.no_grad():
        ref_features = tiny_model.tower(pixels)
        ref_embeds = tiny_model.projector(ref_features)
    # one tile a call (the default batch), as the runtime encodes a picture
    features = torch.cat([vision.execute([tile[None]])[0] for tile in pixels])
    embeds = torch.cat([projector.execute([tile[None]])[0] for tile in features])
    assert features.shape == (3, 729, 64) and embeds.shape == (3 * 196, 64)
    # max abs error against eager float: measured ~1e-5 for both
    assert (features - ref_features).abs().max() < 1e-3
    assert (embeds - ref_embeds).abs().max() < 1e-3


def test_llm_methods_match_eager(tiny_artifacts, tiny_model):
    program, embed = load_method(tiny_artifacts / "llm.pte", "token_embedding")
    prefill = decode = program.load_method("prefill")  # decoding is prefill with one embedding
    ids = torch.randint(0, 49152, (1, 40), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref = tiny_model.hf_llm(ids).logits[0]
    e = embed.execute([ids])[0]
    got = [prefill.execute([e[:, :32].contiguous(), torch.tensor([0])])[0][0]]
    got.append(prefill.execute([e[:, 32:39].contiguous(), torch.tensor([32])])[0][0])
    got.append(decode.execute([e[:, 39:].contiguous(), torch.tensor([39])])[0][0])
    for logits, pos in zip(got, (31, 38, 39), strict=True):
        assert (logits - ref[pos]).abs().max() < 1e-4  # measured ~2e-7


def test_greedy_tiny_equals_hf_generate(tiny_artifacts, tiny_model):
    pipe = Pipeline(tiny_artifacts)
    prompt = "Tell me a story about a lighthouse."
    ours = pipe.generate(prompt, max_new_tokens=32)
    text = pipe.chat.prefix + prompt + pipe.chat.suffix
    ids = torch.tensor([pipe.codec.encode(text)])
    with torch.no_grad():
        ref = tiny_model.hf_llm.generate(
            ids, max_new_tokens=32, do_sample=False, eos_token_id=sorted(pipe.eos_ids), pad_token_id=0
        )[0, ids.shape[1] :].tolist()
    ref = [t for t in ref if t not in pipe.eos_ids] if ours.stats.stop_reason == "eos" else ref
    assert ours.token_ids == ref[: len(ours.token_ids)] and len(ours.token_ids) == len(ref)


def test_pipeline_with_image_reports_all_stats(tiny_artifacts, sample_image):
    result = Pipeline(tiny_artifacts).generate("What is in this picture?", sample_image, max_new_tokens=8)
    s = result.stats.to_dict()
    # 1024x768 with max 4 tiles -> 2:2 grid + thumbnail = 5 tiles, 980 image tokens
    assert s["tiles"] == 5 and s["prefill_tokens"] > 980
    for key in ("image_encode_ms", "prefill_tok_s", "decode_tok_s", "ttft_ms", "peak_rss_mb"):
        assert s[key] > 0, key
    assert s["decode_tokens"] == len(result.token_ids) - 1 or s["stop_reason"] == "eos"


def test_released_vision_programs_load_again_for_the_next_picture(tiny_artifacts, sample_image):
    kept = Pipeline(tiny_artifacts).generate("What is in this picture?", sample_image, max_new_tokens=4)
    pipe = Pipeline(tiny_artifacts, release_vision=True)
    first = pipe.generate("What is in this picture?", sample_image, max_new_tokens=4)
    assert pipe.tiles is None  # freed once the picture was encoded
    second = pipe.generate("What is in this picture?", sample_image, max_new_tokens=4)
    assert first.token_ids == second.token_ids == kept.token_ids


def test_loaded_programs_keep_no_locked_pages(tiny_artifacts):
    # ExecuTorch's loader mlocks what it maps; load_program unlocks it, as a phone's limit does
    program = load_program(tiny_artifacts / "llm.pte")
    program.load_method("token_embedding")
    locked, mapped = 0, False
    with open("/proc/self/smaps", encoding="utf-8") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):
                mapped_here = line.rstrip().endswith(str((tiny_artifacts / "llm.pte").resolve()))
                mapped = mapped or mapped_here
            elif fields[0] == "Locked:" and mapped_here:
                locked += int(fields[1])
    assert mapped and locked == 0


def test_llm_loaded_after_the_picture_answers_the_same(tiny_artifacts, sample_image):
    kept = Pipeline(tiny_artifacts).generate("What is in this picture?", sample_image, max_new_tokens=4)
    pipe = Pipeline(tiny_artifacts, llm_after_image=True)
    assert pipe.tiles is not None and pipe._llm_program is None  # only the vision programs so far
    first = pipe.generate("What is in this picture?", sample_image, max_new_tokens=4)
    assert pipe.tiles is None and pipe._llm_program is not None  # vision freed, then the LLM loaded
    assert first.token_ids == kept.token_ids
    s = first.stats.to_dict()
    assert list(s["peak_rss_mb_by_phase"]) == ["load", "image_encode", "llm_load", "prefill", "decode"]
    assert 0 < s["llm_load_ms"] < s["ttft_ms"]
    # a second picture loads the vision programs again beside the loaded LLM
    second = pipe.generate("What is in this picture?", sample_image, max_new_tokens=4)
    assert second.token_ids == kept.token_ids and "llm_load_ms" not in second.stats.to_dict()


@pytest.mark.parametrize("seed", [0, 1])
def test_sampling_is_seeded(tiny_artifacts, seed):
    pipe = Pipeline(tiny_artifacts)
    cfg = SamplerConfig(temperature=1.0, top_k=50, top_p=0.9, seed=seed)
    a = pipe.generate("Hello", max_new_tokens=12, sampler=cfg).token_ids
    b = pipe.generate("Hello", max_new_tokens=12, sampler=SamplerConfig(1.0, 50, 0.9, seed)).token_ids
    assert a == b and len(a) >= 1
    assert np.all(np.array(a) < 49152)
