"""Preset `hf`: a local LLaVA-OneVision checkpoint (SigLIP + MLP + Qwen2) saved by the test itself."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import LlavaOnevisionConfig, LlavaOnevisionForConditionalGeneration

from bluev.export.builders import load_smollm2_tokenizer
from bluev.runtime.manifest import MANIFEST, read_manifest
from bluev.runtime.pipeline import Pipeline


@pytest.fixture(scope="module")
def onevision_dir(tmp_path_factory):
    tokenizer = load_smollm2_tokenizer()
    vocab = len(tokenizer)
    config = LlavaOnevisionConfig(
        vision_config={
            "model_type": "siglip_vision_model",
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "image_size": 384,
            "patch_size": 14,
        },
        text_config={
            "model_type": "qwen2",
            "vocab_size": vocab,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "tie_word_embeddings": False,
        },
        image_token_index=vocab - 1,
        vision_feature_layer=-1,
    )
    torch.manual_seed(0)
    model = LlavaOnevisionForConditionalGeneration(config).eval()
    path = tmp_path_factory.mktemp("onevision") / "ckpt"
    model.save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    return path, model


def test_hf_checkpoint_exports_and_runs(
    bluev_cli, run_json, manifest_valid, onevision_dir, sample_image, tmp_path
):
    ckpt, hf_model = onevision_dir
    out = tmp_path / "hf"
    r = bluev_cli(
        "export",
        "--preset",
        "hf",
        "--checkpoint",
        str(ckpt),
        "--out",
        str(out),
        "--no-stock-runner",
        "--quant",
        "float",  # float, so the logits below can match the checkpoint to 1e-4
    )
    assert r.returncode == 0, r.stderr[-3000:]
    manifest_valid(out)
    m = read_manifest(out / MANIFEST)
    assert m.source.kind == "hf-checkpoint" and len(m.source.sha256) == 64
    assert m.vision.tokens_per_tile == 729  # no downsampler in a LLaVA-OneVision projector
    stats = run_json(out, "What?", "--image", str(sample_image), "--max-new-tokens", "4")["stats"]
    assert stats["tiles"] >= 1 and stats["prefill_tokens"] > 729

    # the exported LLM is the checkpoint's Qwen2 (with q/k/v biases): compare logits
    pipe = Pipeline(out)
    ids = torch.tensor([[5, 6, 7, 8, 9]])
    logits = pipe.prefill(pipe.embed_ids(ids[0].tolist()))
    with torch.no_grad():
        ref = hf_model(input_ids=ids).logits[0, -1]
    assert (logits[0] - ref).abs().max() < 1e-4


def test_refuses_pickled_only_checkpoints(bluev_cli, tmp_path):
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "config.json").write_text(json.dumps({"model_type": "llava_onevision"}))
    (ckpt / "pytorch_model.bin").write_bytes(b"pickle")
    r = bluev_cli("export", "--preset", "hf", "--checkpoint", str(ckpt), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "safetensors" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_refuses_non_llava_checkpoints(bluev_cli, tmp_path):
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (ckpt / "model.safetensors").write_bytes(b"")
    r = bluev_cli("export", "--preset", "hf", "--checkpoint", str(ckpt), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "LLaVA-family" in r.stderr
