"""The ways to run the model on a phone, each giving runs in the `bluev run --json` stats form.

- native: bluev-runner (runtime/native, built for the phone) started with `adb shell`; it prints
  `bluev run --json`'s stats as its last stdout line (`--stats-json`), image encoding included.
- stock: an ExecuTorch runner binary (llama_main / llava_main built with the NDK) on
  `stock_runner.pte`; its `PyTorchObserver {...}` stats line is parsed.
- app: the demo app's BenchmarkActivity, started with `am start` and intent extras; it writes one
  result file that we poll for, pull and delete.

For both binaries a shell loop samples the process's VmHWM (peak resident memory) from /proc
while it runs.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bluev.benchmarks.phone.adb import Device, DeviceError, last_error_line
from bluev.runtime.manifest import Manifest

RESULT_SCHEMA = "bluev-bench-result/1"
APP_PACKAGE = "org.bluev.demo"
APP_ACTIVITY = f"{APP_PACKAGE}/.BenchmarkActivity"
APP_RESULT_DIR = f"/sdcard/Android/data/{APP_PACKAGE}/files/bench"
OBSERVER = re.compile(r"PyTorchObserver (\{.*\})")


@dataclass(frozen=True)
class RunRequest:
    remote_dir: str  # the artifact folder on the phone
    prompt: str  # the user's prompt, without the chat template
    image: str | None  # remote image path
    max_new_tokens: int
    timeout: float  # seconds per run


def stats_from_observer(observer: dict, hwm_kb: int, image: bool) -> dict:
    """ExecuTorch's Stats (milliseconds since an epoch) -> bluev's per-run stats.

    ExecuTorch's runners report no separate image-encoding time (it is inside the prompt
    evaluation), so image_encode_ms is None for them.
    """
    start = observer["inference_start_ms"]
    prefill_ms = observer["prompt_eval_end_ms"] - start
    decode_ms = observer["inference_end_ms"] - observer["prompt_eval_end_ms"]
    rate = lambda n, ms: round(n * 1000.0 / ms, 2) if ms > 0 else 0.0  # noqa: E731
    return {
        "tiles": 1 if image else 0,  # the stock runners take one 384x384 image, no tiling
        "image_encode_ms": None,
        "prefill_tokens": observer["prompt_tokens"],
        "prefill_tok_s": rate(observer["prompt_tokens"], prefill_ms),
        "decode_tokens": observer["generated_tokens"],
        "decode_tok_s": rate(observer["generated_tokens"], decode_ms),
        "ttft_ms": float(observer["first_token_ms"] - start),
        "peak_rss_mb": round(hwm_kb / 1024.0, 1) if hwm_kb else None,  # 0: exited before a sample
        "stop_reason": "not_reported",
        "model_load_ms": float(observer["model_load_end_ms"] - observer["model_load_start_ms"]),
    }


def run_status(serial: str, out: str) -> tuple[str, dict[str, str]]:
    """The runner's own output without our wrapper's markers, and the markers; DeviceError on failure."""
    marks = dict(re.findall(r"^__bluev_(\w+)=(-?\d+)$", out, re.MULTILINE))
    text = re.sub(r"^__bluev_\w+=.*$\n?", "", out, flags=re.MULTILINE)
    status = int(marks.get("status", -1))
    if status != 0:
        raise DeviceError(serial, f"runner exited with status {status}: {last_error_line(text)}")
    return text, marks


def parse_stock_output(serial: str, out: str, image: bool) -> dict:
    """An ExecuTorch runner's output plus our wrapper's markers -> one run's stats, or a DeviceError."""
    text, marks = run_status(serial, out)
    found = OBSERVER.findall(text)
    if not found:
        raise DeviceError(serial, "runner printed no `PyTorchObserver {...}` stats line")
    try:
        return stats_from_observer(json.loads(found[-1]), int(marks.get("hwm_kb", 0)), image)
    except (ValueError, KeyError, TypeError) as exc:
        raise DeviceError(serial, f"unreadable PyTorchObserver stats line ({exc!r})") from None


NATIVE_KEYS = ("tiles", "image_encode_ms", "prefill_tokens", "prefill_tok_s", "decode_tokens", "decode_tok_s")


def parse_native_output(serial: str, out: str) -> dict:
    """bluev-runner's output: the answer, then its `--stats-json` object as the last line."""
    text, marks = run_status(serial, out)
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        stats = json.loads(lines[-1]) if lines else None
    except ValueError:
        stats = None
    if not isinstance(stats, dict) or not set(NATIVE_KEYS) <= set(stats):
        last = lines[-1][:80] if lines else "nothing"
        raise DeviceError(serial, f"bluev-runner's last line is not its --stats-json object (got {last!r})")
    if not stats.get("tiles"):  # a text run encodes no image: no image metric in the report
        stats["image_encode_ms"] = None
    hwm_mb = round(int(marks.get("hwm_kb", 0)) / 1024.0, 1)
    # the runner reads its own VmHWM at the end; the sampled one can only be later or equal
    stats["peak_rss_mb"] = max(float(stats.get("peak_rss_mb") or 0.0), hwm_mb) or None
    return stats


def native_command(runner: str, args: list[str], cwd: str) -> str:
    """Start the runner in the background, sample its VmHWM until it exits, print markers."""
    line = " ".join(shlex.quote(a) for a in [runner, *args])
    return (
        f"cd {shlex.quote(cwd)} || exit 97; {line} 2>&1 & p=$!; echo __bluev_pid=$p; hwm=0; "
        "while kill -0 $p 2>/dev/null; do "
        "v=$(grep VmHWM /proc/$p/status 2>/dev/null | tr -dc 0-9); "
        '[ -n "$v" ] && hwm=$v; sleep 0.1; done; '
        "wait $p; s=$?; echo; echo __bluev_hwm_kb=$hwm; echo __bluev_status=$s"
    )


def run_binary(dev: Device, runner: str, args: list[str], req: RunRequest) -> str:
    """One run of a runner binary, its output and our markers; a hang is killed on the phone after
    `req.timeout` seconds."""
    command = native_command(runner, args, req.remote_dir)
    try:
        r = subprocess.run(
            [*dev.cfg.command(), "-s", dev.serial, "shell", command],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=req.timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        if pid := re.search(r"^__bluev_pid=(\d+)$", partial, re.MULTILINE):
            try:
                # children first: a runner started through a script must not leave them behind
                dev.shell(f"pkill -9 -P {pid.group(1)}; kill -9 {pid.group(1)}", timeout=30)
            except DeviceError:
                pass
        raise DeviceError(dev.serial, f"runner timed out after {req.timeout:.0f} s (killed)") from None
    r.stdout = r.stdout.replace("\r\n", "\n")  # a pty-backed `shell:` (old phones) sends CRLF
    if "__bluev_status=" not in r.stdout:
        why = last_error_line(r.stderr) if r.stderr.strip() else "device unplugged?"
        raise DeviceError(dev.serial, f"connection lost while the runner ran ({why})")
    return r.stdout + r.stderr


def native_args(req: RunRequest) -> list[str]:
    """bluev-runner's flags: the manifest in the artifact folder tells it everything else."""
    args = ["--artifacts", req.remote_dir, "--prompt", req.prompt]
    args += ["--max-new-tokens", str(req.max_new_tokens)]
    if req.image is not None:
        # Loaded up front as the stock llava_main loads its program before its clock starts, so
        # both TTFTs time the same work (without it the LLM's load would be inside ours).
        args += ["--image", req.image, "--preload-llm"]
    return [*args, "--stats-json"]


def stock_args(manifest: Manifest, req: RunRequest, seq_len: int) -> list[str]:
    """The flags llama_main and llava_main both understand (gflags `--name=value`)."""
    stock, chat = manifest.stock_runner, manifest.chat_template
    assert stock is not None  # check_local refused a set without the stock bundle
    args = [
        f"--model_path={req.remote_dir}/{stock.file}",
        f"--tokenizer_path={req.remote_dir}/{manifest.tokenizer.file}",
        f"--prompt={chat.prefix}{req.prompt}{chat.suffix}",
        "--temperature=0",
        f"--seq_len={seq_len}",
    ]
    if req.image is not None:
        args.append(f"--image_path={req.image}")
    return args


# --- the demo app -------------------------------------------------------------------------


def app_start_command(req: RunRequest, warmup: int, runs: int, result_name: str) -> str:
    """The contract with the app's BenchmarkActivity (android_app/): do not change one side alone."""
    extras = ["--es", "artifact_dir", req.remote_dir, "--es", "prompt", req.prompt]
    if req.image is not None:
        extras += ["--es", "image", req.image]
    extras += ["--ei", "warmup", str(warmup), "--ei", "runs", str(runs)]
    extras += ["--ei", "max_new_tokens", str(req.max_new_tokens), "--es", "result_name", result_name]
    return " ".join(shlex.quote(a) for a in ["am", "start", "-W", "-n", APP_ACTIVITY, *extras])


def run_app(dev: Device, req: RunRequest, warmup: int, runs: int, poll_s: float = 1.0) -> dict:
    """Start the app's benchmark, wait for its result file, pull it, delete it; returns the result."""
    name = f"bench-{int(time.time() * 1000)}.json"
    remote = f"{APP_RESULT_DIR}/{name}"
    out = dev.check(app_start_command(req, warmup, runs, name), timeout=120)
    if "Error" in out:
        raise DeviceError(dev.serial, f"am start: {last_error_line(out)} (is the bluev demo app installed?)")
    budget = req.timeout * (warmup + runs)  # the app runs them all in one go
    deadline = time.monotonic() + budget
    try:
        while True:
            _, status = dev.shell(f"test -f {shlex.quote(remote)}", timeout=30)
            if status == 0:
                break
            if time.monotonic() > deadline:
                raise DeviceError(dev.serial, f"app wrote no result in {budget:.0f} s ({name})")
            time.sleep(poll_s)
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / name
            dev.pull(remote, str(local))
            try:
                result = json.loads(local.read_text())
            except ValueError as exc:
                raise DeviceError(dev.serial, f"app result {name} is not JSON ({exc})") from None
    finally:
        dev.remove(remote)
    if not isinstance(result, dict) or result.get("schema") != RESULT_SCHEMA:
        raise DeviceError(dev.serial, f"app result {name} is not {RESULT_SCHEMA}")
    return result
