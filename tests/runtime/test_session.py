"""Decoupled image encoding: the answer is the same, and ask() only waits for what is left."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from bluev.errors import BadInput
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.image import load_tiles
from bluev.runtime.pipeline import Pipeline, Stats
from bluev.runtime.sample_picture import draw_sample
from bluev.runtime.session import Session


@pytest.fixture(scope="module")
def sample_png(tmp_path_factory) -> Path:  # noqa: ANN001
    path = tmp_path_factory.mktemp("session") / "sample.png"
    draw_sample().save(path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("image_encoder", ["inline", "process"])
def test_session_answers_like_generate_and_hides_the_encoding(
    tiny_artifacts: Path, sample_png: Path, image_encoder: str
) -> None:
    direct = Pipeline(tiny_artifacts).generate("What is in this picture?", sample_png, max_new_tokens=6)
    with Pipeline(tiny_artifacts, image_encoder=image_encoder) as pipeline, Session(pipeline) as session:
        session.add_image(sample_png)
        assert session.image_ready()  # encoded while the user was still typing
        answer = session.ask("What is in this picture?", max_new_tokens=6)
    assert answer.token_ids == direct.token_ids
    assert answer.stats.tiles == direct.stats.tiles > 1
    # the encoder finished before the question: ask() waited for (almost) nothing of it
    assert answer.stats.extra["image_wait_ms"] < direct.stats.image_encode_ms / 2


@pytest.mark.slow
def test_session_without_image_and_bad_image(tiny_artifacts: Path, tmp_path: Path) -> None:
    with Session(Pipeline(tiny_artifacts)) as session:
        assert session.ask("Hello", max_new_tokens=2).stats.tiles == 0
        bad = tmp_path / "not-an-image.png"
        bad.write_bytes(b"no picture here")
        session.add_image(bad)
        with pytest.raises(BadInput, match="not-an-image.png"):
            session.ask("Hello", max_new_tokens=2)


@pytest.mark.slow
def test_pipelined_tiles_encode_like_the_sequential_path(tiny_artifacts: Path, tmp_path: Path) -> None:
    """Tile k+1 prepared while tile k encodes: same embeddings as preparing every tile first."""
    photo = tmp_path / "photo.jpg"
    draw_sample(2016, 1512).save(photo, quality=90)  # a phone-photo-sized picture, several tiles
    pipeline = Pipeline(tiny_artifacts)
    reference = pipeline.encode_tiles(load_tiles(photo, pipeline.art.manifest.vision.tiler).pixels)
    stats = [Stats(), Stats(), Stats()]
    sequential = pipeline.encode_image(photo, stats[0], pipelined=False).embeds
    pipeline.use_image_encoder("process")
    in_child = pipeline.encode_image(photo, stats[1], pipelined=False).embeds
    pipelined = pipeline.encode_image(photo, stats[2], pipelined=True).embeds
    # a batch the programs refuse fails that request only; the child keeps serving
    with pytest.raises(BadInput, match="vision encoder"):
        pipeline.encode_tiles(np.zeros((1, 3, 5, 5), dtype=np.float32))
    again = pipeline.encode_image(photo, Stats(), pipelined=False).embeds
    pipeline.close()
    torch.testing.assert_close(again, in_child, rtol=0, atol=0)
    assert stats[0].tiles == stats[1].tiles == stats[2].tiles > 2
    assert pipelined.shape == sequential.shape == (1, *reference.shape)
    torch.testing.assert_close(sequential[0], reference, rtol=0, atol=0)
    # same programs, same thread count in the child
    torch.testing.assert_close(in_child[0], reference, rtol=1e-5, atol=1e-5)
    # the thumbnail runs as its own batch when pipelined: equal up to batch-size rounding
    torch.testing.assert_close(pipelined[0], reference, rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_encoder_process_reports_what_it_could_not_load(tiny_artifacts: Path, tmp_path: Path) -> None:
    """A program the child cannot load fails the Pipeline with the reason, not a dead pool later."""
    broken = tmp_path / "broken"
    shutil.copytree(tiny_artifacts, broken)
    (broken / "vision_encoder.pte").write_bytes(b"not a program")
    with pytest.raises(BadInput, match="could not load the vision programs"):
        Pipeline(open_artifacts(broken, verify=False), image_encoder="process")
