"""`bluev bundle`'s options and the bundle path check `bluev export --bundle` shares.

Light on purpose (no ExecuTorch): the CLI builds its flags from these fields at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bluev.errors import BadInput
from bluev.options import cli


@dataclass
class BundleOptions:
    artifacts: Path = cli(argument=True, metavar="DIR", help="Artifact directory (bluev export --out).")
    out: Path = cli(argument=True, metavar="FILE.zip", help="The bundle to write.")

    def __post_init__(self) -> None:
        check_bundle_path(self.artifacts, self.out)


def check_bundle_path(artifacts: Path, out: Path) -> None:
    """A bundle is a .zip file beside (not inside) its artifact directory."""
    if out.suffix.lower() != ".zip":
        raise BadInput(f"{out}: a bundle's name ends in .zip (the app's file picker looks for zips)")
    if out.is_dir():
        raise BadInput(f"{out}: is a directory; give the bundle's file name, e.g. {out / 'model.zip'}")
    if out.resolve().is_relative_to(artifacts.resolve()):
        raise BadInput(f"{out}: inside the artifact directory {artifacts}; write the bundle beside it")
