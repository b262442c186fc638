"""Open an artifact directory: read manifest.json, check format and hashes, nothing else.

The manifest written by export is the only description of a model the runtime
uses; an artifact set that does not match it is refused with a one-line reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bluev.errors import BadInput
from bluev.fileio import sha256_file

FORMAT = "bluev-artifacts"
FORMAT_VERSION = 1
HOST_BACKENDS = ("xnnpack", "portable")
# Backends whose delegate the host runtime may lack: manifest name -> ExecuTorch backend id.
# The executorch wheel's pybindings register XNNPACK (and QNN/OpenVINO), not Vulkan.
OPTIONAL_HOST_BACKENDS = {"vulkan": "VulkanBackend"}
PHONE_ONLY = {
    "mediatek": "the MediaTek NPU (NeuroPilot) runs only on a Dimensity phone",
    "vulkan": "this host's ExecuTorch runtime has no Vulkan backend; it runs on the phone's GPU",
}


@dataclass
class Artifacts:
    root: Path
    manifest: dict

    @property
    def preset(self) -> str:
        return self.manifest["preset"]

    @property
    def multimodal(self) -> bool:
        comps = self.manifest["components"]
        return "vision_encoder" in comps and "projector" in comps

    @property
    def has_llm(self) -> bool:
        return "llm" in self.manifest["components"]

    def require_llm(self) -> None:
        """Vision-only artifacts (``bluev export --components vision``) serve benchmarks, not answers."""
        if not self.has_llm:
            raise BadInput(
                f"{self.root}: vision-only artifacts (exported with --components vision) have no LLM; "
                "export without --components to answer prompts"
            )

    def path(self, component: str) -> Path:
        return self.root / self.manifest["components"][component]["file"]

    @property
    def tokenizer_path(self) -> Path:
        return self.root / self.manifest["tokenizer"]["file"]

    def entries(self) -> list[tuple[str, dict]]:
        """Every file the manifest names, as (role, entry with "file" and "sha256")."""
        m = self.manifest
        entries = [*m.get("components", {}).items(), ("tokenizer", m["tokenizer"])]
        if m.get("stock_runner"):
            entries.append(("stock_runner", m["stock_runner"]))
        if (m.get("npu") or {}).get("embedding"):  # the NPU runner's token embedding table
            entries.append(("token_embedding", m["npu"]["embedding"]))
        return entries


def open_artifacts(root: str | Path, verify: bool = True, on_host: bool = True) -> Artifacts:
    """Read and check an artifact directory; ``on_host=False`` accepts phone-only backends (NPU)."""
    root = Path(root)
    manifest_path = root / "manifest.json"
    if not root.is_dir():
        raise BadInput(f"{root}: no such artifact directory (run `bluev export --out {root}`)")
    if not manifest_path.is_file():
        raise BadInput(f"{manifest_path}: missing; not a bluev artifact directory")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"{manifest_path}: unreadable JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadInput(f"{manifest_path}: not a bluev manifest (format {manifest.get('format')!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BadInput(
            f"{manifest_path}: format version {manifest.get('format_version')!r}, this bluev reads "
            f"{FORMAT_VERSION}; re-export with this version"
        )
    art = Artifacts(root, manifest)
    for name, entry in art.entries():
        path = root / entry["file"]
        if not path.is_file():
            raise BadInput(f"{path}: missing ({name} named by the manifest)")
        if verify and sha256_file(path) != entry["sha256"]:
            raise BadInput(f"{path}: sha256 does not match the manifest (corrupt or replaced file)")
    for name, comp in manifest["components"].items() if on_host else []:
        backend = comp.get("backend")
        if backend not in HOST_BACKENDS and not host_has_backend(backend):
            reason = PHONE_ONLY.get(backend, "which runs only on the phone")
            raise BadInput(
                f"{art.path(name)}: built for backend {backend!r}: {reason} (`bluev bench adb`); "
                "export with --backend xnnpack to run on this host"
            )
    return art


def host_has_backend(backend: str | None) -> bool:
    """Whether this host's ExecuTorch runtime registers the backend's delegate."""
    delegate = OPTIONAL_HOST_BACKENDS.get(backend or "")
    if delegate is None:
        return False
    from executorch.extension.pybindings import portable_lib

    return delegate in portable_lib._get_registered_backend_names()
