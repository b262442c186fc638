"""Open an artifact directory: read its manifest, check every file it names, nothing else.

The manifest written by export is the only description of a model the runtime uses; an
artifact set that does not match it is refused with a one-line reason, before any of its
programs is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bluev.errors import BadInput
from bluev.fileio import sha256_file
from bluev.runtime.manifest import MANIFEST, Manifest, ManifestError, read_manifest

HOST_BACKENDS = ("xnnpack", "portable")
# Backends whose delegate the host runtime may lack: manifest name -> ExecuTorch backend id.
# The executorch wheel's pybindings register XNNPACK (and QNN/OpenVINO), not Vulkan.
OPTIONAL_HOST_BACKENDS = {"vulkan": "VulkanBackend"}
PHONE_ONLY = {
    "mediatek": "the MediaTek NPU (NeuroPilot) runs only on a Dimensity phone",
    "vulkan": "this host's ExecuTorch runtime has no Vulkan backend; it runs on the phone's GPU",
}


@dataclass(frozen=True)
class Artifacts:
    root: Path
    manifest: Manifest

    @property
    def preset(self) -> str:
        return self.manifest.preset

    @property
    def multimodal(self) -> bool:
        return self.manifest.multimodal

    @property
    def has_llm(self) -> bool:
        return self.manifest.has_llm

    def require_llm(self) -> None:
        """Vision-only artifacts (``bluev export --components vision``) serve benchmarks, not answers."""
        if not self.has_llm:
            raise BadInput(
                f"{self.root}: vision-only artifacts (exported with --components vision) have no LLM; "
                "export without --components to answer prompts"
            )

    def path(self, component: str) -> Path:
        return self.root / self.manifest.components[component].file

    def program_files(self, component: str) -> tuple[Path, Path | None]:
        """The component's .pte and its data file (``.ptd``, where its program keeps weights),
        if any: ``kernels.load_program``'s arguments."""
        data = self.manifest.components[component].data
        return self.path(component), None if data is None else self.root / data.file

    @property
    def tokenizer_path(self) -> Path:
        return self.root / self.manifest.tokenizer.file


def open_artifacts(root: str | Path, verify: bool = True, on_host: bool = True) -> Artifacts:
    """Read and check an artifact directory; ``on_host=False`` accepts phone-only backends (NPU)."""
    root = Path(root)
    manifest_path = root / MANIFEST
    if not root.is_dir():
        raise BadInput(f"{root}: no such artifact directory (run `bluev export --out {root}`)")
    if not manifest_path.is_file():
        raise BadInput(f"{manifest_path}: missing; not a bluev artifact directory")
    try:
        manifest = read_manifest(manifest_path)
    except ManifestError as exc:
        raise BadInput(str(exc)) from None
    art = Artifacts(root, manifest)
    check_files(art, verify)
    if on_host:
        check_host_backends(art)
    return art


def check_files(art: Artifacts, verify: bool) -> None:
    """Every named file lies inside the directory, exists, and (``verify``) has its recorded hash."""
    for role, entry in art.manifest.files():
        path = inside(art.root, entry.file, role)
        if not path.is_file():
            raise BadInput(f"{path}: missing ({role} named by the manifest)")
        if verify and sha256_file(path) != entry.sha256:
            raise BadInput(f"{path}: sha256 does not match the manifest (corrupt or replaced file)")


def inside(root: Path, name: str, role: str) -> Path:
    """``root / name``, refused when the manifest's name would leave the artifact directory."""
    pure = PurePosixPath(name)
    escapes = pure.is_absolute() or ".." in pure.parts or "\\" in name or not name
    path = root / name
    if not escapes and path.exists():
        escapes = not path.resolve().is_relative_to(root.resolve())  # a symlink out of the folder
    if escapes:
        raise BadInput(f"{root / MANIFEST}: {role} file {name!r} is outside the artifact directory; refused")
    return path


def check_host_backends(art: Artifacts) -> None:
    for name, comp in art.manifest.components.items():
        if comp.backend not in HOST_BACKENDS and not host_has_backend(comp.backend):
            reason = PHONE_ONLY.get(comp.backend, "which runs only on the phone")
            raise BadInput(
                f"{art.path(name)}: built for backend {comp.backend!r}: {reason} (`bluev bench adb`); "
                "export with --backend xnnpack to run on this host"
            )


def host_has_backend(backend: str) -> bool:
    """Whether this host's ExecuTorch runtime registers the backend's delegate."""
    delegate = OPTIONAL_HOST_BACKENDS.get(backend)
    if delegate is None:
        return False
    # deferred: ExecuTorch's runtime takes seconds to import and only this check needs it, so
    # reading an artifact set (bench adb's push, bluev bundle) stays quick
    from bluev.runtime.kernels import registered_backends

    return delegate in registered_backends()
