"""The real `adb` client as a subprocess: list devices, run shell commands, push and pull files.

Everything goes through the user's own adb binary (and so its server), never a reimplementation,
so what works here works the same with `adb` typed by hand.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field

from bluev.errors import BadInput

EXIT_MARK = "__bluev_exit="


class DeviceError(Exception):
    """One device failed: the report names the device and the reason, and keeps what was measured."""

    def __init__(self, serial: str, reason: str) -> None:
        self.serial = serial
        self.reason = " ".join(reason.split())  # one line, whatever adb printed
        super().__init__(f"{serial}: {self.reason}")


@dataclass(frozen=True)
class AdbConfig:
    binary: str = "adb"
    port: int | None = None  # adb's -P: the server port (default 5037)

    def command(self) -> list[str]:
        path = shutil.which(self.binary)
        if path is None:
            raise BadInput(
                f"{self.binary}: adb not found (install Android platform-tools or Debian's adb, "
                "or pass --adb PATH)"
            )
        return [path] + (["-P", str(self.port)] if self.port else [])


@dataclass(frozen=True)
class DeviceEntry:
    serial: str
    state: str  # device, unauthorized, offline, ...
    details: dict[str, str] = field(default_factory=dict)  # model:, product:, transport_id: ...


def last_error_line(text: str) -> str:
    """The line that says why: adb's own `error:` line if there is one (push and pull print it
    on stdout before a summary line), else the last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("* ")]
    errors = [line for line in lines if re.match(r"(adb: )?error: ", line)]
    line = (errors or lines or ["adb failed with no message"])[-1]
    return re.sub(r"^(adb: )?error: ", "", line)


def list_devices(cfg: AdbConfig, timeout: float = 30.0) -> list[DeviceEntry]:
    """`adb devices -l`, parsed (it starts the adb server if none is running)."""
    try:
        r = subprocess.run(
            [*cfg.command(), "devices", "-l"],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BadInput(f"adb devices: no answer from the adb server in {timeout:.0f} s") from None
    if r.returncode != 0:
        raise BadInput(f"adb devices: {last_error_line(r.stderr + r.stdout)}")
    entries = []
    for line in r.stdout.splitlines():
        words = line.split()
        if len(words) < 2 or line.startswith(("List of devices", "* ")):
            continue
        state, rest = words[1], words[2:]
        if state == "no" and rest[:1] == ["permissions"]:  # Linux without udev rules for the phone
            state, rest = "no permissions", rest[1:]
        details = dict(w.split(":", 1) for w in rest if ":" in w and not w.startswith("("))
        entries.append(DeviceEntry(words[0], state, details))
    return entries


@dataclass
class Device:
    """One phone, addressed with `adb -s SERIAL`."""

    cfg: AdbConfig
    serial: str

    def _run(self, args: list[str], timeout: float) -> str:
        try:
            r = subprocess.run(
                [*self.cfg.command(), "-s", self.serial, *args],
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise DeviceError(self.serial, f"adb {args[0]} timed out after {timeout:.0f} s") from None
        if r.returncode != 0:
            raise DeviceError(self.serial, f"adb {args[0]}: {last_error_line(r.stdout + r.stderr)}")
        return r.stdout.replace("\r\n", "\n")  # a pty-backed `shell:` (old phones) sends CRLF

    def shell(self, command: str, timeout: float = 60.0) -> tuple[str, int]:
        """Run `command` in the device's shell; returns (output, exit status).

        The exit status is echoed by the command itself: adb's plain shell service (a device
        without the shell_v2 feature) always exits 0. No status line means the connection dropped.
        """
        out = self._run(["shell", f"{command}\ns=$?; echo; echo {EXIT_MARK}$s"], timeout)
        body, mark, status = out.rpartition(EXIT_MARK)
        if not mark:
            raise DeviceError(self.serial, "connection lost during `adb shell` (device unplugged?)")
        return body.rstrip("\n"), int(status.strip() or 1)

    def check(self, command: str, timeout: float = 60.0) -> str:
        out, status = self.shell(command, timeout)
        if status != 0:
            raise DeviceError(self.serial, f"`{command[:60]}` failed ({status}): {last_error_line(out)}")
        return out

    def push(self, local: str, remote: str) -> None:
        size_mb = os.path.getsize(local) / 2**20
        self._run(["push", local, remote], timeout=120 + size_mb / 5)  # slow USB 2 cables: ~5 MB/s

    def pull(self, remote: str, local: str, timeout: float = 120.0) -> None:
        self._run(["pull", remote, local], timeout)

    def remove(self, *paths: str) -> None:
        """Best-effort cleanup: a device that is gone has nothing left to clean."""
        try:
            self.shell("rm -rf " + " ".join(shlex.quote(p) for p in paths), timeout=30)
        except DeviceError:
            pass
