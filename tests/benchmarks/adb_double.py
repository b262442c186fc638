"""A phone double for the real `adb` client: it speaks the adb server's own socket protocol.

The real client (`adb -P PORT ...`) connects to a server on a loopback port and sends
length-prefixed requests (4 hex digits + text, adb's SERVICES.TXT); the server answers OKAY or
FAIL + a length-prefixed message. This double plays that server for fake phones:

- `host:version`, `host:devices[-l]`, `host:features` / `host-serial:S:features`,
  `host:tport:serial:S` / `host:transport:S` (the client's `-s S`) and `host:kill`;
- `shell:CMD` (we report no `shell_v2` feature, so the client uses the plain shell service): the
  command runs on this host under `sh`, with device paths (/data, /sdcard, /sys) mapped into a temp
  directory and `getprop`, `dumpsys`, `df` answered by small scripts for a fake MT6989 phone;
- `sync:` with STAT, SEND/DATA/DONE, RECV and QUIT (SYNC.TXT), on the same temp directory.

Faults a test can switch on: a device's state (`unauthorized`, `offline`), a full disk (SEND
answered with FAIL "No space left on device") and an unplug (the device vanishes, its open
connections drop and its shell commands are killed), now or the moment the phone's Nth shell command
containing a marker starts (`unplug_at`: a fault at a known point, not after a guessed sleep).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import socketserver
import stat
import struct
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

CLIENT_VERSION = 41  # what Debian's adb 29.0.6 client expects, else it restarts the server
DEVICE_DIRS = ("data", "sdcard", "sys", "storage")


@dataclass
class FakePhone:
    serial: str
    root: Path  # the phone's "/"
    state: str = "device"
    props: dict[str, str] = field(default_factory=dict)
    disk_full: bool = False
    transport_id: int = 1
    unplug_marker: str = ""  # with unplug_after: vanish when this many matching commands started
    unplug_after: int = 0
    conns: set[socket.socket] = field(default_factory=set)
    procs: set[subprocess.Popen] = field(default_factory=set)

    def device_path(self, path: str) -> Path:
        return self.root / path.lstrip("/")


def fake_props(model: str = "Pixel Double") -> dict[str, str]:
    return {
        "ro.product.model": model,
        "ro.product.manufacturer": "bluev",
        "ro.soc.manufacturer": "Mediatek",
        "ro.soc.model": "MT6989",
        "ro.board.platform": "mt6989",
        "ro.product.cpu.abi": "arm64-v8a",
        "ro.build.version.release": "14",
        "ro.build.version.sdk": "34",
    }


def _write_tools(bin_dir: Path) -> None:
    """getprop/dumpsys/df for the fake phone, reading the phone's files under $PHONE_ROOT."""
    scripts = {
        "getprop": 'f="$PHONE_ROOT/.props/$1"; [ -f "$f" ] && cat "$f"; echo\n',
        "dumpsys": (
            'case "$1" in\n'
            "battery) printf 'Current Battery Service state:\\n  AC powered: false\\n"
            "  USB powered: true\\n  level: 87\\n  temperature: 312\\n';;\n"
            "thermalservice) printf 'IsStatusOverride: false\\nThermal Status: %s\\n' "
            '"$(cat "$PHONE_ROOT/.thermal_status" 2>/dev/null || echo 0)";;\n'
            "esac\n"
        ),
        "df": (  # free space: $PHONE_ROOT/.free_kb if a test wrote one
            'free=$(cat "$PHONE_ROOT/.free_kb" 2>/dev/null || echo 130000000)\n'
            "printf 'Filesystem 1K-blocks Used Available Use%% Mounted on\\n"
            '/dev/block/dm-5 230000000 100000000 %s 44%% /data\\n\' "$free"\n'
        ),
    }
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)


def _populate(phone: FakePhone) -> None:
    (phone.root / "data/local/tmp").mkdir(parents=True, exist_ok=True)
    (phone.root / "sdcard/Android/data").mkdir(parents=True, exist_ok=True)
    props = phone.root / ".props"
    props.mkdir(exist_ok=True)
    for key, value in phone.props.items():
        (props / key).write_text(value)
    for cpu in range(8):
        freq = phone.root / f"sys/devices/system/cpu/cpu{cpu}/cpufreq"
        freq.mkdir(parents=True, exist_ok=True)
        (freq / "scaling_cur_freq").write_text("3250000\n" if cpu == 0 else "2850000\n")
        for name in ("cpuinfo_max_freq", "scaling_max_freq"):
            (freq / name).write_text("3250000\n" if cpu == 0 else "2850000\n")
    zone = phone.root / "sys/class/thermal/thermal_zone0"
    zone.mkdir(parents=True, exist_ok=True)
    (zone / "type").write_text("cpu-big\n")
    (zone / "temp").write_text("41000\n")


class AdbDouble:
    """The fake adb server; `with AdbDouble(tmp) as d: d.add_phone("SER1")`, then `adb -P d.port`."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.bin_dir = workdir / "bin"
        _write_tools(self.bin_dir)
        self.phones: dict[str, FakePhone] = {}
        self.services: list[str] = []  # every request, in order: what the real client sent
        self.lock = threading.Lock()
        double = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                double.serve(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> AdbDouble:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for serial in list(self.phones):
            self.unplug(serial)
        self.server.shutdown()
        self.server.server_close()

    # --- the fake phones ------------------------------------------------------------------

    def add_phone(self, serial: str, state: str = "device", **props: str) -> FakePhone:
        phone = FakePhone(serial, self.workdir / serial, state, {**fake_props(), **props})
        phone.transport_id = len(self.phones) + 1
        _populate(phone)
        self.phones[serial] = phone
        return phone

    def unplug(self, serial: str) -> None:
        with self.lock:
            phone = self.phones.pop(serial, None)
        if phone is None:
            return
        for proc in list(phone.procs):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for conn in list(phone.conns):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def unplug_at(self, serial: str, marker: str, nth: int) -> None:
        """Unplug `serial` the moment its `nth` shell command containing `marker` starts."""
        phone = self.phones[serial]
        phone.unplug_marker, phone.unplug_after = marker, nth

    # --- protocol -------------------------------------------------------------------------

    def serve(self, conn: socket.socket) -> None:
        phone: FakePhone | None = None
        try:
            while True:
                service = _read_request(conn)
                if service is None:
                    return
                self.services.append(service)
                if service.startswith(("shell:", "sync:", "exec:")):
                    if phone is None:
                        return _fail(conn, "no device selected")
                    conn.sendall(b"OKAY")
                    if service == "sync:":
                        return _sync(conn, phone)
                    return self.shell(conn, phone, service.split(":", 1)[1])
                reply = self.host_service(service)
                if isinstance(reply, FakePhone):  # a transport switch: the connection continues
                    phone = reply
                    phone.conns.add(conn)
                    conn.sendall(b"OKAY")
                    if service.startswith("host:tport:"):
                        conn.sendall(struct.pack("<Q", phone.transport_id))
                    continue
                return conn.sendall(reply)
        except (ConnectionError, OSError):
            return
        finally:
            if phone is not None:
                phone.conns.discard(conn)
            conn.close()

    def host_service(self, service: str) -> bytes | FakePhone:
        if service == "host:version":
            return b"OKAY" + _proto(f"{CLIENT_VERSION:04x}")
        if service in ("host:devices", "host:devices-l"):
            return b"OKAY" + _proto(self.device_list(long=service.endswith("-l")))
        if service == "host:kill":
            return b"OKAY"
        selected = re.fullmatch(r"host:(?:tport:serial:|transport:)(.+)", service)
        if service in ("host:tport:any", "host:transport-any") or service.startswith("host:features"):
            selected_serial = next(iter(self.phones), None)
        elif selected:
            selected_serial = selected.group(1)
        elif (m := re.fullmatch(r"host-serial:(.+):(features|get-state)", service)) is not None:
            selected_serial = m.group(1)
        else:
            return _failure(f"unknown host service {service!r}")
        phone = self.phones.get(selected_serial or "")
        if phone is None:
            return _failure(f"device '{selected_serial}' not found" if selected_serial else "no devices")
        if phone.state == "unauthorized":
            return _failure("device unauthorized.\nPlease check the confirmation dialog on your device.")
        if phone.state != "device":
            return _failure(f"device {phone.state}")
        if service.endswith(":features"):
            return b"OKAY" + _proto("cmd")  # no shell_v2: the client uses plain `shell:`
        if service.endswith(":get-state"):
            return b"OKAY" + _proto(phone.state)
        return phone

    def device_list(self, long: bool) -> str:
        lines = []
        for phone in self.phones.values():
            if not long:
                lines.append(f"{phone.serial}\t{phone.state}")
                continue
            model = phone.props["ro.product.model"].replace(" ", "_")
            extra = (
                f" product:double model:{model} device:double transport_id:{phone.transport_id}"
                if phone.state == "device"
                else f" transport_id:{phone.transport_id}"
            )
            lines.append(f"{phone.serial.ljust(22)} {phone.state}{extra}")
        return "".join(line + "\n" for line in lines)

    def shell(self, conn: socket.socket, phone: FakePhone, command: str) -> None:
        """Run a device shell command on this host, device paths mapped into the phone's root."""
        mapped = re.sub(rf"(?<![\w./-])/({'|'.join(DEVICE_DIRS)})(?=/|\b)", f"{phone.root}/\\1", command)
        env = {**os.environ, "PATH": f"{self.bin_dir}:{os.environ['PATH']}", "PHONE_ROOT": str(phone.root)}
        proc = subprocess.Popen(
            ["sh", "-c", mapped],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=phone.root,
            env=env,
            start_new_session=True,  # an unplug kills the whole command
        )
        phone.procs.add(proc)
        if phone.unplug_marker and phone.unplug_marker in command:
            phone.unplug_after -= 1
            if phone.unplug_after == 0:
                self.unplug(phone.serial)  # kills this command and drops this connection
        try:
            assert proc.stdout is not None
            for block in iter(lambda: proc.stdout.read1(65536), b""):  # type: ignore[union-attr]
                conn.sendall(block)
            proc.wait()
        finally:
            phone.procs.discard(proc)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# --- the wire format ----------------------------------------------------------------------


def _read_exact(conn: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        block = conn.recv(n - len(data))
        if not block:
            return None
        data += block
    return data


def _read_request(conn: socket.socket) -> str | None:
    head = _read_exact(conn, 4)
    if head is None:
        return None
    body = _read_exact(conn, int(head, 16))
    return None if body is None else body.decode()


def _proto(text: str) -> bytes:
    data = text.encode()
    return f"{len(data):04x}".encode() + data


def _failure(message: str) -> bytes:
    return b"FAIL" + _proto(message)


def _fail(conn: socket.socket, message: str) -> None:
    conn.sendall(_failure(message))


def _sync_msg(conn: socket.socket) -> tuple[bytes, int] | None:
    head = _read_exact(conn, 8)
    if head is None:
        return None
    return head[:4], struct.unpack("<I", head[4:])[0]


def _sync_fail(conn: socket.socket, message: str) -> None:
    data = message.encode()
    conn.sendall(b"FAIL" + struct.pack("<I", len(data)) + data)


def _sync(conn: socket.socket, phone: FakePhone) -> None:
    while (msg := _sync_msg(conn)) is not None:
        cmd, length = msg
        if cmd == b"QUIT":
            return
        path_text = (_read_exact(conn, length) or b"").decode()
        if cmd == b"STAT":
            path = phone.device_path(path_text)
            try:
                st = path.stat()
                conn.sendall(b"STAT" + struct.pack("<III", st.st_mode, st.st_size, int(st.st_mtime)))
            except OSError:
                conn.sendall(b"STAT" + struct.pack("<III", 0, 0, 0))
        elif cmd == b"RECV":
            _recv(conn, phone.device_path(path_text))
        elif cmd == b"SEND":
            _send(conn, phone, path_text)
        else:
            return _sync_fail(conn, f"unknown sync command {cmd!r}")


def _recv(conn: socket.socket, path: Path) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _sync_fail(conn, exc.strerror or str(exc))
    for first in range(0, len(data), 64 * 1024):
        block = data[first : first + 64 * 1024]
        conn.sendall(b"DATA" + struct.pack("<I", len(block)) + block)
    conn.sendall(b"DONE" + struct.pack("<I", 0))


def _send(conn: socket.socket, phone: FakePhone, spec: str) -> None:
    remote, _, mode_text = spec.rpartition(",")
    chunks = []
    while (msg := _sync_msg(conn)) is not None:
        cmd, length = msg
        if cmd == b"DATA":
            chunks.append(_read_exact(conn, length) or b"")
        elif cmd == b"DONE":
            break
        else:
            return _sync_fail(conn, f"unexpected {cmd!r} in SEND")
    if phone.disk_full:
        return _sync_fail(conn, f"write failed: No space left on device ({remote})")
    path = phone.device_path(remote)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(chunks))
    path.chmod(stat.S_IMODE(int(mode_text)) if mode_text.isdigit() else 0o644)  # decimal st_mode
    conn.sendall(b"OKAY" + struct.pack("<I", 0))
