"""Tiny reference checkpoints of the VLM families (SmolVLM / Idefics3, InternVL), one per session."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def _load(name: str):  # noqa: ANN202  (a module; tests run with --import-mode=importlib)
    spec = importlib.util.spec_from_file_location(f"bluev_tests_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


checkpoints = _load("checkpoints")


@pytest.fixture(scope="session")
def idefics3_checkpoint(tmp_path_factory) -> Path:
    """SmolVLM-256M-Instruct's layout (Idefics3ForConditionalGeneration, Idefics3Processor), tiny."""
    return checkpoints.save_idefics3(tmp_path_factory.mktemp("idefics3") / "ckpt", "idefics3")


@pytest.fixture(scope="session")
def smolvlm_checkpoint(tmp_path_factory) -> Path:
    """SmolVLM2's layout (SmolVLMForConditionalGeneration, SmolVLMProcessor), tiny."""
    return checkpoints.save_idefics3(tmp_path_factory.mktemp("smolvlm") / "ckpt", "smolvlm")


@pytest.fixture(scope="session")
def internvl_checkpoint(tmp_path_factory) -> Path:
    """InternVL3-1B-hf's layout (InternVLForConditionalGeneration, InternVLProcessor), tiny."""
    return checkpoints.save_internvl(tmp_path_factory.mktemp("internvl") / "ckpt")


@pytest.fixture(scope="session")
def family_processor():
    """checkpoint dir -> the checkpoint's own processor (image part), as transformers builds it."""
    return checkpoints.load_processor


@pytest.fixture(scope="session")
def checkpoint_helpers():
    """The checkpoints module itself (tokenizers, randomize_constant_params_, the TINY sizes)."""
    return checkpoints
