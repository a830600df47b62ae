"""Record an AMI session from a real Asterisk in the transcript format of ``../shared/asterisk/ami``.

Used to record ``tests/diagnostics/transcripts/*.txt`` from a private Asterisk (see
docs/decisions.md, "SQLite realtime"); not a test. Each action is sent in one write, then the
socket is read until it has been quiet for ``--quiet`` seconds and the buffer ends on a message
boundary. Login secrets are written as ``***`` (the byte count is that of the masked text).

    python -m tests.diagnostics.record_transcript --port 25038 --user admin --secret S \\
        --title "..." --out FILE 'Action: PJSIPShowEndpoints' 'Action: Command|Command: pjsip show transports'
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import time
from pathlib import Path

RULE = "=" * 78


def _encode(data: bytes) -> str:
    text = data.decode("utf-8").replace("\r\n", "\\r\\n\n")
    return text if text.endswith("\n") else text + "\n"


def _read_until_quiet(sock: socket.socket, quiet: float) -> bytes:
    received = bytearray()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        sock.settimeout(quiet)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            if not received or received.endswith(b"\r\n\r\n") or received == b"Asterisk Call Manager/11.0.0\r\n":
                break
            continue
        if not chunk:
            break
        received += chunk
    return bytes(received)


def record(host: str, port: int, user: str, secret: str, title: str, actions: list[str], quiet: float) -> str:
    blocks: list[tuple[str, bytes]] = []
    opened = dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
    with socket.create_connection((host, port), timeout=5) as sock:
        blocks.append(("RECEIVED", _read_until_quiet(sock, quiet)))
        login = [("Action", "Login"), ("Username", user), ("Secret", secret), ("Events", "off")]
        login.append(("ActionID", "login-1"))
        for number, action in enumerate([None, *actions]):
            headers = login if action is None else [tuple(line.split(": ", 1)) for line in action.split("|")]
            if action is not None:
                headers.append(("ActionID", f"rec-{number}"))
            wire = "".join(f"{key}: {value}\r\n" for key, value in headers) + "\r\n"
            sock.sendall(wire.encode())
            shown = wire.replace(f"Secret: {secret}\r\n", "Secret: ***\r\n") if action is None else wire
            blocks.append(("SENT", shown.encode()))
            blocks.append(("RECEIVED", _read_until_quiet(sock, quiet)))
    lines = [RULE, f"# AMI transcript: {title}  ({opened})", f"# target {host}:{port} user={user}; raw bytes,"]
    lines[-1] += " CRLF shown as \\r\\n + newline"
    lines.append(RULE)
    text = "\n".join(lines) + "\n"
    for kind, data in blocks:
        text += f"----- {kind} ({len(data)} bytes) -----\n" + (_encode(data) if data else "\n")
    return text + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--title", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quiet", type=float, default=0.5)
    parser.add_argument("actions", nargs="+", help="one action per argument, headers separated by |")
    args = parser.parse_args()
    args.out.write_text(record(args.host, args.port, args.user, args.secret, args.title, args.actions, args.quiet))


if __name__ == "__main__":
    main()
