"""`bluev` as a user runs it: the installed console script in a subprocess."""

from __future__ import annotations

import json

import pytest
from PIL import Image


def test_version_and_help(bluev_cli):
    r = bluev_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("bluev, version ")
    r = bluev_cli("--help")
    assert r.returncode == 0 and "tiles" in r.stdout


def test_tiles_size_json_has_contract_fields(bluev_cli):
    r = bluev_cli("tiles", "--size", "394x390", "--policy", "llava-next", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["policy"] == "llava-next"
    assert info["grid"] == [2, 2] and info["canvas"] == [768, 768]
    assert info["tiles"] == 4 and info["thumbnail"] is True and info["image_tokens"] == 980


def test_tiles_size_text_and_max_tiles(bluev_cli):
    r = bluev_cli("tiles", "--size", "380x76", "--policy", "internvl", "--max-tiles", "6")
    assert r.returncode == 0
    assert "grid 5:1" in r.stdout and "1920x384" in r.stdout


def test_tiles_image_writes_grid_picture(bluev_cli, tmp_path):
    src = tmp_path / "photo.jpg"
    Image.new("RGB", (1600, 900), (30, 120, 200)).save(src)
    out = tmp_path / "grid.png"
    r = bluev_cli("tiles", str(src), "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    with Image.open(out) as pic:
        assert pic.format == "PNG" and list(pic.size) == info["canvas"]
        # the grid is drawn: the first tile's border pixel is the grid colour
        assert pic.convert("RGB").getpixel((0, 0)) == (255, 64, 32)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    "args,needle",
    [
        (["tiles", "--size", "0x5"], "0x5"),
        (["tiles", "--size", "wide"], "wide"),
        (["tiles"], "IMAGE"),
        (["tiles", "missing.png"], "missing.png"),
        (["tiles", "--size", "3x3", "--policy", "square"], "--policy"),
        (["tiles", "--size", "3x3", "--max-tiles", "0"], "--max-tiles"),
        (["export", "--out", "x", "--components", "audio"], "'audio': unknown"),
        (["export", "--preset", "smollm2", "--out", "x", "--components", "vision"], "text-only"),
        (["export", "--out", "x", "--backend", "vulkan", "--llm-layout", "static"], "takes dynamic"),
        (
            ["export", "--out", "x", "--backend", "mediatek", "--soc", "mt6989", "--llm-layout", "dynamic"],
            "static",
        ),
        (["export", "--out", "x", "--llm-layout", "static", "--components", "vision"], "--components leaves"),
    ],
)
def test_bad_input_is_one_line_exit_2(bluev_cli, tmp_path, args, needle):
    r = bluev_cli(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert r.stdout == ""


def test_bad_image_file_writes_nothing(bluev_cli, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    out = tmp_path / "grid.png"
    r = bluev_cli("tiles", str(bad), "--out", str(out))
    assert r.returncode == 2 and "broken.png" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.png"]


def test_image_over_pixel_cap(bluev_cli, tmp_path):
    src = tmp_path / "big.png"
    Image.new("RGB", (400, 300)).save(src)
    r = bluev_cli("tiles", str(src), "--max-pixels", "1000")
    assert r.returncode == 2 and "big.png" in r.stderr and "cap" in r.stderr


def test_usage_error_names_the_whole_command(bluev_cli, one_line_error):
    # a nested verb's hint is the command to type, group and all
    one_line_error(
        bluev_cli("bench", "host", "extra-arg"), "unexpected extra argument", "'bluev bench host --help'"
    )
    one_line_error(bluev_cli("export", "--bogus"), "--bogus", "'bluev export --help'")
