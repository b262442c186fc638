"""The artifact contract: typed manifest, generated schema, one-line refusals, paths kept inside."""

from __future__ import annotations

import json
import runpy
import shutil

import jsonschema
import pytest

from bluev.errors import BadInput
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.manifest import (
    FORMAT_VERSION,
    MANIFEST,
    Manifest,
    ManifestError,
    manifest_schema,
    read_manifest,
    schema_text,
)


@pytest.fixture
def copy_of(tiny_artifacts, tmp_path):
    """A writable copy of the float tiny artifacts and its manifest as a dict."""
    root = tmp_path / "art"
    shutil.copytree(tiny_artifacts, root)
    return root, json.loads((root / MANIFEST).read_text())


def write(root, data) -> None:
    (root / MANIFEST).write_text(json.dumps(data))


def test_checked_in_schema_is_the_generated_one(repo):
    shown = (repo / "docs" / "manifest.schema.json").read_text()
    assert shown == schema_text(), "stale schema: run `make schema`"
    jsonschema.Draft202012Validator.check_schema(manifest_schema())
    tool = runpy.run_path(str(repo / "tools" / "make_manifest_schema.py"))
    assert tool["DEFAULT_OUT"] == repo / "docs" / "manifest.schema.json"


def test_exported_manifest_round_trips(tiny_artifacts):
    data = json.loads((tiny_artifacts / MANIFEST).read_text())
    manifest = Manifest.from_dict(data)
    assert manifest.to_dict() == data and list(data)[:2] == ["format", "format_version"]
    assert manifest.format_version == FORMAT_VERSION and manifest.multimodal and manifest.has_llm
    assert [role for role, _ in manifest.files()] == [
        "vision_encoder", "projector", "llm", "tokenizer", "stock_runner",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda m: m["llm"].update(chunk_size="128"), "llm.chunk_size: expected an integer, got '128'"),
        (lambda m: m["llm"].pop("dim"), "llm: missing field 'dim'"),
        (lambda m: m["vision"].update(colour=1), "vision: unknown field 'colour'"),
        (lambda m: m["llm"].update(layout="sideways"), "llm: layout 'sideways'"),
        (lambda m: m["vision"]["tiler"].update(policy="biggest"), "vision.tiler: policy 'biggest'"),
        (
            lambda m: m["components"]["llm"]["methods"]["prefill"]["inputs"][0].update(shape=[1, "x", 2.5]),
            "components.llm.methods.prefill.inputs[0].shape[2]",
        ),
        (lambda m: m.update(format="other"), "not a bluev manifest (format 'other')"),
        (lambda m: m.update(format_version=1), "format version 1, this bluev reads 4; re-export"),
    ],
)
def test_a_bad_field_is_named_in_one_line(copy_of, change, needle):
    root, data = copy_of
    change(data)
    write(root, data)
    with pytest.raises(ManifestError) as err:
        read_manifest(root / MANIFEST)
    message = str(err.value)
    assert needle in message and str(root / MANIFEST) in message and "\n" not in message
    with pytest.raises(BadInput, match="manifest.json"):  # what the CLI prints as one line, exit 2
        open_artifacts(root)


@pytest.mark.parametrize("name", ["../llm.pte", "/etc/passwd", "sub/../../x.pte", ""])
def test_paths_that_leave_the_directory_are_refused_before_use(copy_of, name):
    root, data = copy_of
    data["components"]["llm"]["file"] = name
    write(root, data)
    with pytest.raises(BadInput, match="outside the artifact directory"):
        open_artifacts(root, verify=False)


def test_a_symlink_out_of_the_directory_is_refused(copy_of, tmp_path):
    root, data = copy_of
    outside = tmp_path / "elsewhere.pte"
    shutil.move(root / "llm.pte", outside)
    (root / "llm.pte").symlink_to(outside)
    with pytest.raises(BadInput, match="'llm.pte' is outside the artifact directory"):
        open_artifacts(root, verify=False)


def test_cli_names_the_field(one_line_error, bluev_cli, copy_of):
    root, data = copy_of
    data["special_tokens"]["eos_ids"] = "2"
    write(root, data)
    r = bluev_cli("run", "--artifacts", str(root), "--prompt", "Hi")
    one_line_error(r, "manifest.json", "special_tokens.eos_ids: expected a list")
