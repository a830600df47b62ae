"""Records AMI exchanges of the private Asterisk in the transcript format of the shared
recordings (``tests/ami/transcripts.py`` reads both), so fake-AMI tests replay real bytes.

The trunk transcripts in ``tests/ami/transcripts/`` were written by it: run
``RECORD_AMI_TRANSCRIPTS=1 ./scripts/test tests/integration/test_trunks.py`` and the tests record
each state they reach. Secrets are masked as in the shared recordings (``Secret: ***``, and the ``Password:`` that
AuthDetail events carry in clear).
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Sequence
from pathlib import Path

RULE = "=" * 78
TRANSCRIPTS = Path(__file__).resolve().parents[1] / "ami" / "transcripts"


def recording() -> bool:
    return bool(os.environ.get("RECORD_AMI_TRANSCRIPTS"))


# AuthDetail events (in PJSIPShowRegistrationsOutbound and PJSIPShowEndpoint) carry a userpass
# auth's password in clear.
_SECRET_LINE = re.compile(
    rb"(?m)^((?:Password|Md5Cred|Secret|PasswordDigest|OauthSecret|RefreshToken): )[^\r\n]+(?=\r\n)"
)


def mask(data: bytes) -> bytes:
    return _SECRET_LINE.sub(rb"\1***", data)


def _block(kind: str, data: bytes) -> str:
    data = mask(data)
    text = data.decode("utf-8").replace("\r\n", "\\r\\n\n")
    if not text.endswith("\n"):
        text += "\n"
    return f"----- {kind} ({len(data)} bytes) -----\n{text}"


def _action(name: str, headers: Sequence[tuple[str, str]], action_id: str) -> bytes:
    lines = [f"Action: {name}", *(f"{k}: {v}" for k, v in headers), f"ActionID: {action_id}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_until(sock: socket.socket, done: bytes, timeout: float) -> bytes:
    data = bytearray()
    deadline = time.monotonic() + timeout
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            if done in data and data.endswith(b"\r\n\r\n"):
                break
            continue
        if not chunk:
            break
        data += chunk
    return bytes(data)


def record(
    name: str,
    title: str,
    *,
    port: int,
    username: str,
    secret: str,
    actions: Sequence[tuple[str, Sequence[tuple[str, str]], bytes]],
) -> Path:
    """One session: log in with ``Events: off``, send each ``(action, headers, last bytes expected)``
    and write what Asterisk answered to ``tests/ami/transcripts/<name>``."""
    blocks: list[str] = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        blocks.append(_block("RECEIVED", _read_until(sock, b"\r\n", 5)))
        login = _action("Login", [("Username", username), ("Secret", secret), ("Events", "off")], "login-1")
        sock.sendall(login)
        blocks.append(_block("SENT", login))
        blocks.append(_block("RECEIVED", _read_until(sock, b"Authentication accepted", 5)))
        for index, (action, headers, until) in enumerate(actions, 1):
            raw = _action(action, headers, f"rec-{index}")
            sock.sendall(raw)
            blocks.append(_block("SENT", raw))
            blocks.append(_block("RECEIVED", _read_until(sock, until, 5)))
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    text = (
        f"{RULE}\n# AMI transcript: {title}  ({stamp})\n"
        f"# target 127.0.0.1:{port} user={username}; raw bytes, CRLF shown as \\r\\n + newline\n{RULE}\n"
        + "".join(blocks)
        + "\n"
    )
    TRANSCRIPTS.mkdir(parents=True, exist_ok=True)
    path = TRANSCRIPTS / name
    path.write_text(text, encoding="utf-8")
    return path
