"""Whether two artifact sets' LLMs compute the same logits: e.g. a one-file llm.pte against
llm.pte + llm.ptd (the tied table stored once), which must agree exactly.

Usage: python tools/compare_llm_logits.py DIR_A DIR_B [TOKENS]   (default 64 tokens)
Both sets are stepped one token at a time (the embed method, then decode) through the first
TOKENS tokens of quant/data/eval_text.txt, each program with the data file its manifest names.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from bluev.quant.texts import data_text
from bluev.runtime.kernels import load_program
from bluev.runtime.manifest import MANIFEST
from bluev.runtime.text import TextCodec


def step_logits(root: Path, ids: list[int]) -> torch.Tensor:
    """[len(ids), vocab] logits of the set's LLM, one token per call from position 0.

    The manifest is read as JSON, not with runtime/manifest.py, so that a set written before
    ``components.*.data`` existed (a one-file llm.pte) can be compared too."""
    manifest = json.loads((root / MANIFEST).read_text())
    llm, methods = manifest["components"]["llm"], manifest["llm"]["methods"]
    data = llm.get("data")
    program = load_program(root / llm["file"], root / data["file"] if data else None)
    embed, decode = program.load_method(methods["embed"]), program.load_method(methods["decode"])
    rows = []
    for pos, token in enumerate(ids):
        e = embed.execute([torch.tensor([[token]])])[0]
        rows.append(decode.execute([e, torch.tensor([pos])])[0].reshape(-1).clone())
    return torch.stack(rows)


def main(a: Path, b: Path, tokens: int) -> None:
    tokenizer = json.loads((a / MANIFEST).read_text())["tokenizer"]["file"]
    ids = TextCodec(a / tokenizer).encode(data_text("eval_text.txt"))[:tokens]
    la, lb = step_logits(a, ids), step_logits(b, ids)
    same_top1 = (la.argmax(-1) == lb.argmax(-1)).float().mean().item()
    print(f"tokens {len(ids)}  max |diff| {(la - lb).abs().max().item():.3g}  top-1 equal {same_top1:.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 64)
