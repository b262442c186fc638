"""The runner's parts against the Python code they port, on both builds (x86-64 and aarch64)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tokenizers import Tokenizer

from bluev.runtime.image import load_tiles
from bluev.runtime.tiler import TilerConfig

REPO = Path(__file__).resolve().parents[2]
EVAL_TEXT = REPO / "quant" / "data" / "eval_text.txt"
VECTORS = REPO / "tests" / "data" / "tiling_vectors.json"


def test_sha256_matches_hashlib(any_build, tmp_path):
    rng = np.random.default_rng(0)
    for size in (0, 55, 56, 64, 1000, 3 << 20):
        path = tmp_path / f"blob{size}"
        path.write_bytes(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
        r = any_build.run("bluev-native-check", "sha256", str(path))
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == hashlib.sha256(path.read_bytes()).hexdigest(), size


def test_tiling_vectors(any_build):
    r = any_build.run("bluev-native-check", "plan", str(VECTORS))
    assert r.returncode == 0, r.stderr
    got = {c["id"]: c["plan"] for c in json.loads(r.stdout)}
    cases = json.loads(VECTORS.read_text())["cases"]
    assert len(got) == len(cases) > 50
    for case in cases:
        expect = {k: case["expect"][k] for k in got[case["id"]]}
        assert got[case["id"]] == expect, case["id"]


@pytest.fixture(scope="module")
def tokenizer_json(tiny_quant_artifacts) -> Path:
    return tiny_quant_artifacts / "tokenizer.json"


def hf_ids(tokenizer_json: Path, text: str) -> list[int]:
    return Tokenizer.from_file(str(tokenizer_json)).encode(text, add_special_tokens=False).ids


def test_tokenizer_eval_text_matches_hf(any_build, tokenizer_json):
    r = any_build.run("bluev-native-check", "tokenize", str(tokenizer_json), str(EVAL_TEXT))
    assert r.returncode == 0, r.stderr
    expect = hf_ids(tokenizer_json, EVAL_TEXT.read_text(encoding="utf-8"))
    assert len(expect) > 3000
    assert json.loads(r.stdout) == expect


def test_tokenizer_chat_template_and_unicode(any_build, tokenizer_json, tiny_quant_artifacts, tmp_path):
    chat = json.loads((tiny_quant_artifacts / "manifest.json").read_text())["chat_template"]
    text = (
        chat["prefix"]
        + "Naïve café — 東京タワー 🚀 it's 2024-05-17, x=3.14159!!\n\n\t  done"
        + chat["suffix"]
        + "<|endoftext|><|im_start|>user<|im_end|>"
    )
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    r = any_build.run("bluev-native-check", "tokenize", str(tokenizer_json), str(tmp_path / "t.txt"))
    assert r.returncode == 0, r.stderr
    ids = json.loads(r.stdout)
    assert ids == hf_ids(tokenizer_json, text)
    assert {0, 1, 2} <= set(ids)  # <|endoftext|>, <|im_start|>, <|im_end|> as single ids


def test_stream_decode_holds_back_partial_utf8(any_build, tokenizer_json, tmp_path):
    tok = Tokenizer.from_file(str(tokenizer_json))
    text = "Tokyo 東京 🚀 ok <|im_end|>"
    ids = tok.encode(text, add_special_tokens=False).ids
    (tmp_path / "ids.json").write_text(json.dumps(ids))
    r = any_build.run("bluev-native-check", "decode", str(tokenizer_json), str(tmp_path / "ids.json"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["text"] == tok.decode(ids, skip_special_tokens=True)
    assert "".join(out["pieces"]) == out["text"]
    assert all("\ufffd" not in p for p in out["pieces"])  # no half characters were emitted


def picture(w: int, h: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x, y = np.linspace(0, 1, w)[None, :, None], np.linspace(0, 1, h)[:, None, None]
    return (np.sin(x * 20 + y * 7) * 100 + 128 + rng.normal(0, 20, (h, w, 3))).clip(0, 255).astype(np.uint8)


def write_images(d: Path) -> list[Path]:
    """JPEG (draft scales, grey, CMYK, every EXIF orientation) and PNG (alpha, palette, 16-bit)."""
    files = []

    def save(name: str, img: Image.Image, **kw) -> None:
        img.save(d / name, **kw)
        files.append(d / name)

    save("wide.png", Image.fromarray(picture(500, 102, 1)))
    save("photo.jpg", Image.fromarray(picture(1600, 1200, 2)), quality=90)
    save("big.jpg", Image.fromarray(picture(3000, 2000, 3)), quality=85)  # decoded at 1/2
    save("grey.jpg", Image.fromarray(picture(300, 200, 4)).convert("L"))
    save("cmyk.jpg", Image.fromarray(picture(400, 300, 5)).convert("CMYK"))
    rgba = picture(300, 200, 6)
    alpha = np.random.default_rng(7).integers(0, 256, (200, 300, 1), dtype=np.uint8)
    save("alpha.png", Image.fromarray(np.concatenate([rgba, alpha], axis=2), "RGBA"))
    save("palette.png", Image.fromarray(picture(300, 200, 8)).convert("P"))
    save("grey16.png", Image.fromarray(picture(200, 100, 9)[..., 0].astype(np.uint16) * 257))
    portrait = Image.fromarray(picture(640, 480, 10))
    for orientation in range(2, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        save(f"exif{orientation}.jpg", portrait, exif=exif)
    return files


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[Path]:
    return write_images(tmp_path_factory.mktemp("native-images"))


@pytest.mark.parametrize("policy", ["relaxed", "llava-next", "internvl"])
def test_tiles_identical_to_python(host_build, images, policy, tmp_path):
    """Every float of every tile equals runtime/image.py's (the Pillow pipeline)."""
    cfg = TilerConfig(policy=policy, max_tiles=4)
    for image in images:
        expect = load_tiles(image, cfg)
        out = tmp_path / "tiles.bin"
        r = host_build.run("bluev-native-check", "tiles", str(image), json.dumps(cfg.to_dict()), str(out))
        assert r.returncode == 0, r.stderr
        plan = json.loads(r.stdout)
        assert plan["grid"] == list(expect.plan.grid), image.name
        got = np.fromfile(out, dtype=np.float32).reshape(expect.pixels.shape)
        np.testing.assert_array_equal(got, expect.pixels, err_msg=f"{policy} {image.name}")


def test_tiles_identical_on_arm64(arm64_build, images, tmp_path):
    cfg = TilerConfig(policy="relaxed", max_tiles=4)
    for image in images[:3]:
        out = tmp_path / "tiles.bin"
        r = arm64_build.run("bluev-native-check", "tiles", str(image), json.dumps(cfg.to_dict()), str(out))
        assert r.returncode == 0, r.stderr
        expect = load_tiles(image, cfg).pixels
        np.testing.assert_array_equal(np.fromfile(out, dtype=np.float32).reshape(expect.shape), expect)
