"""One-file bundle of an artifact set: the zip an end user imports into the app without adb.

The app reads a bundle as a stream (a download, or a file the system picker hands it), so the
layout is fixed by what a streaming reader needs:

- ``manifest.json`` is the first entry: the reader knows every file's name, size and sha256
  before the first program arrives, checks free space and verifies each file while it copies.
- Programs and other binary files are stored (``ZIP_STORED``): they are already dense, and a
  stored entry is copied at disk speed and hashed as it streams. Text files (``.json``) are
  deflated: ``tokenizer.json`` shrinks about fourfold.
- Every local header carries the entry's sizes and CRC (no data descriptors: the zip is written
  to a seekable file), so the reader knows where each entry ends; entries over 4 GiB get ZIP64
  extra fields (Python's zipfile decides).
- Only the files the manifest names, in its order, with fixed timestamps and modes: the same
  artifact set always gives the same bytes, hence the same bundle sha256.

Each file is hashed while it is written and compared with the manifest, and the zip appears
under its name only when complete (temporary file + rename).
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bluev.errors import BadInput
from bluev.export.bundle_options import check_bundle_path
from bluev.fileio import atomic_path, sha256_file
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.manifest import MANIFEST

BLOCK = 1 << 20
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip's epoch: no build time leaks into the bundle's hash
UNIX = 3  # "made by" system: the mode bits below are Unix permissions
FILE_MODE = 0o644 << 16
DEFLATED_SUFFIXES = (".json",)


@dataclass(frozen=True)
class BundleInfo:
    """What `bluev bundle` prints: where the bundle is, its size, its sha256 and what it holds."""

    path: Path
    bytes: int
    sha256: str
    files: tuple[str, ...]  # in the bundle's order, manifest.json first

    def summary(self) -> str:
        return (
            f"bundle: {self.path} ({len(self.files)} files, {self.bytes / 1e6:.1f} MB)\nsha256: {self.sha256}"
        )


def write_bundle(artifacts: str | Path, out: str | Path) -> BundleInfo:
    """Bundle the artifact directory ``artifacts`` into the zip ``out`` (replaced atomically)."""
    root, out = Path(artifacts), Path(out)
    check_bundle_path(root, out)
    # Phone-only sets (NPU, Vulkan) are bundled too: the phone runs them, not this host.
    art = open_artifacts(root, verify=False, on_host=False)
    entries = bundle_entries(art.root, art.manifest.files())
    with atomic_path(out) as tmp:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for name, sha256 in entries:
                add_entry(zf, root / name, name, sha256)
        digest = sha256_file(tmp)
        size = tmp.stat().st_size
    return BundleInfo(out, size, digest, tuple(name for name, _ in entries))


def bundle_entries(root: Path, files: list) -> list[tuple[str, str | None]]:
    """(name, expected sha256) in bundle order: manifest.json first, then each named file once."""
    entries: list[tuple[str, str | None]] = [(MANIFEST, None)]
    seen: dict[str, str] = {}
    for role, entry in files:
        if seen.get(entry.file, entry.sha256) != entry.sha256:
            raise BadInput(f"{root / MANIFEST}: {role} names {entry.file!r} with a second sha256; refused")
        if entry.file not in seen and entry.file != MANIFEST:
            entries.append((entry.file, entry.sha256))
        seen[entry.file] = entry.sha256
    return entries


def add_entry(zf: zipfile.ZipFile, path: Path, name: str, sha256: str | None) -> None:
    """Copy one file into the zip, hashing it on the way; refuse it if the manifest disagrees."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.create_system = UNIX
    info.external_attr = FILE_MODE
    info.compress_type = zipfile.ZIP_DEFLATED if name.endswith(DEFLATED_SUFFIXES) else zipfile.ZIP_STORED
    info.file_size = path.stat().st_size  # known up front: zipfile picks ZIP64 headers from it
    digest = hashlib.sha256()
    with open(path, "rb") as src, zf.open(info, "w") as dst:
        for block in iter(lambda: src.read(BLOCK), b""):
            digest.update(block)
            dst.write(block)
    if sha256 is not None and digest.hexdigest() != sha256:
        raise BadInput(f"{path}: sha256 does not match the manifest (corrupt or replaced file)")
