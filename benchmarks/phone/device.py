"""What a phone is and what state it is in: model, SoC, ABI, storage, RAM, battery, heat, clocks.

One `adb shell` call per snapshot (sections split by marker lines) keeps discovery quick.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from bluev.benchmarks.phone.adb import Device, DeviceError

# SoC model or board platform -> marketing name; the paper's phone is the Dimensity 9300
SOC_NAMES = {
    "MT6989": "MediaTek Dimensity 9300",
    "MT6991": "MediaTek Dimensity 9400",
    "MT6985": "MediaTek Dimensity 9200",
    "MT6983": "MediaTek Dimensity 9000",
    "MT6897": "MediaTek Dimensity 8300",
    "MT6896": "MediaTek Dimensity 8200",
    "SM8750": "Qualcomm Snapdragon 8 Elite",
    "SM8650": "Qualcomm Snapdragon 8 Gen 3",
    "SM8550": "Qualcomm Snapdragon 8 Gen 2",
    "SM8475": "Qualcomm Snapdragon 8+ Gen 1",
    "SM8450": "Qualcomm Snapdragon 8 Gen 1",
    # Qualcomm boards report a code name as ro.board.platform
    "SUN": "Qualcomm Snapdragon 8 Elite",
    "PINEAPPLE": "Qualcomm Snapdragon 8 Gen 3",
    "KALAMA": "Qualcomm Snapdragon 8 Gen 2",
    "TARO": "Qualcomm Snapdragon 8 Gen 1",
    "ZUMA": "Google Tensor G3",
    "GS201": "Google Tensor G2",
    "GS101": "Google Tensor",
}
PAPER_SOC = "MediaTek Dimensity 9300"
PROPS = {
    "model": "ro.product.model",
    "manufacturer": "ro.product.manufacturer",
    "soc_model": "ro.soc.model",
    "board_platform": "ro.board.platform",
    "abi": "ro.product.cpu.abi",
    "android": "ro.build.version.release",
    "sdk": "ro.build.version.sdk",
}
THERMAL_STATUS = ["none", "light", "moderate", "severe", "critical", "emergency", "shutdown"]

THERMAL_SCRIPT = (
    "echo @@thermal; dumpsys thermalservice 2>/dev/null | grep -i 'thermal status'; "
    "echo @@zones; for z in /sys/class/thermal/thermal_zone*; do "
    'echo "$(cat $z/type 2>/dev/null) $(cat $z/temp 2>/dev/null)"; done; '
    "echo @@freq; for c in /sys/devices/system/cpu/cpu[0-9]*; do "
    'echo "${c##*/} $(cat $c/cpufreq/scaling_cur_freq 2>/dev/null) '
    '$(cat $c/cpufreq/scaling_max_freq 2>/dev/null) $(cat $c/cpufreq/cpuinfo_max_freq 2>/dev/null)"; done'
)


def soc_name(soc_model: str, platform: str) -> str:
    for key in (soc_model.upper(), platform.upper()):
        if key in SOC_NAMES:
            return SOC_NAMES[key]
    return soc_model or platform or "unknown"


def sections(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("@@"):
            current = line[2:].strip()
            out[current] = []
        elif current:
            out[current].append(line.rstrip())
    return out


@dataclass
class Thermal:
    status: str = "unknown"  # Android's thermal status: none, light, moderate, severe, ...
    max_zone_c: float | None = None
    cpu_khz: dict[str, int] = field(default_factory=dict)  # scaling_cur_freq per core
    capped_cpus: list[str] = field(default_factory=list)  # scaling_max_freq below the hardware max

    @property
    def throttled(self) -> bool:
        return self.status not in ("unknown", "none") or bool(self.capped_cpus)


def parse_thermal(parts: dict[str, list[str]]) -> Thermal:
    t = Thermal()
    for line in parts.get("thermal", []):
        if m := re.search(r"status:?\s*(\d+)", line, re.IGNORECASE):
            level = int(m.group(1))
            t.status = THERMAL_STATUS[level] if level < len(THERMAL_STATUS) else str(level)
    temps = []
    for line in parts.get("zones", []):
        words = line.split()
        if words and re.fullmatch(r"-?\d+", words[-1]):
            milli = int(words[-1])
            temps.append(milli / 1000.0 if abs(milli) > 1000 else float(milli))
    t.max_zone_c = max(temps) if temps else None
    for line in parts.get("freq", []):
        words = line.split()
        if len(words) >= 2 and words[1].isdigit():
            t.cpu_khz[words[0]] = int(words[1])
        if len(words) >= 4 and words[2].isdigit() and words[3].isdigit() and int(words[2]) < int(words[3]):
            t.capped_cpus.append(words[0])
    return t


def thermal_snapshot(dev: Device) -> Thermal:
    return parse_thermal(sections(dev.check(THERMAL_SCRIPT, timeout=30)))


def thermal_change(before: Thermal, after: Thermal) -> dict:
    """Before and after the runs; throttled if Android reports a thermal status or clocks are capped."""
    return {
        "before_status": before.status,
        "after_status": after.status,
        "before_max_zone_c": before.max_zone_c,
        "after_max_zone_c": after.max_zone_c,
        "before_cpu_khz": before.cpu_khz,
        "after_cpu_khz": after.cpu_khz,
        "capped_cpus": after.capped_cpus,
        "throttled": after.throttled,
    }


@dataclass
class DeviceInfo:
    serial: str
    model: str
    manufacturer: str
    soc: str
    soc_model: str
    abi: str
    android: str
    sdk: str
    storage_free_mb: float | None
    ram_total_mb: float | None
    ram_available_mb: float | None
    battery: dict[str, str]
    thermal: Thermal

    def to_dict(self) -> dict:
        return asdict(self)


def _meminfo_mb(lines: list[str], key: str) -> float | None:
    for line in lines:
        if line.startswith(key + ":"):
            return round(int(line.split()[1]) / 1024.0, 1)
    return None


def _df_free_mb(lines: list[str]) -> float | None:
    """`df -k` output: the 'Available' column of the last row, in 1K blocks."""
    rows = [line.split() for line in lines if line.split() and line.split()[0] != "Filesystem"]
    if not rows or len(rows[-1]) < 4 or not rows[-1][3].isdigit():
        return None
    return round(int(rows[-1][3]) / 1024.0, 1)


def _battery(lines: list[str]) -> dict[str, str]:
    wanted = ("level", "temperature", "status", "AC powered", "USB powered")
    pairs = (line.strip().split(":", 1) for line in lines if ":" in line)
    return {k.strip(): v.strip() for k, v in pairs if k.strip() in wanted}


def discover(dev: Device, remote_root: str) -> DeviceInfo:
    """Everything the report says about the phone; refuses a phone that is not arm64-v8a."""
    props = "; ".join(f"echo @@{name}; getprop {prop}" for name, prop in PROPS.items())
    script = (
        f"{props}; echo @@df; df -k {remote_root} 2>/dev/null || df -k /data; "
        "echo @@meminfo; cat /proc/meminfo; echo @@battery; dumpsys battery 2>/dev/null; " + THERMAL_SCRIPT
    )
    parts = sections(dev.check(script, timeout=60))
    prop = {name: " ".join(parts.get(name, [])).strip() for name in PROPS}
    if prop["abi"] != "arm64-v8a":
        raise DeviceError(dev.serial, f"ABI is {prop['abi'] or 'unknown'}, bluev's runners need arm64-v8a")
    meminfo = parts.get("meminfo", [])
    battery = parts.get("battery", [])
    return DeviceInfo(
        serial=dev.serial,
        model=prop["model"],
        manufacturer=prop["manufacturer"],
        soc=soc_name(prop["soc_model"], prop["board_platform"]),
        soc_model=prop["soc_model"] or prop["board_platform"],
        abi=prop["abi"],
        android=prop["android"],
        sdk=prop["sdk"],
        storage_free_mb=_df_free_mb(parts.get("df", [])),
        ram_total_mb=_meminfo_mb(meminfo, "MemTotal"),
        ram_available_mb=_meminfo_mb(meminfo, "MemAvailable"),
        battery=_battery(battery),
        thermal=parse_thermal(parts),
    )
