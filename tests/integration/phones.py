"""Real softphones for the integration tests: Debian's baresip, driven through ``ctrl_tcp``.

Each phone has its own folder (``baresip -f DIR``) with a ``config`` on loopback ports of its own
and one account registering to the private Asterisk with the password our commands printed. It
answers automatically unless told not to. ``ctrl_tcp`` speaks netstrings (``LEN:JSON,``): commands
go out as ``{"command": ..., "params": ..., "token": ...}``, replies and events come back the same
way and are collected by a reader thread.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BARESIP = shutil.which("baresip") or "/usr/bin/baresip"
MODULE_PATH = "/usr/lib/baresip/modules"


def installed() -> bool:
    return Path(BARESIP).is_file() and Path(MODULE_PATH, "ctrl_tcp.so").is_file()


def _netstring(payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload).encode()
    return str(len(data)).encode() + b":" + data + b","


class Phone:
    """One baresip process with one account."""

    def __init__(
        self,
        root: Path,
        *,
        username: str,
        password: str,
        asterisk_sip: tuple[str, int],
        sip_port: int,
        ctrl_port: int,
        rtp_range: tuple[int, int],
        answer: str = "auto",
        also_answers: tuple[str, ...] = (),
    ) -> None:
        self.root = root
        self.username = username
        self.password = password
        self.asterisk_sip = asterisk_sip
        self.sip_port = sip_port
        self.ctrl_port = ctrl_port
        self.rtp_range = rtp_range
        self.answer = answer
        # Numbers it also takes calls to (baresip refuses a request URI of no account of its own): a
        # phone standing in for a provider receives the number as the route sent it.
        self.also_answers = also_answers
        self.process: subprocess.Popen[bytes] | None = None
        self.events: list[dict[str, Any]] = []
        self.replies: dict[str, dict[str, Any]] = {}
        self._changed = threading.Condition()
        self._control: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._tokens = 0

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> Phone:
        self.root.mkdir(parents=True, exist_ok=True)
        host, port = self.asterisk_sip
        (self.root / "config").write_text(
            "\n".join(
                [
                    f"sip_listen 127.0.0.1:{self.sip_port}",
                    "net_interface 127.0.0.1",
                    f"rtp_ports {self.rtp_range[0]}-{self.rtp_range[1]}",
                    "audio_source ausine,440",
                    "ausrc_srate 48000",
                    "auplay_srate 48000",
                    "ausrc_channels 2",
                    "audio_player aubridge,null",
                    "audio_alert aubridge,null",
                    f"module_path {MODULE_PATH}",
                    "module g711.so",
                    "module g722.so",
                    "module ausine.so",
                    "module aubridge.so",
                    "module_app account.so",
                    "module_app menu.so",
                    "module_app ctrl_tcp.so",
                    f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
                    "",
                ]
            )
        )
        (self.root / "accounts").write_text(
            f"<sip:{self.username}@{host}:{port};transport=udp>;auth_user={self.username};"
            f"auth_pass={self.password};answermode={self.answer};regint=120;mwi=no\n"
            + "".join(
                f"<sip:{number}@{host}:{port};transport=udp>;answermode={self.answer};regint=0;mwi=no\n"
                for number in self.also_answers
            )
        )
        log = (self.root / "baresip.log").open("ab")
        self.process = subprocess.Popen(
            [BARESIP, "-f", str(self.root), "-4"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()
        self._connect_control()
        return self

    def _connect_control(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._control = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=2)
                break
            except OSError:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"baresip exited with {self.process.returncode}; see {self.root}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self._control.settimeout(None)
        self._reader = threading.Thread(target=self._read, name=f"baresip-{self.username}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._control is not None
        buffer = b""
        while True:
            try:
                chunk = self._control.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b":" in buffer:
                length_text, _, rest = buffer.partition(b":")
                length = int(length_text)
                if len(rest) < length + 1:
                    break
                message = json.loads(rest[:length])
                buffer = rest[length + 1 :]
                with self._changed:
                    if message.get("event"):
                        self.events.append(message)
                    elif message.get("token"):
                        self.replies[message["token"]] = message
                    self._changed.notify_all()

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # baresip unregisters, then exits
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    # -- commands -----------------------------------------------------------------------------
    def command(self, command: str, params: str = "", timeout: float = 5) -> dict[str, Any]:
        assert self._control is not None
        self._tokens += 1
        token = f"t{self._tokens}"
        self._control.sendall(_netstring({"command": command, "params": params, "token": token}))
        with self._changed:
            if not self._changed.wait_for(lambda: token in self.replies, timeout):
                raise TimeoutError(f"baresip {self.username}: no reply to {command!r}")
            return self.replies.pop(token)

    def dial(self, number: str) -> dict[str, Any]:
        host, port = self.asterisk_sip
        return self.command("dial", f"sip:{number}@{host}:{port}")

    def hangup(self) -> dict[str, Any]:
        return self.command("hangup")

    def accept(self) -> dict[str, Any]:
        return self.command("accept")

    # -- events -------------------------------------------------------------------------------
    def wait_event(self, kind: str, timeout: float = 15, since: int = 0) -> dict[str, Any]:
        """The first event of type ``kind`` (e.g. REGISTER_OK, CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED)."""

        def found() -> dict[str, Any] | None:
            return next((e for e in self.events[since:] if e.get("type") == kind), None)

        with self._changed:
            self._changed.wait_for(lambda: found() is not None, timeout)
            event = found()
        if event is None:
            seen = [e.get("type") for e in self.events]
            raise TimeoutError(f"baresip {self.username}: no {kind} within {timeout} s (saw {seen})")
        return event

    def mark(self) -> int:
        """A position in the event list: pass it as ``since`` to wait only for later events."""
        with self._changed:
            return len(self.events)

    def has_event(self, kind: str, since: int = 0) -> bool:
        with self._changed:
            return any(e.get("type") == kind for e in self.events[since:])


def wait_until(predicate: Callable[[], Any], timeout: float = 10, interval: float = 0.1, what: str = "") -> Any:
    """Poll ``predicate`` until it returns something truthy; that value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(interval)
