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
