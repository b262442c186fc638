"""The installed package is one namespace, `bluev.*`, with no generic top-level modules."""

from __future__ import annotations

import configparser
import subprocess
import sys

import pytest
import torch


@pytest.mark.parametrize("name", ["export", "quant", "runtime", "benchmarks"])
def test_generic_top_level_names_are_not_importable(tmp_path, name):
    r = subprocess.run(
        [sys.executable, "-c", f"import {name}"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert r.returncode != 0 and "ModuleNotFoundError" in r.stderr


def test_subpackages_map_to_the_users_folders(tmp_path, repo):
    code = (
        "import bluev.export, bluev.quant, bluev.runtime, bluev.benchmarks, bluev.runtime.tiler as t;"
        "print(t.__file__)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(repo / "runtime" / "tiler.py")


def test_every_subpackage_is_listed_in_setup_cfg(repo):
    """setup.cfg names its packages one by one: a new folder missing there is left out of a wheel."""
    options = configparser.ConfigParser()
    options.read(repo / "setup.cfg")
    listed = set(options["options"]["packages"].split())
    folders = dict(line.split(" = ") for line in options["options"]["package_dir"].strip().splitlines())
    found = set()
    for package, folder in folders.items():
        for init in (repo / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(repo / folder).parts
            found.add(".".join([package, *parts]))
    assert found == listed


def test_torch_is_the_cpu_build():
    assert torch.__version__.startswith("2.13.0") and not torch.cuda.is_available()
