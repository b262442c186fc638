"""The demo app's side of the benchmark contract, for the phone double: `am start` + result file.

Installed as the double's `am` command. `am start -W -n org.bluev.demo/.BenchmarkActivity --es
artifact_dir DIR --es prompt TEXT [--es image PATH] --ei warmup N --ei runs M --ei max_new_tokens K
--es result_name NAME.json` returns at once (as `am start -W` does once the activity is up) and a
background process runs bluev's host pipeline N + M times, then writes
$PHONE_ROOT/sdcard/Android/data/org.bluev.demo/files/bench/NAME.json atomically (temp + rename),
with the schema the app writes: {"schema", "runner": "app", "backend", "runs": [...], "error"}.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bluev.runtime.pipeline import Pipeline

COMPONENT = "org.bluev.demo/.BenchmarkActivity"


def parse_am(argv: list[str]) -> tuple[str, dict]:
    if argv[:2] != ["start", "-W"] or argv[2] != "-n":
        raise SystemExit(f"Error: unsupported am call {argv}")
    extras: dict = {}
    rest = argv[4:]
    for i in range(0, len(rest), 3):
        kind, key, value = rest[i : i + 3]
        extras[key] = int(value) if kind == "--ei" else value
    return argv[3], extras


def benchmark(extras: dict) -> None:
    """What BenchmarkActivity does, on bluev's host runtime."""
    out_dir = Path(os.environ["PHONE_ROOT"]) / "sdcard/Android/data/org.bluev.demo/files/bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict = {
        "schema": "bluev-bench-result/1",
        "runner": "app",
        "backend": None,
        "runs": [],
        "error": None,
    }
    try:
        pipeline = Pipeline(extras["artifact_dir"])
        result["backend"] = pipeline.art.manifest.components["llm"].backend
        for i in range(extras["warmup"] + extras["runs"]):
            gen = pipeline.generate(extras["prompt"], extras.get("image"), extras["max_new_tokens"])
            result["runs"].append({"warmup": i < extras["warmup"], **gen.stats.to_dict()})
    except Exception as exc:  # the app reports any failure in the result file
        result["error"] = f"{type(exc).__name__}: {exc}"
    tmp = out_dir / (extras["result_name"] + ".tmp")
    tmp.write_text(json.dumps(result))
    tmp.rename(out_dir / extras["result_name"])


def main(argv: list[str]) -> int:
    if argv[:1] == ["--run"]:
        benchmark(json.loads(argv[1]))
        return 0
    component, extras = parse_am(argv)
    if component != COMPONENT:
        print(f"Error: Activity class {{{component}}} does not exist.")
        return 1
    print(f"Starting: Intent {{ cmp={COMPONENT} (has extras) }}")
    subprocess.Popen(
        [sys.executable, __file__, "--run", json.dumps(extras)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    print("Status: ok\nLaunchState: COLD\nActivity: " + COMPONENT + "\nTotalTime: 12\nComplete")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
