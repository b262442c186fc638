"""A LLaVA-OneVision checkpoint in llama.cpp's formats, made with llama.cpp's own converters.

llama.cpp's ``convert_hf_to_gguf.py`` converts the Qwen2 LLM (then ``llama-quantize`` makes
Q4_0: 4-bit in groups of 32, the closest GGUF type to bluev's 8da4w-g32). It has no
LLaVA-OneVision class, so the vision tower and projector go through the converter llama.cpp
documents for LLaVA-NeXT-style SigLIP models (docs/multimodal/granitevision.md):
``tools/mtmd/legacy-models/convert_image_encoder_to_gguf.py`` on the SigLIP tower saved by
transformers plus a ``llava.projector`` file holding the projector and ``image_newline``
(what its ``llava_surgery_v2.py`` would extract). The mmproj is f16, that converter's output.
Both land in one folder, each made once and renamed into place whole.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import LlavaOnevisionForConditionalGeneration

from bluev.benchmarks.host.child import failure
from bluev.errors import BadInput

LLM_TYPE = "Q4_0"
# llama.cpp's requirements/requirements-convert_legacy_llama.txt pins transformers==4.57.6: the
# legacy image-encoder converter reads SiglipVisionModel's 4.x attributes (transformers 5 has none)
CONVERTER_PACKAGES = "convert-py"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


@dataclass(frozen=True)
class MtmdFiles:
    llm: Path  # the LLM, LLM_TYPE
    mmproj: Path  # vision tower + projector, f16

    @classmethod
    def of(cls, folder: Path) -> MtmdFiles:
        return cls(folder / f"llm-{LLM_TYPE.lower()}.gguf", folder / "mmproj-f16.gguf")


def llama_cpp_source(peers: Path) -> Path:
    """The llama.cpp tree `make peers` unpacked (the llama-cpp-python sdist vendors it)."""
    found = sorted(peers.glob("src/llama_cpp_python-*/vendor/llama.cpp/convert_hf_to_gguf.py"))
    if not found:
        raise BadInput(f"{peers}: no llama.cpp source (run `make peers`)")
    return found[-1].parent


def converter_packages(peers: Path) -> Path:
    """The transformers llama.cpp's converters pin (4.57.6; `make peers` installs it apart)."""
    folder = peers / CONVERTER_PACKAGES
    if not (folder / ".installed").is_file():
        raise BadInput(f"{folder}: missing, llama.cpp's converters need it (run `make peers`)")
    return folder


def run_step(command: list[str], source: Path, packages: Path, what: str) -> None:
    """One converter run with llama.cpp's gguf-py and pinned transformers first; its log only on failure."""
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(packages), str(source / "gguf-py")])}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
    if done.returncode != 0:
        raise BadInput(f"llama.cpp {what} failed: {failure(done.returncode, done.stderr, done.stdout)}")


def write_text_model(model: LlavaOnevisionForConditionalGeneration, checkpoint: Path, out: Path) -> None:
    """The LLM alone as a Qwen2ForCausalLM folder (what convert_hf_to_gguf.py reads)."""
    out.mkdir()
    prefix = "model.language_model."
    state = {
        "model." + k[len(prefix) :]: v.contiguous()
        for k, v in model.state_dict().items()
        if k.startswith(prefix)
    }
    text = model.config.text_config
    if not text.tie_word_embeddings:
        state["lm_head.weight"] = model.lm_head.weight.contiguous()
    save_file(state, out / "model.safetensors")
    config = text.to_dict() | {"architectures": ["Qwen2ForCausalLM"], "torch_dtype": "bfloat16"}
    # the converter picks its class from "architectures"; without "model_type" transformers reads
    # the tokenizer file as it is (model_type qwen2 would rebuild Qwen2's own pre-tokenizer)
    del config["model_type"]
    (out / "config.json").write_text(json.dumps(config, indent=2))
    for name in TOKENIZER_FILES:
        if (checkpoint / name).is_file():
            shutil.copy(checkpoint / name, out / name)
    # transformers 5 names its generic class TokenizersBackend, which the converters' 4.57 does not
    # know; its PreTrainedTokenizerFast reads tokenizer.json as it is, as 5 does for this checkpoint
    tokenizer_config = out / "tokenizer_config.json"
    fields = json.loads(tokenizer_config.read_text()) if tokenizer_config.is_file() else {}
    tokenizer_config.write_text(json.dumps(fields | {"tokenizer_class": "PreTrainedTokenizerFast"}, indent=2))


def write_vision_model(model: LlavaOnevisionForConditionalGeneration, out: Path) -> Path:
    """The SigLIP tower as transformers saves it, its config carrying the anyres settings, and
    llava.projector; returns the projector file."""
    cfg = model.config
    model.model.vision_tower.save_pretrained(out, safe_serialization=True)
    config_path = out / "config.json"
    vision = json.loads(config_path.read_text())
    vision |= {
        "image_grid_pinpoints": cfg.image_grid_pinpoints,
        "mm_patch_merge_type": "spatial_unpad",
        "image_aspect_ratio": "anyres",
        "vision_feature_layer": [cfg.vision_feature_layer],
    }
    config_path.write_text(json.dumps(vision, indent=2))
    projector = {
        k.removeprefix("model."): v.float().contiguous()
        for k, v in model.state_dict().items()
        if k.startswith("model.multi_modal_projector.")
    }
    projector["image_newline"] = model.model.image_newline.detach().float().contiguous()
    torch.save(projector, out / "llava.projector")
    return out / "llava.projector"


@dataclass(frozen=True)
class Converters:
    source: Path  # llama.cpp's tree
    packages: Path  # its pinned transformers
    quantize: Path  # llama-quantize

    def run(self, script: str, *args: str | Path) -> None:
        run_step(
            [sys.executable, str(self.source / script), *map(str, args)], self.source, self.packages, script
        )


def gguf_llm(
    model: LlavaOnevisionForConditionalGeneration, checkpoint: Path, work: Path, tools: Converters
) -> Path:
    write_text_model(model, checkpoint, work / "text-hf")
    f16 = work / "llm-f16.gguf"
    tools.run("convert_hf_to_gguf.py", work / "text-hf", "--outtype", "f16", "--outfile", f16)
    out = work / "llm.gguf"
    run_step(
        [str(tools.quantize), str(f16), str(out), LLM_TYPE], tools.source, tools.packages, "llama-quantize"
    )
    return out


def gguf_mmproj(model: LlavaOnevisionForConditionalGeneration, work: Path, tools: Converters) -> Path:
    projector = write_vision_model(model, work / "vision-hf")
    tools.run(
        "tools/mtmd/legacy-models/convert_image_encoder_to_gguf.py",
        "-m", work / "vision-hf", "--llava-projector", projector, "--output-dir", work / "vision-gguf",
        "--clip-model-is-vision", "--clip-model-is-siglip",
        "--image-mean", "0.5", "0.5", "0.5", "--image-std", "0.5", "0.5", "0.5",
    )  # fmt: skip
    return work / "vision-gguf" / "mmproj-model-f16.gguf"


def convert(
    checkpoint: Path, folder: Path, peers: Path, quantize: Path, log: Callable[[str], None]
) -> MtmdFiles:
    """``folder`` with the two GGUFs from ``checkpoint``; each made once, renamed into place whole."""
    files = MtmdFiles.of(folder)
    if files.llm.is_file() and files.mmproj.is_file():
        return files
    tools = Converters(llama_cpp_source(peers), converter_packages(peers), quantize)
    folder.mkdir(parents=True, exist_ok=True)
    log(f"converting {checkpoint} for llama.cpp (once) ...")
    model = LlavaOnevisionForConditionalGeneration.from_pretrained(checkpoint, use_safetensors=True)
    with tempfile.TemporaryDirectory(prefix=".work-", dir=folder) as scratch:
        if not files.llm.is_file():
            gguf_llm(model, checkpoint, Path(scratch), tools).rename(files.llm)
        if not files.mmproj.is_file():
            gguf_mmproj(model, Path(scratch), tools).rename(files.mmproj)
    return files
