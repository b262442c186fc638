"""manifest.json: the one description of an artifact set that runtime, benchmarks and app read."""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

from bluev.fileio import sha256_file

FORMAT = "bluev-artifacts"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


def sha256_tree(files: list[Path]) -> str:
    """One hash over several files (names and contents), e.g. a checkpoint directory."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + sha256_file(path).encode())
    return digest.hexdigest()


def tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in ("bluev", "torch", "executorch", "torchao", "transformers", "tokenizers"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def tensor_spec(name: str, shape: list, dtype: str) -> dict:
    """A method input/output: symbolic dims are names (their range is in `dynamic`)."""
    return {"name": name, "shape": shape, "dtype": dtype}


def write_manifest(out_dir: Path, manifest: dict) -> None:
    from bluev.fileio import atomic_write_text

    atomic_write_text(out_dir / MANIFEST, json.dumps(manifest, indent=2, sort_keys=False) + "\n")
