"""`bluev bench adb`: the model on phones over USB, N warm-up + M measured runs, one report per phone.

Per device (several run in parallel, each on its own): discover -> push what changed -> run ->
thermal before/after -> report. A device that fails keeps what it measured, marked incomplete; the
command then exits 2 with one line naming each failed device and its reason.
"""

from __future__ import annotations

import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bluev.benchmarks.phone.adb import AdbConfig, Device, DeviceError, list_devices
from bluev.benchmarks.phone.device import discover, thermal_change, thermal_snapshot
from bluev.benchmarks.phone.options import AdbBenchOptions
from bluev.benchmarks.phone.push import (
    REMOTE_ROOT,
    ArtifactSet,
    LocalFile,
    push_artifacts,
    push_files,
    read_artifacts,
)
from bluev.benchmarks.phone.report import add_per_tile, paper_line, summarize, write_report
from bluev.benchmarks.phone.runners import (
    RESULT_SCHEMA,
    RunRequest,
    native_args,
    parse_native_output,
    parse_stock_output,
    run_app,
    run_binary,
    stock_args,
)
from bluev.errors import BadInput
from bluev.fileio import sha256_file
from bluev.runtime.text import TextCodec


def progress(serial: str, message: str) -> None:
    print(f"[{serial}] {message}", file=sys.stderr, flush=True)


def check_local(cfg: AdbBenchOptions) -> ArtifactSet:
    """Everything on this machine is checked before any phone is touched."""
    art = read_artifacts(cfg.artifacts)
    m = art.manifest
    if any(c.backend == "mediatek" for c in m.components.values()):
        # bluev-runner reads the static layout, but no build of it here links the NeuroPilot backend;
        # neither the stock runners nor the app drive the NPU programs (docs/mediatek.md)
        raise BadInput(
            f"{cfg.artifacts}: MediaTek NPU programs ({art.backend}); bench adb's runners have no NeuroPilot "
            "backend, and ExecuTorch's mtk_llama_executor_runner expects MediaTek's own export layout; "
            "see docs/mediatek.md"
        )
    if cfg.runner in ("native", "stock"):
        if cfg.runner_path is None or not cfg.runner_path.is_file():
            raise BadInput(f"{cfg.runner_path}: no such runner binary (--runner {cfg.runner} PATH)")
    if cfg.runner == "stock" and m.stock_runner is None:
        raise BadInput(
            f"{cfg.artifacts}: no stock_runner.pte (exported with --no-stock-runner); --runner stock needs it"
        )
    if cfg.runner == "app" and m.llm is not None and m.llm.layout != "dynamic":
        raise BadInput(
            f"{cfg.artifacts}: the {m.llm.layout} LLM layout: the app runs the dynamic one; "
            "use --runner native PATH (bluev-runner)"
        )
    if cfg.image is not None and not cfg.image.is_file():
        raise BadInput(f"{cfg.image}: no such image file")
    if cfg.image is not None and m.vision is None:
        raise BadInput(f"{cfg.image}: the {m.preset} artifacts are text-only (no vision encoder)")
    return art


def select_devices(cfg: AdbBenchOptions) -> list[str]:
    """The serials to run on: all ready devices, or the --serial ones, each of which must be ready."""
    entries = {e.serial: e for e in list_devices(AdbConfig(cfg.adb, cfg.adb_port))}
    if not entries:
        raise BadInput("no device attached (`adb devices` lists none): connect a phone with USB debugging on")
    wanted = list(cfg.serials) or list(entries)
    for serial in wanted:
        entry = entries.get(serial)
        if entry is None:
            raise BadInput(f"{serial}: not attached (`adb devices` lists {', '.join(entries)})")
        if entry.state == "unauthorized":
            raise BadInput(f"{serial}: unauthorized: accept the USB debugging prompt on the phone")
        if entry.state == "no permissions":
            raise BadInput(f"{serial}: no permissions: add a udev rule for the phone (see `adb devices`)")
        if entry.state != "device":
            raise BadInput(f"{serial}: {entry.state}: reconnect the cable or run `adb reconnect`")
    return wanted


def seq_len_for(art: ArtifactSet, cfg: AdbBenchOptions) -> int:
    """The stock runners' --seq_len is prompt + output tokens: count the prompt with our tokenizer."""
    m = art.manifest
    assert m.llm is not None  # read_artifacts refused vision-only sets
    chat = m.chat_template
    prompt = len(TextCodec(art.root / m.tokenizer.file).encode(chat.prefix + cfg.prompt + chat.suffix))
    image = m.vision.tokens_per_tile if cfg.image is not None and m.vision is not None else 0
    return min(m.llm.max_seq_len, prompt + image + cfg.max_new_tokens)


def local_file(path: Path, name: str) -> LocalFile:
    return LocalFile(name, path, sha256_file(path))


def measure(dev: Device, cfg: AdbBenchOptions, art: ArtifactSet, req: RunRequest, runs: list[dict]) -> None:
    """The warm-up and measured runs, appended to `runs` as they finish (so a failure keeps them)."""
    if cfg.runner == "app":
        result = run_app(dev, req, cfg.warmup, cfg.runs)
        runs.extend(add_per_tile(r) for r in result.get("runs", []))
        if result.get("error"):
            raise DeviceError(dev.serial, f"app: {result['error']}")
        return
    assert cfg.runner_path is not None
    bin_dir = f"{REMOTE_ROOT}/bin"
    push_files(dev, [local_file(cfg.runner_path, cfg.runner_path.name)], bin_dir, None)
    runner = f"{bin_dir}/{cfg.runner_path.name}"
    dev.check(f"chmod 755 {runner}")
    if cfg.runner == "native":
        args = native_args(req)
    else:
        args = stock_args(art.manifest, req, seq_len_for(art, cfg))
    for i in range(cfg.warmup + cfg.runs):
        if i and cfg.cooldown:
            time.sleep(cfg.cooldown)
        warm = i < cfg.warmup
        out = run_binary(dev, runner, args, req)
        if cfg.runner == "native":
            stats = parse_native_output(dev.serial, out)
        else:
            stats = parse_stock_output(dev.serial, out, req.image is not None)
        runs.append(add_per_tile({"warmup": warm, **stats}))
        label = "warm-up" if warm else f"run {i - cfg.warmup + 1}/{cfg.runs}"
        progress(
            dev.serial,
            f"{label}: decode {stats['decode_tok_s']} tok/s, prefill {stats['prefill_tok_s']} tok/s",
        )


def new_result(cfg: AdbBenchOptions, art: ArtifactSet, serial: str) -> dict:
    """The result file's skeleton, same schema as the app's result (bluev-bench-result/1) plus context."""
    return {
        "schema": RESULT_SCHEMA,
        "runner": cfg.runner,
        "backend": art.backend,
        "serial": serial,
        "device": None,
        "artifacts": {
            "local": str(cfg.artifacts),
            "remote": art.remote_dir,
            "manifest_sha256": art.manifest_sha256,
        },
        "config": {
            "prompt": cfg.prompt,
            "image": cfg.image.name if cfg.image else None,
            "warmup": cfg.warmup,
            "runs": cfg.runs,
            "max_new_tokens": cfg.max_new_tokens,
            "cooldown_s": cfg.cooldown,
        },
        "runs": [],
        "thermal": {},
        "error": None,
    }


def bench_device(cfg: AdbBenchOptions, art: ArtifactSet, serial: str) -> dict:
    """One phone, start to end; never raises for the phone's own failures (they go in `error`)."""
    dev = Device(AdbConfig(cfg.adb, cfg.adb_port), serial)
    tmp_dir = f"{REMOTE_ROOT}/tmp-{os.getpid()}-{re.sub(r'[^A-Za-z0-9_.-]', '_', serial)}"
    result = new_result(cfg, art, serial)
    try:
        progress(serial, "reading device properties")
        info = discover(dev, REMOTE_ROOT)
        result["device"] = info.to_dict()
        progress(serial, f"{info.model}, {info.soc}, Android {info.android}; pushing artifacts")
        result["artifacts"]["pushed"] = push_artifacts(dev, art, info.storage_free_mb)
        image = None
        if cfg.image is not None:  # a temp file: removed below, whatever happens
            image = f"{tmp_dir}/image{cfg.image.suffix}"
            push_files(dev, [local_file(cfg.image, "image" + cfg.image.suffix)], tmp_dir, None)
        req = RunRequest(art.remote_dir, cfg.prompt, image, cfg.max_new_tokens, cfg.timeout)
        measure(dev, cfg, art, req, result["runs"])
        result["thermal"] = thermal_change(info.thermal, thermal_snapshot(dev))
    except DeviceError as exc:
        result["error"] = exc.reason
        progress(serial, f"failed: {exc.reason}")
    finally:
        dev.remove(tmp_dir)
    result["partial"] = result["error"] is not None
    result["summary"] = summarize(result["runs"])
    result["paper"] = paper_line(result["summary"], (result["device"] or {}).get("soc", "unknown"))
    return result


def run_bench(cfg: AdbBenchOptions) -> list[dict]:
    """All devices in parallel; each result is written to cfg.out as it finishes."""
    art = check_local(cfg)
    serials = select_devices(cfg)

    def one(serial: str) -> dict:
        result = bench_device(cfg, art, serial)
        paths = write_report(cfg.out, result)
        progress(serial, f"report: {', '.join(str(p) for p in paths.values())}")
        return result

    with ThreadPoolExecutor(max_workers=len(serials)) as pool:
        return list(pool.map(one, serials))
