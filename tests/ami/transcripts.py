"""Loader for the raw AMI transcripts in ``../shared/asterisk/ami`` (see its README.md).

Decoding rules implemented here (README, "Decoding"):

1. a block's body is the text between its ``----- KIND (N bytes) -----`` header and the
   next block header, session header or end of file;
2. the last block of a session loses the one trailing empty line the writer added;
3. every ``\\r\\n`` + newline becomes CRLF;
4. if the result is one byte longer than N and ends with ``\\n``, that ``\\n`` is dropped.

Every decoded block is checked against N. Tests use :func:`load_all` / :func:`load` and the
helpers below to pull real response and event bytes instead of typing them by hand.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPT_DIR = (REPO_ROOT / ".." / "shared" / "asterisk" / "ami").resolve()

_SESSION_RULE = "=" * 78
_BLOCK_HEADER = re.compile(r"^----- (SENT|RECEIVED|NOTE) \((\d+) bytes\) -----$")
_USER_RE = re.compile(r"user=([A-Za-z0-9_-]+)")


def transcripts_available() -> bool:
    return TRANSCRIPT_DIR.is_dir() and any(TRANSCRIPT_DIR.glob("*.txt"))


@dataclass(frozen=True)
class Block:
    kind: str  # SENT | RECEIVED | NOTE
    data: bytes


@dataclass
class Session:
    file: str
    title: str
    user: str
    blocks: list[Block] = field(default_factory=list)

    def received(self) -> bytes:
        return b"".join(block.data for block in self.blocks if block.kind == "RECEIVED")

    def messages(self) -> list[bytes]:
        """Raw bytes of every received message after the greeting, each ending in CRLF CRLF."""
        return split_messages(strip_greeting(self.received()))

    def exchanges(self) -> Iterator[tuple[bytes, list[bytes]]]:
        """``(sent action bytes, messages received until the next SENT)`` pairs."""
        current: bytes | None = None
        received = bytearray()
        for block in self.blocks:
            if block.kind == "SENT":
                if current is not None:
                    yield current, split_messages(bytes(received))
                current = block.data
                received = bytearray()
            elif block.kind == "RECEIVED" and current is not None:
                received += block.data
        if current is not None:
            yield current, split_messages(bytes(received))


def strip_greeting(data: bytes) -> bytes:
    if data.startswith(b"Asterisk Call Manager/"):
        return data[data.index(b"\r\n") + 2 :]
    return data


def split_messages(data: bytes) -> list[bytes]:
    parts = data.split(b"\r\n\r\n")
    assert parts[-1] == b"", "recorded data always ends on a message boundary"
    return [part + b"\r\n\r\n" for part in parts[:-1]]


def _decode_body(lines: list[str], size: int, last_in_session: bool) -> bytes:
    text = "\n".join(lines)
    if last_in_session and text.endswith("\n\n"):
        text = text[:-1]  # rule 2: the writer's trailing empty line
    data = text.replace("\\r\\n\n", "\r\n").encode("utf-8")
    if len(data) == size + 1 and data.endswith(b"\n"):
        data = data[:-1]
    if len(data) != size:
        raise ValueError(f"decoded {len(data)} bytes, header says {size}")
    return data


def parse_file(path: Path) -> list[Session]:
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file's final newline terminates the last line, it is not a line
    sessions: list[Session] = []
    index = 0
    while index < len(lines):
        if lines[index] != _SESSION_RULE:
            index += 1
            continue
        title = lines[index + 1]
        user_match = _USER_RE.search(lines[index + 2])
        session = Session(
            path.name, title.removeprefix("# AMI transcript: "), user_match.group(1) if user_match else ""
        )
        index += 4
        pending: list[tuple[str, int, list[str]]] = []
        while index < len(lines) and lines[index] != _SESSION_RULE:
            header = _BLOCK_HEADER.match(lines[index])
            if header:
                pending.append((header.group(1), int(header.group(2)), []))
            elif pending:
                pending[-1][2].append(lines[index])
            index += 1
        for position, (kind, size, body) in enumerate(pending):
            # Each body line was followed by "\n" in the file; rebuild that text exactly.
            try:
                data = _decode_body([*body, ""], size, position == len(pending) - 1)
            except ValueError as exc:
                raise ValueError(f"{path.name}: {kind} block {position}: {exc}") from None
            session.blocks.append(Block(kind, data))
        sessions.append(session)
    return sessions


@functools.cache
def load_all() -> dict[str, list[Session]]:
    return {path.name: parse_file(path) for path in sorted(TRANSCRIPT_DIR.glob("*.txt"))}


def load(prefix: str) -> list[Session]:
    """Sessions of the transcript whose name starts with ``prefix`` (e.g. ``"13"``)."""
    for name, sessions in load_all().items():
        if name.startswith(prefix):
            return sessions
    raise KeyError(prefix)


def parse_headers(raw: bytes) -> list[tuple[str, str]]:
    text = raw.decode("utf-8", "replace").removesuffix("\r\n\r\n")
    pairs = []
    for line in text.split("\r\n"):
        key, _, value = line.partition(": ")
        pairs.append((key, value))
    return pairs


def header(raw: bytes, key: str) -> str | None:
    for name, value in parse_headers(raw):
        if name.lower() == key.lower():
            return value
    return None


def find_message(predicate: Callable[[bytes], bool], prefix: str | None = None) -> bytes:
    """First received message (raw bytes) in any/one transcript matching ``predicate``."""
    for name, sessions in load_all().items():
        if prefix is not None and not name.startswith(prefix):
            continue
        for session in sessions:
            for raw in session.messages():
                if predicate(raw):
                    return raw
    raise LookupError("no transcript message matches")


def with_header(raw: bytes, key: str, value: str) -> bytes:
    """Replace the value of an existing header line in real bytes (ActionID, Uniqueid ...)."""
    pattern = re.compile(rb"(^|\r\n)(" + re.escape(key.encode()) + rb": )[^\r\n]*(?=\r\n)", re.IGNORECASE)
    replaced, count = pattern.subn(lambda m: m.group(1) + m.group(2) + value.encode(), raw, count=1)
    if not count:
        raise KeyError(key)
    return replaced
