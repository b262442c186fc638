"""Shared test helpers: run the installed `bluev` console script as a user would."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from bluev.export.builders import build
from bluev.export.hf_checkpoint import sha256_tree
from bluev.export.presets import TINY_SPEECH, get_preset
from bluev.export.speech.checkpoint import save_random_speech
from bluev.runtime import kernels
from bluev.runtime.manifest import MANIFEST, read_manifest
from bluev.runtime.sample_picture import draw_sample

BLUEV = Path(sys.executable).parent / "bluev"
REPO = Path(__file__).resolve().parents[1]


# The SmolLM2 export is the suite's longest job (minutes on 2 cores). Its own test file goes
# first, so one worker starts the export while the other runs the rest; the other files that
# use it go last, so no worker waits on the export's lock while there is other work.
# (The Makefile passes --no-loadscope-reorder: xdist would otherwise order files by test count.)
LONGEST_EXPORT = "smollm2_artifacts"
LONGEST_EXPORT_FIRST = "tests/export/test_smollm2.py"


def uses_longest_export(item: pytest.Item) -> bool:
    # by argument, or by name through a parametrized getfixturevalue
    params = getattr(getattr(item, "callspec", None), "params", {})
    named = LONGEST_EXPORT in getattr(item, "fixturenames", ())
    return named or any(LONGEST_EXPORT in str(value) for value in params.values())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    users = {item.nodeid.split("::")[0] for item in items if uses_longest_export(item)}

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return 0 if path == LONGEST_EXPORT_FIRST else 2 if path in users else 1

    items.sort(key=rank)


def run_bluev(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BLUEV), *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


@pytest.fixture
def bluev_cli():
    return run_bluev


@pytest.fixture(scope="session")
def bluev_cli_once():
    """`run_bluev` for session/module fixtures that run one command shared by several tests."""
    return run_bluev


def bluev_run_json(artifacts: Path, prompt: str, *extra: str) -> dict:
    """`bluev run --json` on an artifact directory; fails the test with stderr if it fails."""
    r = run_bluev("run", "--artifacts", str(artifacts), "--prompt", prompt, "--json", *extra)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


def load_pte(path: Path):  # noqa: ANN201  (an executorch.runtime Program)
    """A .pte loaded by ExecuTorch's runtime, with bluev's kernels (custom + quantized ops) registered,
    and with its data file when the manifest beside it names one (a tied table stored once)."""
    data = None
    if (path.parent / MANIFEST).is_file():
        named = [c for c in read_manifest(path.parent / MANIFEST).components.values() if c.file == path.name]
        data = path.parent / named[0].data.file if named and named[0].data is not None else None
    return kernels.load_program(path, data)


def assert_one_line_error(r: subprocess.CompletedProcess, *needles: str) -> None:
    """A refused CLI call: exit 2, one stderr line holding every needle, no traceback."""
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def one_line_error():
    return assert_one_line_error


@pytest.fixture
def run_json():
    return bluev_run_json


@pytest.fixture
def load_program():
    return load_pte


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def export_once(tmp_path_factory, key: str, preset: str, *extra: str) -> Path:
    """Export a preset through the real CLI once per test session, into a folder named `key`.

    The run's workers share one export (the first exports, the others wait on a lock). A developer
    may set BLUEV_TEST_CACHE=DIR to keep artifacts across sessions (delete DIR after changing export
    code); CI leaves it unset.
    """
    cache = os.environ.get("BLUEV_TEST_CACHE") or shared_run_dir(tmp_path_factory)
    Path(cache).mkdir(parents=True, exist_ok=True)
    # the suite's workers share the cache: the first one exports, the others wait for it
    with open(Path(cache) / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (Path(cache) / key / MANIFEST).is_file():
            assert_manifest_valid(Path(cache) / key)
            return Path(cache) / key
        return export_into(Path(cache), key, preset, *extra)


def shared_run_dir(tmp_path_factory) -> Path:
    """A folder all of this run's xdist workers see, so that each preset is exported once per run
    rather than once per worker (the session fixtures are per worker)."""
    base = tmp_path_factory.getbasetemp()
    # under xdist every worker's basetemp is <run>/popen-gwN; without it, basetemp is the run's own
    run = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return run / "shared-exports"


def export_into(base: Path, key: str, preset: str, *extra: str) -> Path:
    out = base / key
    r = run_bluev("export", "--preset", preset, "--out", str(out), *extra, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    assert_manifest_valid(out)
    (base / f"{key}.export.stdout").write_text(r.stdout)
    (base / f"{key}.export.stderr").write_text(r.stderr)
    return out


@pytest.fixture(scope="session")
def export_checkpoint(tmp_path_factory):
    """(checkpoint dir, key, flags) -> `bluev export --preset hf --checkpoint DIR` once per session.

    The key carries the checkpoint's hash, so a BLUEV_TEST_CACHE export is of this very
    checkpoint; the export's stdout is kept beside it as ``<out>.export.stdout``.
    """

    def export(checkpoint: Path, key: str, *extra: str) -> Path:
        key = f"{key}-{sha256_tree(checkpoint)[:12]}"
        return export_once(tmp_path_factory, key, "hf", "--checkpoint", str(checkpoint), *extra)

    return export


@pytest.fixture(scope="session")
def tiny_artifacts(tmp_path_factory) -> Path:
    """Float tiny artifacts: the graphs must match eager PyTorch to float precision.

    Without the speech component: speech_float_artifacts has the float speech programs."""
    only = ("--components", "llm,vision")
    return export_once(tmp_path_factory, "tiny-float", "tiny", "--quant", "float", *only)


@pytest.fixture(scope="session")
def tiny_quant_artifacts(tmp_path_factory) -> Path:
    """Tiny artifacts with the default recipe (what `make export` builds), plus --data-file: the
    tied table once, in llm.ptd (every other tiny set is the one-file default)."""
    return export_once(tmp_path_factory, "tiny", "tiny", "--data-file")


@pytest.fixture(scope="session")
def tiny_vulkan_artifacts(tmp_path_factory) -> Path:
    """Tiny for the phone GPU (float, the Vulkan default); no stock bundle, to keep the test short."""
    return export_once(
        tmp_path_factory,
        "tiny-vulkan",
        "tiny",
        "--backend",
        "vulkan",
        "--no-stock-runner",
        "--components",
        "llm,vision",  # the speech programs are XNNPACK's whatever the set's backend: tested on tiny
    )


@pytest.fixture(scope="session")
def smollm2_artifacts(tmp_path_factory) -> Path:
    """SmolLM2-135M with the default recipe (4-bit LLM, 8-bit embeddings)."""
    # no stock bundle: it lowers the whole LLM a second time (~13 of the suite's CPU-minutes);
    # tests/export/test_stock_text_runner.py checks the text stock runner on tiny_text_artifacts
    # its default stores the tied table once (llm.ptd): test_smollm2.py checks the <= 98 MB program
    return export_once(tmp_path_factory, "smollm2", "smollm2", "--no-stock-runner")


@pytest.fixture(scope="session")
def tiny_text_artifacts(tmp_path_factory) -> Path:
    """Tiny's LLM alone, float, with the text-only stock bundle (ExecuTorch's TextLLMRunner)."""
    return export_once(tmp_path_factory, "tiny-text", "tiny", "--components", "llm", "--quant", "float")


@pytest.fixture(scope="session")
def speech_checkpoint(tmp_path_factory) -> Path:
    """A tiny random Whisper checkpoint saved by transformers (safetensors, feature extractor, tokenizer)."""
    return save_random_speech(TINY_SPEECH, tmp_path_factory.mktemp("whisper") / "ckpt", seed=7)


@pytest.fixture(scope="session")
def speech_float_artifacts(tmp_path_factory, speech_checkpoint) -> Path:
    """That checkpoint's speech programs in float beside tiny's LLM (no vision, no stock runner: short)."""
    return export_once(
        tmp_path_factory,
        "tiny-speech-float",
        "tiny",
        "--speech-checkpoint",
        str(speech_checkpoint),
        "--components",
        "llm,speech",
        "--quant",
        "float",
        "--no-stock-runner",
    )


@pytest.fixture(scope="session")
def tiny_int8_kv_artifacts(tmp_path_factory) -> Path:
    """Float tiny LLM alone with an 8-bit KV cache: the cache's own error, nothing else."""
    extra = ("--quant", "float", "--kv-cache", "int8", "--components", "llm", "--no-stock-runner")
    return export_once(tmp_path_factory, "tiny-int8-kv", "tiny", *extra)


@pytest.fixture(scope="session")
def tiny_model():
    return build(get_preset("tiny"))


@pytest.fixture(scope="session")
def sample_image(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("images") / "sample.png"
    draw_sample().save(path)
    return path


@pytest.fixture(scope="session")
def tiny_static_artifacts(tmp_path_factory) -> Path:
    """Tiny, float, with the NPU's static LLM layout lowered to XNNPACK (bluev-runner runs it)."""
    static = ("--llm-layout", "static", "--no-stock-runner")
    return export_once(tmp_path_factory, "tiny-static", "tiny", "--quant", "float", *static)


# --- bluev-runner (runtime/native), built by the Makefile once per session -------------------

RUNNER_BUILD = REPO / os.environ.get("BLUEV_RUNNER_BUILD", "build/native")
QEMU_ARM64 = REPO / "runtime" / "native" / "tools" / "qemu-arm64"


@dataclass(frozen=True)
class NativeBuild:
    """One build of the runner and its check tool, and how to start them (natively or under qemu)."""

    name: str
    directory: Path
    prefix: tuple[str, ...] = ()

    def command(self, tool: str, *args: str) -> list[str]:
        return [*self.prefix, str(self.directory / tool), *args]

    def run(self, tool: str, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(tool, *args), capture_output=True, text=True, timeout=timeout, check=False
        )


def make(target: str) -> None:
    """`make TARGET`: a no-op when the build is current (CMake builds incrementally)."""
    r = subprocess.run(["make", "--no-print-directory", target], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-3000:])


@pytest.fixture(scope="session")
def host_build() -> NativeBuild:
    make("runner")
    return NativeBuild("x86-64", RUNNER_BUILD / "host")


@pytest.fixture(scope="session")
def arm64_build() -> NativeBuild:
    make("runner-arm64-build")
    return NativeBuild("aarch64 (qemu)", RUNNER_BUILD / "arm64", (str(QEMU_ARM64),))


SCHEMA = REPO / "docs" / "manifest.schema.json"


def assert_manifest_valid(artifacts: Path) -> None:
    """Every manifest the suite exports follows the checked-in schema (docs/manifest.schema.json)."""
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(json.loads((artifacts / MANIFEST).read_text()), schema)


@pytest.fixture
def manifest_valid():
    """For tests that export on their own: check the manifest against the checked-in schema."""
    return assert_manifest_valid
