"""`bluev export --backend vulkan` (phone GPU) on tiny: exports here, fully delegated; host refuses it."""

from __future__ import annotations

import pytest

from bluev.errors import BadInput
from bluev.runtime.artifacts import open_artifacts
from bluev.runtime.manifest import MANIFEST, read_manifest


def test_manifest_names_vulkan_and_everything_is_delegated(tiny_vulkan_artifacts):
    m = read_manifest(tiny_vulkan_artifacts / MANIFEST)
    assert m.backend == "vulkan"
    assert set(m.components) == {"vision_encoder", "projector", "llm"}
    for name, comp in m.components.items():
        assert comp.backend == "vulkan" and comp.quant == "float", name
        assert comp.delegated_ops > 0, name
        assert comp.delegated_ops == comp.total_ops, (name, comp.left_on_cpu)
    # Vulkan's delegate fails on a symbolic tile batch: the vision programs take a fixed one
    assert m.vision.fixed_batch is True
    pixels = m.components["vision_encoder"].methods["forward"].inputs[0]
    assert pixels.shape == [m.vision.max_batch, 3, 384, 384]


def test_summary_shows_backend_and_delegated_share(tiny_vulkan_artifacts):
    stdout = (tiny_vulkan_artifacts.parent / "tiny-vulkan.export.stdout").read_text()
    assert "delegated/total ops" in stdout
    assert "backend vulkan, quant float" in stdout
    llm = read_manifest(tiny_vulkan_artifacts / MANIFEST).components["llm"]
    assert f"{llm.delegated_ops}/{llm.total_ops}" in stdout


def test_host_refuses_it_with_the_reason(tiny_vulkan_artifacts):
    # in-process: what `bluev run` and `bench host` call first (the CLI prints it as one line, exit 2)
    with pytest.raises(
        BadInput, match="built for backend 'vulkan': this host's ExecuTorch runtime has no Vulkan"
    ):
        open_artifacts(tiny_vulkan_artifacts)
    assert open_artifacts(tiny_vulkan_artifacts, on_host=False).manifest.backend == "vulkan"  # phone push
