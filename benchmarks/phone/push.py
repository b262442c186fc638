"""Put an artifact set on a phone: the files manifest.json names, only those whose sha256 changed.

The remote directory is named after the manifest's own hash, so two exports never share a
folder and a re-run of the same export pushes nothing.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from bluev.benchmarks.phone.adb import Device, DeviceError
from bluev.fileio import sha256_file
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.manifest import MANIFEST, Manifest

REMOTE_ROOT = "/data/local/tmp/bluev"


@dataclass(frozen=True)
class LocalFile:
    name: str  # file name inside the artifact directory (and the remote one)
    path: Path
    sha256: str


@dataclass(frozen=True)
class ArtifactSet:
    root: Path
    manifest: Manifest
    manifest_sha256: str
    files: list[LocalFile]  # manifest.json last: a remote folder with a manifest is complete

    @property
    def remote_dir(self) -> str:
        return f"{REMOTE_ROOT}/{self.manifest_sha256[:16]}"

    @property
    def backend(self) -> str:
        """The report's backend label, from the manifest: e.g. "xnnpack", "vulkan", "mediatek (mt6989)"."""
        backends = sorted({c.backend for c in self.manifest.components.values()})
        soc = self.manifest.npu.soc if self.manifest.npu is not None else None
        return "/".join(backends) + (f" ({soc})" if soc else "")

    @property
    def bytes(self) -> int:
        return sum(f.path.stat().st_size for f in self.files)


def read_artifacts(root: Path) -> ArtifactSet:
    """The manifest's files with their hashes, checked (as the host runtime checks them) before anything
    goes to a phone; unlike the host runtime this accepts any backend: an NPU set runs only there."""
    art = open_artifacts(root, on_host=False)
    art.require_llm()
    files = [LocalFile(e.file, root / e.file, e.sha256) for _, e in art.manifest.files()]
    manifest_path = root / MANIFEST
    digest = sha256_file(manifest_path)
    files.append(LocalFile(MANIFEST, manifest_path, digest))
    return ArtifactSet(root, art.manifest, digest, files)


def remote_hashes(dev: Device, remote_dir: str) -> dict[str, str]:
    """File name -> sha256 of what is already in `remote_dir` (toybox and coreutils both have sha256sum)."""
    out, _ = dev.shell(f"cd {shlex.quote(remote_dir)} 2>/dev/null && sha256sum * 2>/dev/null", timeout=300)
    hashes = {}
    for line in out.splitlines():
        words = line.split()
        if len(words) == 2 and len(words[0]) == 64:
            hashes[words[1].rsplit("/", 1)[-1]] = words[0]
    return hashes


def push_files(dev: Device, files: list[LocalFile], remote_dir: str, free_mb: float | None) -> list[str]:
    """Push what differs; returns the names pushed. Checks free storage first for a clear message."""
    have = remote_hashes(dev, remote_dir)
    todo = [f for f in files if have.get(f.name) != f.sha256]
    need_mb = sum(f.path.stat().st_size for f in todo) / 2**20
    if free_mb is not None and need_mb > free_mb:
        raise DeviceError(
            dev.serial, f"not enough free storage: {need_mb:.0f} MB to push, {free_mb:.0f} MB free"
        )
    dev.check(f"mkdir -p {shlex.quote(remote_dir)}")
    for f in todo:
        print(
            f"[{dev.serial}] push {f.name} ({f.path.stat().st_size / 2**20:.1f} MB)",
            file=sys.stderr,
            flush=True,
        )
        remote = f"{remote_dir}/{f.name}"
        try:
            dev.push(str(f.path), remote)
        except DeviceError:
            dev.remove(remote)  # a half-written file must not look like a cached one
            raise
    return [f.name for f in todo]


def push_artifacts(dev: Device, art: ArtifactSet, free_mb: float | None) -> list[str]:
    return push_files(dev, art.files, art.remote_dir, free_mb)
