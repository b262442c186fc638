"""The ExecuTorch baseline: the same weights through ExecuTorch's own LLM export path.

``python -m executorch.extension.llm.export.export_llm`` with model class smollm2,
8da4w group 32, 8-bit embeddings, the SDPA-with-KV-cache custom op and XNNPACK, run
by ExecuTorch's stock ``TextLLMRunner``. Exporting it takes ~12 minutes here, so the
``.pte`` is cached under the peers folder, keyed by everything that changes it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import executorch
import torch

from bluev.benchmarks.host.child import failure
from bluev.errors import BadInput
from bluev.export.llm import Transformer
from bluev.fileio import atomic_path, atomic_write_text

EMBEDDING_BITS = 8  # its table, per row: all of it but one row is left out of decode's bytes
MAX_SEQ_LENGTH = 1024  # positions its program holds: prompt and generated tokens together

# export_llm's flags for the baseline the issue names (DESIGN.md section 6)
EXPORT_FLAGS = [
    "base.model_class=smollm2",
    "model.use_kv_cache=True",
    "model.use_sdpa_with_kv_cache=True",
    "model.enable_dynamic_shape=True",
    "quantization.qmode=8da4w",
    "quantization.group_size=32",
    f"quantization.embedding_quantize='{EMBEDDING_BITS},0'",
    "backend.xnnpack.enabled=True",
    # room for the benchmark's 512-token prompt and 128 decoded tokens
    f"export.max_seq_length={MAX_SEQ_LENGTH}",
    f"export.max_context_length={MAX_SEQ_LENGTH}",
]


def meta_layout(weight: torch.Tensor, n_heads: int) -> torch.Tensor:
    """q/k rows from HF's rotate-half order back to Meta's interleaved pairs (export_llm's rope)."""
    rows, cols = weight.shape
    return weight.view(n_heads, 2, rows // n_heads // 2, cols).transpose(1, 2).reshape(rows, cols)


def write_checkpoint(llm: torch.nn.Module, folder: Path) -> tuple[Path, Path]:
    """Our Transformer's weights (already Meta-named) as export_llm's checkpoint + params.json."""
    args = llm.args
    state = {}
    for name, tensor in llm.state_dict().items():  # KV caches and rope tables are not persistent
        if name.endswith("attention.wq.weight"):
            tensor = meta_layout(tensor, args.n_heads)
        elif name.endswith("attention.wk.weight"):
            tensor = meta_layout(tensor, args.n_kv_heads)
        state[name] = tensor.detach().clone().contiguous()
    params = {
        "dim": args.dim,
        "hidden_dim": args.hidden_dim,
        "n_heads": args.n_heads,
        "n_kv_heads": args.n_kv_heads,
        "n_layers": args.n_layers,
        "norm_eps": args.norm_eps,
        "rope_theta": args.rope_theta,
        "vocab_size": args.vocab_size,
        "use_scaled_rope": False,
        "use_hf_rope": False,
    }
    ckpt, params_path = folder / "checkpoint.pth", folder / "params.json"
    with atomic_path(ckpt) as tmp:
        torch.save(state, tmp)
    atomic_write_text(params_path, json.dumps(params, indent=2))
    return ckpt, params_path


def cache_key(source_sha256: str) -> str:
    text = json.dumps([source_sha256, getattr(executorch, "__version__", "?"), EXPORT_FLAGS])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def baseline_pte(
    peers: Path, source_sha256: str, build_llm: Callable[[], Transformer], log: Callable[[str], None] = print
) -> tuple[Path, float]:
    """The cached export_llm .pte and its export seconds; exports it (~12 min) when absent."""
    folder = (peers / "executorch-export_llm" / f"smollm2-{cache_key(source_sha256)}").resolve()
    pte, record = folder / "smollm2.pte", folder / "export.json"
    if pte.is_file() and record.is_file():
        return pte, float(json.loads(record.read_text())["export_seconds"])
    folder.mkdir(parents=True, exist_ok=True)
    log(f"exporting ExecuTorch's export_llm baseline into {folder} (once; ~12 min on 2 cores) ...")
    ckpt, params = write_checkpoint(build_llm(), folder)
    staging = folder / "staging"
    staging.mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "executorch.extension.llm.export.export_llm",
        *EXPORT_FLAGS,
        f"base.checkpoint={ckpt}",
        f"base.params={params}",
        "export.output_name=smollm2.pte",  # written into the working directory
    ]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, cwd=staging)
    seconds = time.monotonic() - started
    (folder / "export.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0 or not (staging / "smollm2.pte").is_file():
        why = failure(done.returncode, done.stderr, done.stdout)
        raise BadInput(f"export_llm baseline failed ({why}); log: {folder / 'export.log'}")
    (staging / "smollm2.pte").replace(pte)
    shutil.rmtree(staging)  # hydra's outputs/ folder
    ckpt.unlink()  # 0.5 GB of float weights: only the .pte is needed from now on
    atomic_write_text(record, json.dumps({"export_seconds": round(seconds, 1), "flags": EXPORT_FLAGS}))
    return pte, seconds
