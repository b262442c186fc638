"""Decoupled image encoding: the answer is the same, and ask() only waits for what is left."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bluev.errors import BadInput
from bluev.runtime.pipeline import Pipeline
from bluev.runtime.sample import draw_sample
from bluev.runtime.session import Session


@pytest.fixture(scope="module")
def sample_png(tmp_path_factory) -> Path:  # noqa: ANN001
    path = tmp_path_factory.mktemp("session") / "sample.png"
    draw_sample().save(path)
    return path


@pytest.mark.slow
def test_session_answers_like_generate_and_hides_the_encoding(tiny_artifacts: Path, sample_png: Path) -> None:
    pipeline = Pipeline(tiny_artifacts)
    direct = pipeline.generate("What is in this picture?", sample_png, max_new_tokens=6)
    with Session(pipeline) as session:
        session.add_image(sample_png)
        time.sleep(direct.stats.image_encode_ms / 1000.0 * 3 + 0.2)  # the user is still typing
        answer = session.ask("What is in this picture?", max_new_tokens=6)
    assert answer.token_ids == direct.token_ids
    assert answer.stats.tiles == direct.stats.tiles > 1
    # the encoder finished while we "typed": ask() waited for (almost) nothing of it
    assert answer.stats.extra["image_wait_ms"] < direct.stats.image_encode_ms / 2
    assert answer.stats.ttft_ms < direct.stats.ttft_ms


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
    import torch

    from bluev.runtime.image import load_tiles
    from bluev.runtime.pipeline import Stats

    photo = tmp_path / "photo.jpg"
    draw_sample(2016, 1512).save(photo, quality=90)  # a phone-photo-sized picture, several tiles
    pipeline = Pipeline(tiny_artifacts)
    stats = [Stats(), Stats()]
    pipelined = pipeline.encode_image(photo, stats[0], pipelined=True)
    sequential = pipeline.encode_image(photo, stats[1], pipelined=False)
    reference = torch.cat(pipeline.encode_tiles(load_tiles(photo, pipeline.tiler_config()).pixels))
    assert stats[0].tiles == stats[1].tiles > 2
    assert pipelined.shape == sequential.shape == (1, *reference.shape)
    # the thumbnail runs as its own batch when pipelined: equal up to batch-size rounding
    torch.testing.assert_close(pipelined[0], reference, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(sequential[0], reference, rtol=0, atol=0)
