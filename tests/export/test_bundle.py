"""`bluev bundle` and `bluev export --bundle`: one zip of an artifact set, for the app's import.

The app reads the zip as a stream (android_app/core ZipStream; `make android-unit` imports the
bundle the Makefile makes with `bluev export --bundle`), so the layout is checked here entry by
entry: manifest first, programs stored, sizes in the local headers, nothing but the named files.
The command line is run as a user runs it where its output or exit code is the point; other
cases call `write_bundle`, the function behind it, in this process (the CLI spends its seconds
importing ExecuTorch's runtime).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from bluev.errors import BadInput
from bluev.export.bundle import write_bundle
from bluev.runtime.manifest import MANIFEST, read_manifest


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def summary_lines(out: Path) -> list[str]:
    with zipfile.ZipFile(out) as zf:
        count = len(zf.infolist())
    size = out.stat().st_size
    return [f"bundle: {out} ({count} files, {size / 1e6:.1f} MB)", f"sha256: {sha256_of(out)}"]


def named_files(artifacts: Path) -> list[str]:
    """manifest.json, then each file the manifest names, once, in its order."""
    files = [entry.file for _, entry in read_manifest(artifacts / MANIFEST).files()]
    return [MANIFEST, *dict.fromkeys(files)]


@pytest.fixture(scope="module")
def bundled(tiny_artifacts, tmp_path_factory, bluev_cli_once):
    out = tmp_path_factory.mktemp("bundle") / "tiny.zip"
    r = bluev_cli_once("bundle", str(tiny_artifacts), str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    return out, r


def test_manifest_first_programs_stored_sizes_in_the_local_headers(bundled, tiny_artifacts):
    out, r = bundled
    with zipfile.ZipFile(out) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == named_files(tiny_artifacts)
        for info in infos:
            assert info.flag_bits & 0x08 == 0, info.filename  # no data descriptor: the app streams it
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            deflated = info.filename.endswith(".json")
            assert info.compress_type == (zipfile.ZIP_DEFLATED if deflated else zipfile.ZIP_STORED)
            assert zf.read(info) == (tiny_artifacts / info.filename).read_bytes()
        assert infos[0].header_offset == 0
        assert zf.testzip() is None
    assert r.stdout.splitlines() == summary_lines(out)


def test_the_same_set_gives_the_same_bytes(bundled, tiny_artifacts, tmp_path):
    out, _ = bundled
    again = write_bundle(tiny_artifacts, tmp_path / "again.zip")
    assert again.sha256 == sha256_of(again.path) == sha256_of(out)


def test_only_the_files_the_manifest_names(tiny_artifacts, tmp_path):
    art = tmp_path / "art"
    shutil.copytree(tiny_artifacts, art)
    (art / "notes.txt").write_text("not part of the set")
    (art / "old.pte").write_bytes(b"an earlier export's program")
    info = write_bundle(art, tmp_path / "tiny.zip")
    with zipfile.ZipFile(info.path) as zf:
        assert zf.namelist() == list(info.files) == named_files(art)


def test_a_phone_only_set_is_bundled(tiny_artifacts, tmp_path):
    """A Vulkan or NPU set runs on the phone, not here: bundling it is what the phone needs."""
    art = tmp_path / "art"
    shutil.copytree(tiny_artifacts, art)
    manifest = json.loads((art / MANIFEST).read_text())
    manifest["backend"] = "vulkan"
    for component in manifest["components"].values():
        component["backend"] = "vulkan"
    (art / MANIFEST).write_text(json.dumps(manifest, indent=2))
    info = write_bundle(art, tmp_path / "vulkan.zip")
    with zipfile.ZipFile(info.path) as zf:
        assert json.loads(zf.read(MANIFEST))["components"]["llm"]["backend"] == "vulkan"


def corrupt_copy(artifacts: Path, tmp_path: Path) -> Path:
    art = tmp_path / "corrupt"
    shutil.copytree(artifacts, art)
    data = bytearray((art / "llm.pte").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (art / "llm.pte").write_bytes(bytes(data))
    return art


def test_a_corrupt_set_is_refused_old_bundle_kept(tiny_artifacts, bluev_cli, one_line_error, tmp_path):
    art = corrupt_copy(tiny_artifacts, tmp_path)
    dest = tmp_path / "out"
    dest.mkdir()
    old = dest / "tiny.zip"
    old.write_bytes(b"the previous bundle")
    r = bluev_cli("bundle", str(art), str(old))
    one_line_error(r, f"{art / 'llm.pte'}: sha256 does not match the manifest")
    assert old.read_bytes() == b"the previous bundle"
    assert sorted(p.name for p in dest.iterdir()) == ["tiny.zip"]  # no temporary file left


@pytest.mark.parametrize(
    "case,needle",
    [
        ("not-zip", "a bundle's name ends in .zip"),
        ("inside", "inside the artifact directory"),
        ("directory", "is a directory"),
    ],
)
def test_bad_destinations_are_one_line(case, needle, tiny_artifacts, bluev_cli, one_line_error, tmp_path):
    out = {
        "not-zip": tmp_path / "tiny.tar",
        "inside": tiny_artifacts / "tiny.zip",
        "directory": tmp_path / "dir.zip",
    }[case]
    if case == "directory":
        out.mkdir()
    r = bluev_cli("bundle", str(tiny_artifacts), str(out))
    one_line_error(r, needle)
    assert not (tiny_artifacts / "tiny.zip").exists()
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == []


@pytest.mark.parametrize(
    "case,needle",
    [
        ("missing", "nowhere: no such artifact directory"),
        ("not-a-set", "manifest.json: missing; not a bluev artifact directory"),
    ],
)
def test_a_directory_that_is_no_set_is_refused(case, needle, tmp_path):
    src = tmp_path / ("nowhere" if case == "missing" else "empty")
    if case == "not-a-set":
        src.mkdir()
    with pytest.raises(BadInput, match=needle):
        write_bundle(src, tmp_path / "tiny.zip")
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == []


def test_export_writes_the_bundle_too(bluev_cli, tmp_path):
    """The Makefile's fixture for the app's import tests, made the same way."""
    out, bundle = tmp_path / "tiny-llm", tmp_path / "tiny-llm.zip"
    r = bluev_cli(
        "export", "--preset", "tiny", "--components", "llm", "--quant", "float", "--no-stock-runner",
        "--out", str(out), "--bundle", str(bundle), timeout=1800,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.splitlines()[-3:] == [f"artifacts: {out}", *summary_lines(bundle)]
    with zipfile.ZipFile(bundle) as zf:
        assert zf.namelist() == named_files(out) == [MANIFEST, "llm.pte", "tokenizer.json"]
        assert zf.read(MANIFEST) == (out / MANIFEST).read_bytes()


def test_export_refuses_a_bundle_inside_its_output_before_exporting(bluev_cli, one_line_error, tmp_path):
    out = tmp_path / "art"
    r = bluev_cli("export", "--preset", "tiny", "--out", str(out), "--bundle", str(out / "art.zip"))
    one_line_error(r, "inside the artifact directory")
    assert not out.exists()
