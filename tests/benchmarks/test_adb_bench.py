"""`bluev bench adb` through Debian's real adb client: no phone, and a phone double on a loopback port.

The double (adb_double.py) plays the adb server; everything on our side is the shipped code path:
the CLI, the adb client binary, push by sha256, `adb shell` runs, pulls, reports.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from bluev.benchmarks.phone.adb import DeviceError
from bluev.benchmarks.phone.device import parse_thermal, sections, soc_name
from bluev.benchmarks.phone.runners import parse_native_output, parse_stock_output
from bluev.runtime.manifest import MANIFEST, read_manifest


def bench(bluev_cli, port: int, artifacts: Path, out: Path, *args: str, timeout: float = 300):
    return bluev_cli(
        "bench",
        "adb",
        "--artifacts",
        str(artifacts),
        "--adb-port",
        str(port),
        "--out",
        str(out),
        *args,
        timeout=timeout,
    )


def one_error_line(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2, r.stdout[-2000:] + r.stderr[-3000:]
    errors = [line for line in r.stderr.splitlines() if line.startswith("bluev: error: ")]
    assert len(errors) == 1 and "Traceback" not in r.stderr, r.stderr
    return errors[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- no phone: the real adb server of our own, on a private port -----------------------------


def test_no_device_is_a_clean_error(bluev_cli, private_adb_port, tiny_artifacts, tmp_path):
    r = bench(bluev_cli, private_adb_port, tiny_artifacts, tmp_path / "out", timeout=120)
    assert "no device attached" in one_error_line(r)
    assert r.stdout == "" and not (tmp_path / "out").exists()


def test_missing_adb_binary(bluev_cli, tiny_artifacts, tmp_path):
    r = bluev_cli("bench", "adb", "--artifacts", str(tiny_artifacts), "--adb", str(tmp_path / "no-adb"))
    line = one_error_line(r)
    assert "no-adb" in line and "adb not found" in line


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--runner", "native"], "--runner native PATH"),
        (["--runner", "app", "some_binary"], "--runner native PATH"),
        (["--runner", "native", "no_such_runner"], "no_such_runner: no such runner binary"),
        (["--image", "no_such.png"], "no_such.png: no such image file"),
    ],
)
def test_local_input_is_checked_first(bluev_cli, tiny_artifacts, tmp_path, args, needle):
    r = bluev_cli("bench", "adb", "--artifacts", str(tiny_artifacts), "--adb", "no-adb", *args, cwd=tmp_path)
    assert needle in one_error_line(r)


def test_bad_artifact_dir(bluev_cli, tmp_path):
    r = bluev_cli("bench", "adb", "--artifacts", str(tmp_path), "--adb", "no-adb")
    assert f"{tmp_path}/manifest.json: missing" in one_error_line(r)


# --- the phone double -------------------------------------------------------------------------


def test_stock_runner_full_flow_on_two_phones(
    bluev_cli, double, host_runner, tiny_artifacts, sample_image, tmp_path
):
    double.add_phone("SER2", **{"ro.soc.model": "SM8650", "ro.board.platform": "pineapple"})
    out = tmp_path / "out"
    args = ("--runner", "stock", str(host_runner), "--image", str(sample_image), "--warmup", "1")
    r = bench(
        bluev_cli, double.port, tiny_artifacts, out, *args, "--runs", "1", "--max-new-tokens", "6", "--json"
    )
    assert r.returncode == 0, r.stderr[-3000:]
    results = {res["serial"]: res for res in json.loads(r.stdout)}
    assert results["SER1"]["device"]["soc"] == "MediaTek Dimensity 9300"
    assert results["SER2"]["device"]["soc"] == "Qualcomm Snapdragon 8 Gen 3"
    manifest = read_manifest(tiny_artifacts / MANIFEST)
    for serial, res in results.items():
        assert res["schema"] == "bluev-bench-result/1" and res["error"] is None and not res["partial"]
        assert res["backend"] == "xnnpack" and res["device"]["abi"] == "arm64-v8a"
        assert [run["warmup"] for run in res["runs"]] == [True, False]
        for run in res["runs"]:  # parsed from the PyTorchObserver line the runner printed
            assert run["prefill_tokens"] > 196 and 1 <= run["decode_tokens"] <= 6
            assert run["decode_tok_s"] > 0 and run["prefill_tok_s"] > 0 and run["ttft_ms"] > 0
            assert run["peak_rss_mb"] > 50  # the runner's VmHWM, sampled on the "phone"
        assert set(res["summary"]) >= {"decode_tok_s", "prefill_tok_s", "ttft_ms", "peak_rss_mb"}
        assert "24.4 tok/s" in res["paper"]
        assert res["thermal"]["after_status"] == "none" and res["thermal"]["throttled"] is False
        # the artifacts are on the phone, byte for byte, in the manifest-hash folder
        remote = double.phones[serial].device_path(res["artifacts"]["remote"])
        assert remote.name == sha256(tiny_artifacts / "manifest.json")[:16]
        for comp in manifest.components.values():
            assert sha256(remote / comp.file) == comp.sha256
        assert sorted(p.name for p in remote.parent.iterdir()) == sorted([remote.name, "bin"])  # no tmp left
        with Image.open(out / f"{serial}.png") as png:
            assert png.format == "PNG"
        md = (out / f"{serial}.md").read_text()
        assert "| decode tok/s |" in md and "paper: 24.4" in md
        assert json.loads((out / f"{serial}.json").read_text())["runs"] == res["runs"]
    assert "on the same SoC" in results["SER1"]["paper"] and "not the paper's" in results["SER2"]["paper"]
    services = double.services
    assert "host:tport:serial:SER1" in services and "host:tport:serial:SER2" in services
    assert services.count("sync:") >= 2 * (len(manifest.components) + 3)  # + tokenizer, manifest, runner

    # a second run pushes nothing: every file's sha256 on the phone already matches
    r = bench(
        bluev_cli,
        double.port,
        tiny_artifacts,
        out,
        "--serial",
        "SER1",
        "--runner",
        "stock",
        str(host_runner),
        "--warmup",
        "0",
        "--runs",
        "1",
        "--max-new-tokens",
        "2",
        "--json",
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads(r.stdout)[0]["artifacts"]["pushed"] == []


@pytest.mark.parametrize(
    "fixture,image",
    [("tiny_quant_artifacts", True), ("tiny_static_artifacts", True), ("smollm2_artifacts", False)],
    ids=["image", "static-layout", "text"],
)
def test_bluev_runner_on_the_phone(
    bluev_cli, request, double, host_build, sample_image, tmp_path, fixture, image
):
    """`--runner native`: bluev-runner (the host build, run by the double's shell through the real adb
    client) on every kind of XNNPACK set; stats come from its `--stats-json` line."""
    artifacts = request.getfixturevalue(fixture)
    out = tmp_path / "out"
    args = ["--runner", "native", str(host_build.directory / "bluev-runner"), "--warmup", "1", "--runs", "2"]
    args += ["--image", str(sample_image)] if image else []
    r = bench(bluev_cli, double.port, artifacts, out, *args, "--max-new-tokens", "5", "--json")
    assert r.returncode == 0, r.stderr[-3000:]
    (res,) = json.loads(r.stdout)
    assert res["runner"] == "native" and res["error"] is None and res["backend"] == "xnnpack"
    assert [run["warmup"] for run in res["runs"]] == [True, False, False]
    for run in res["runs"]:
        assert run["decode_tokens"] >= 1 and run["decode_tok_s"] > 0 and run["prefill_tok_s"] > 0
        assert run["ttft_ms"] > 0 and run["peak_rss_mb"] > 20 and run["stop_reason"]
        if image:  # bluev-runner times the image encoding itself, per tile too
            assert run["tiles"] == 5 and run["image_encode_ms"] > 0 and run["image_encode_ms_per_tile"] > 0
            assert run["prefill_tokens"] > 5 * 196
    want = {"decode_tok_s", "prefill_tok_s", "ttft_ms", "peak_rss_mb"} | (
        {"image_encode_ms"} if image else set()
    )
    assert want <= set(res["summary"])
    md = (out / "SER1.md").read_text()
    assert "runner native" in md and "| decode tok/s |" in md
    assert ("| image encode ms |" in md) == image
    pushed = double.phones["SER1"].device_path("/data/local/tmp/bluev/bin/bluev-runner")
    assert pushed.read_bytes() == (host_build.directory / "bluev-runner").read_bytes()


def test_native_runner_without_a_stats_line(bluev_cli, double, tiny_artifacts, tmp_path, shell_runner):
    runner = shell_runner("echo 'an answer, and no stats'")
    r = bench(bluev_cli, double.port, tiny_artifacts, tmp_path / "out", "--runner", "native", str(runner))
    assert "SER1: bluev-runner's last line is not its --stats-json object" in one_error_line(r)


def test_static_layout_needs_bluev_runner(bluev_cli, tiny_static_artifacts, tmp_path, host_runner):
    r = bluev_cli("bench", "adb", "--artifacts", str(tiny_static_artifacts), "--adb", "no-adb")
    assert "the app runs the dynamic one; use --runner native PATH" in one_error_line(r)
    r = bluev_cli(
        "bench",
        "adb",
        "--artifacts",
        str(tiny_static_artifacts),
        "--adb",
        "no-adb",
        "--runner",
        "stock",
        str(host_runner),
    )
    assert "no stock_runner.pte" in one_error_line(r)


def test_app_runner_contract(bluev_cli, double, fake_app, tiny_artifacts, tmp_path):
    out = tmp_path / "out"
    r = bench(
        bluev_cli,
        double.port,
        tiny_artifacts,
        out,
        "--runner",
        "app",
        "--warmup",
        "1",
        "--runs",
        "2",
        "--max-new-tokens",
        "4",
        "--prompt",
        "What's in it?",
        "--timeout",
        "60",
    )
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads((out / "SER1.json").read_text())
    assert res["runner"] == "app" and res["error"] is None
    assert [run["warmup"] for run in res["runs"]] == [True, False, False]
    assert all(run["decode_tokens"] >= 1 and run["decode_tok_s"] > 0 for run in res["runs"])
    assert "| decode tok/s |" in r.stdout
    starts = [s for s in double.services if s.startswith("shell:am start")]
    assert len(starts) == 1 and "org.bluev.demo/.BenchmarkActivity" in starts[0]
    assert "--es prompt 'What'\"'\"'s in it?'" in starts[0] and "--ei runs 2" in starts[0]
    bench_dir = double.phones["SER1"].device_path("/sdcard/Android/data/org.bluev.demo/files/bench")
    assert list(bench_dir.iterdir()) == []  # pulled, then deleted


def test_app_error_is_reported(bluev_cli, double, fake_app, tiny_artifacts, tmp_path):
    """The app writes its own failure into the result file: 5 x 196 image tokens + a prompt of ~1100
    tokens are over tiny's 2048-token context (the prompt stays under adb's command size limit)."""
    image = tmp_path / "big.png"
    Image.new("RGB", (1536, 1536), (90, 140, 200)).save(image)
    out = tmp_path / "out"
    r = bench(
        bluev_cli,
        double.port,
        tiny_artifacts,
        out,
        "--prompt",
        "a " * 1100,
        "--image",
        str(image),
        "--timeout",
        "60",
    )
    line = one_error_line(r)
    assert "SER1: app: BadInput: prompt:" in line and "over the context of 2048" in line
    res = json.loads((out / "SER1.json").read_text())
    assert res["partial"] is True and res["runs"] == [] and res["summary"] == {}


@pytest.mark.parametrize(
    "state,needle",
    [("unauthorized", "SER9: unauthorized: accept the USB debugging prompt"), ("offline", "SER9: offline")],
)
def test_device_states(bluev_cli, double, tiny_artifacts, tmp_path, state, needle):
    double.add_phone("SER9", state=state)
    r = bench(bluev_cli, double.port, tiny_artifacts, tmp_path / "out", "--serial", "SER9")
    assert needle in one_error_line(r)


def test_serial_not_attached(bluev_cli, double, tiny_artifacts, tmp_path):
    r = bench(bluev_cli, double.port, tiny_artifacts, tmp_path / "out", "--serial", "NOPE")
    assert "NOPE: not attached (`adb devices` lists SER1)" in one_error_line(r)


def test_wrong_abi(bluev_cli, double, tiny_artifacts, tmp_path, host_runner):
    double.add_phone("X86", **{"ro.product.cpu.abi": "x86_64"})
    r = bench(
        bluev_cli,
        double.port,
        tiny_artifacts,
        tmp_path / "out",
        "--serial",
        "X86",
        "--runner",
        "native",
        str(host_runner),
    )
    assert "X86: ABI is x86_64, bluev's runners need arm64-v8a" in one_error_line(r)


def test_runner_crash_keeps_a_marked_result(bluev_cli, double, tiny_artifacts, tmp_path, shell_runner):
    runner = shell_runner('echo "loading model"; echo "Segmentation fault" >&2; exit 139')
    out = tmp_path / "out"
    r = bench(bluev_cli, double.port, tiny_artifacts, out, "--runner", "native", str(runner), "--warmup", "0")
    line = one_error_line(r)
    assert "SER1: runner exited with status 139: Segmentation fault" in line and str(out) in line
    res = json.loads((out / "SER1.json").read_text())
    assert res["partial"] is True and res["runs"] == [] and "139" in res["error"]
    assert "**incomplete**" in (out / "SER1.md").read_text()


def test_runner_hang_is_killed_after_timeout(bluev_cli, double, tiny_artifacts, tmp_path, shell_runner):
    runner = shell_runner("exec sleep 600")  # one process, like a real runner binary
    r = bench(
        bluev_cli,
        double.port,
        tiny_artifacts,
        tmp_path / "out",
        "--runner",
        "native",
        str(runner),
        "--warmup",
        "0",
        "--timeout",
        "3",
    )
    assert "SER1: runner timed out after 3 s (killed)" in one_error_line(r)
    phone = double.phones["SER1"]
    deadline = time.monotonic() + 10
    while phone.procs and time.monotonic() < deadline:  # the `kill` reaches the runner on the "phone"
        time.sleep(0.1)
    assert not phone.procs
    assert not list(phone.device_path("/data/local/tmp/bluev").glob("tmp-*"))


def test_full_disk(bluev_cli, double, tiny_artifacts, tmp_path):
    double.phones["SER1"].disk_full = True
    r = bench(bluev_cli, double.port, tiny_artifacts, tmp_path / "out")
    assert "SER1: adb push" in (line := one_error_line(r)) and "No space left on device" in line
    remote = double.phones["SER1"].device_path("/data/local/tmp/bluev")
    assert [p for p in remote.rglob("*") if p.is_file()] == []  # no half-pushed file left


def test_too_little_free_storage(bluev_cli, double, tiny_artifacts, tmp_path):
    (double.phones["SER1"].root / ".free_kb").write_text("1024")
    r = bench(bluev_cli, double.port, tiny_artifacts, tmp_path / "out")
    assert re.search(r"SER1: not enough free storage: \d+ MB to push, 1 MB free", one_error_line(r))
    assert "sync:" not in double.services


def test_unplug_mid_run_keeps_finished_runs(double, host_build, tiny_artifacts, tmp_path):
    out = tmp_path / "out"
    command = [
        str(Path(sys.executable).parent / "bluev"),
        "bench",
        "adb",
        "--artifacts",
        str(tiny_artifacts),
        "--adb-port",
        str(double.port),
        "--out",
        str(out),
        "--runner",
        "native",
        str(host_build.directory / "bluev-runner"),
        "--warmup",
        "0",
        "--runs",
        "3",
        "--max-new-tokens",
        "4",
    ]
    double.unplug_at("SER1", "__bluev_pid", 2)  # the second timed run's command
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300)
    line = one_error_line(proc)
    assert "SER1: connection lost while the runner ran" in line
    res = json.loads((out / "SER1.json").read_text())
    assert res["partial"] is True and len(res["runs"]) == 1 and res["runs"][0]["decode_tok_s"] > 0
    assert res["summary"]["decode_tok_s"]["median"] == res["runs"][0]["decode_tok_s"]


def test_throttling_is_reported(bluev_cli, double, tiny_artifacts, tmp_path, shell_runner):
    """A runner that only prints ExecuTorch's stats line; the phone heats up while it runs."""
    phone = double.phones["SER1"]
    cap = phone.device_path("/sys/devices/system/cpu/cpu7/cpufreq/scaling_max_freq")
    runner = shell_runner(
        f"printf '%s\\n' '{OBSERVER_LINE}'; echo 2 > {phone.root}/.thermal_status; echo 1800000 > {cap}"
    )
    out = tmp_path / "out"
    r = bench(
        bluev_cli,
        double.port,
        tiny_artifacts,
        out,
        "--runner",
        "stock",
        str(runner),
        "--runs",
        "2",
        "--cooldown",
        "0.2",
    )
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads((out / "SER1.json").read_text())
    assert res["thermal"]["before_status"] == "none" and res["thermal"]["after_status"] == "moderate"
    assert res["thermal"]["throttled"] is True and res["thermal"]["capped_cpus"] == ["cpu7"]
    assert res["summary"]["decode_tok_s"] == {"min": 25.0, "median": 25.0, "max": 25.0}
    assert "THROTTLED (capped: cpu7)" in (out / "SER1.md").read_text()
    assert "1.02x the paper" in res["paper"]


# --- parsers on real formats ------------------------------------------------------------------

# a line as ExecuTorch's print_report writes it (extension/llm/runner/stats.h), no GPU fields
OBSERVER_LINE = (
    'The answer is 42.PyTorchObserver {"prefill_token_per_sec":250,"decode_token_per_sec":25,'
    '"prompt_tokens":100,"generated_tokens":50,"model_load_start_ms":1000,"model_load_end_ms":3000,'
    '"inference_start_ms":4000,"inference_end_ms":6400,"model_execution_start_ms":4000,'
    '"model_execution_end_ms":6400,"prompt_eval_end_ms":4400,"first_token_ms":4410,'
    '"aggregate_sampling_time_ms":12,"aggregate_model_execution_time_ms":2300,'
    '"SCALING_FACTOR_UNITS_PER_SECOND":1000}'
)


def test_observer_line_to_stats():
    out = f"{OBSERVER_LINE}\n\n__bluev_hwm_kb=2097152\n__bluev_status=0\n"
    s = parse_stock_output("S", out, image=True)
    assert s["prefill_tok_s"] == 250.0 and s["decode_tok_s"] == 25.0 and s["ttft_ms"] == 410.0
    assert s["peak_rss_mb"] == 2048.0 and s["model_load_ms"] == 2000.0 and s["tiles"] == 1


def test_truncated_observer_line_is_a_device_error():
    with pytest.raises(DeviceError, match="S: unreadable PyTorchObserver stats line"):
        parse_stock_output("S", 'PyTorchObserver {"prompt_tokens":1}\n__bluev_status=0\n', image=False)


def test_soc_table_and_throttling():
    assert soc_name("MT6991", "mt6991") == "MediaTek Dimensity 9400"
    assert soc_name("", "sun") == "Qualcomm Snapdragon 8 Elite"
    assert soc_name("", "mt6985") == "MediaTek Dimensity 9200"
    hot = parse_thermal(sections("@@thermal\nThermal Status: 2\n@@freq\ncpu7 1200000 1800000 3250000\n"))
    assert hot.status == "moderate" and hot.capped_cpus == ["cpu7"] and hot.throttled


def test_native_stats_line_to_stats():
    """bluev-runner's last line (its --stats-json object) is the run; the sampled VmHWM caps memory."""
    line = (
        '{"decode_tok_s":24.5,"decode_tokens":63,"generated_tokens":64,"image_encode_ms":812.5,'
        '"peak_rss_mb":1500.2,"prefill_tok_s":310.0,"prefill_tokens":1016,"stop_reason":"max_new_tokens",'
        '"tiles":5,"ttft_ms":4100.0}'
    )
    out = f"The answer.\n{line}\n\n__bluev_hwm_kb=2097152\n__bluev_status=0\n"
    s = parse_native_output("S", out)
    assert s["decode_tok_s"] == 24.5 and s["image_encode_ms"] == 812.5 and s["tiles"] == 5
    assert s["peak_rss_mb"] == 2048.0  # the sampled VmHWM is the later reading
    text = parse_native_output("S", out.replace('"tiles":5', '"tiles":0'))
    assert text["image_encode_ms"] is None  # a text run has no image metric
    with pytest.raises(DeviceError, match="S: runner exited with status 2: bluev-runner: error: x.png"):
        parse_native_output("S", "bluev-runner: error: x.png: no such image file\n__bluev_status=2\n")
