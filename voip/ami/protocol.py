"""Sans-IO core of the Asterisk Manager Interface: parser, message type, serializer.

Nothing here touches sockets or asyncio; :mod:`voip.ami.client` and :mod:`voip.ami.aio`
feed received bytes into :class:`AMIParser` and write what :func:`serialize_action` returns.

Wire format, as recorded from Asterisk 22.10.1 (the AMI transcripts the tests replay):

* the greeting ``Asterisk Call Manager/11.0.0\\r\\n`` ends with ONE CRLF, no blank line;
* every other message is ``Key: Value\\r\\n`` lines closed by an empty line (``\\r\\n``);
* keys repeat (``Output``, ``Variable``, ``ChanVariable``), empty values keep the space
  (``Key: \\r\\n``), two PJSIP errors carry a bare LF at the end of ``Message`` (transcript
  20-listings-during-call-channels-endpoint-contacts-devicestate.txt,
  22) and GetConfig may answer a colon-less line ``No categories found`` (transcript
  25-getconfig-pjsip-manager-crm-refused.txt).

Values are kept verbatim (a trailing bare LF stays in the value); colon-less lines go to
:attr:`Message.extra_lines`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any

from .errors import AMIInjectionError, AMIProtocolError

__all__ = [
    "AMI_GREETING_PREFIX",
    "MAX_HEADERS",
    "MAX_LINE_BYTES",
    "MAX_RECEIVED_HEADERS",
    "AMIParser",
    "EventListCollector",
    "EventListResult",
    "HeaderValue",
    "Message",
    "challenge_key",
    "serialize_action",
]

AMI_GREETING_PREFIX = "Asterisk Call Manager/"
# manager.c reads each line into a 1,025-byte buffer (1,024 usable) and discards longer
# lines; CRLF must fit too, so we allow at most 1,024 bytes per line *including* CRLF.
MAX_LINE_BYTES = 1024
# AST_MAX_MANHEADERS: further headers of an action are silently ignored by Asterisk.
MAX_HEADERS = 128
# Headers per received message. Asterisk sets no limit on what it sends; the largest recorded
# message has 145 (EndpointDetail, transcript 20-listings-during-call-channels-endpoint-contacts-devicestate.txt), a CLI
# Command answers one Output: per line.
# Without a bound, one 4 MiB message of one-letter headers is over a second of parsing.
MAX_RECEIVED_HEADERS = 16_384
# A server that never sends the blank line would make us buffer forever; real replies
# stay far below this (ListCommands, the largest seen, is 9,951 bytes).
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024

_MESSAGE_END = b"\r\n\r\n"
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]+")
_FORBIDDEN_CHARS = ("\r", "\n", "\x00")

HeaderValue = str | int | bool


class Message:
    """One AMI message: ordered ``(key, value)`` headers with case-insensitive lookup.

    Internally the headers live in one flat list ``[key, ": ", value, ...]`` straight from
    ``str.partition``: one container per message instead of a tuple per header keeps the
    garbage collector quiet when parsing hundreds of thousands of events per second.
    """

    __slots__ = ("_flat", "_index", "extra_lines")

    def __init__(self, headers: Iterable[tuple[str, str]] = (), extra_lines: Iterable[str] = ()) -> None:
        flat: list[str] = []
        for key, value in headers:
            flat += (key, ": ", value)
        self._flat = flat
        self.extra_lines: tuple[str, ...] = tuple(extra_lines)
        self._index: dict[str, list[str]] | None = None

    @property
    def headers(self) -> list[tuple[str, str]]:
        """Ordered ``(key, value)`` pairs, repeated keys included."""
        flat = self._flat
        return list(zip(flat[0::3], flat[2::3], strict=True))

    # -- lookup -----------------------------------------------------------------------
    def _lookup(self) -> dict[str, list[str]]:
        index = self._index
        if index is None:
            index = {}
            flat = self._flat
            for position in range(0, len(flat), 3):
                index.setdefault(flat[position].lower(), []).append(flat[position + 2])
            self._index = index
        return index

    def get(self, key: str, default: Any = None) -> Any:
        """First value of ``key`` (case-insensitive), or ``default``."""
        values = self._lookup().get(key.lower())
        return values[0] if values else default

    def getall(self, key: str) -> list[str]:
        """Every value of a repeated key, in wire order (``Output``, ``Variable`` ...)."""
        return list(self._lookup().get(key.lower(), ()))

    def __getitem__(self, key: str) -> str:
        values = self._lookup().get(key.lower())
        if not values:
            raise KeyError(key)
        return values[0]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._lookup()

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.headers)

    def __len__(self) -> int:
        return len(self._flat) // 3

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return self.headers == other.headers and self.extra_lines == other.extra_lines

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        kind = f"Event={self.event}" if self.is_event else f"Response={self.response}"
        return f"<Message {kind} ActionID={self.action_id!r} headers={len(self)}>"

    # -- classification ---------------------------------------------------------------
    @property
    def event(self) -> str | None:
        return self.get("Event")

    @property
    def response(self) -> str | None:
        """``Success``/``Error``/``Goodbye``/... for responses; OriginateResponse also has one."""
        return self.get("Response")

    @property
    def is_event(self) -> bool:
        # OriginateResponse carries both Event: and Response:; it is an event (transcript
        # 13-originate-failures-noanswer-busy-sync.txt).
        return "event" in self._lookup()

    @property
    def is_response(self) -> bool:
        return not self.is_event and "response" in self._lookup()

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")

    @property
    def message(self) -> str | None:
        """The ``Message:`` header, verbatim."""
        return self.get("Message")

    @property
    def is_error(self) -> bool:
        return self.is_response and (self.response or "").lower() in ("error", "failure", "fail")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form: key -> value, repeated keys -> list of values.

        Colon-less lines (transcript 25-getconfig-pjsip-manager-crm-refused.txt) are kept under ``"_extra_lines"``.
        """
        result: dict[str, Any] = {}
        for key, values in _group_in_order(self.headers).items():
            result[key] = values[0] if len(values) == 1 else list(values)
        if self.extra_lines:
            result["_extra_lines"] = list(self.extra_lines)
        return result


def _group_in_order(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in headers:
        grouped.setdefault(key, []).append(value)
    return grouped


_new_message = object.__new__
_partition = str.partition
_SEPARATORS = repeat(": ")


def _parse_block(block: str) -> Message:
    """Parse one message's text (without the blank line) into a :class:`Message`."""
    flat = [*chain.from_iterable(map(_partition, block.split("\r\n"), _SEPARATORS))]
    message = _new_message(Message)
    if "" in flat[1::3]:
        # Rare: "Key:" without a space, a colon-less line (transcript 25-getconfig-pjsip-manager-crm-refused.txt) or a
        # stray empty line.
        flat, extra = _parse_irregular_lines(block)
        message.extra_lines = extra
    else:
        message.extra_lines = ()
    message._flat = flat
    message._index = None
    return message


def _parse_irregular_lines(block: str) -> tuple[list[str], tuple[str, ...]]:
    flat: list[str] = []
    extra: list[str] = []
    for line in block.split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep:
            flat += (key, sep, value)
            continue
        if not line:
            continue
        key, sep, value = line.partition(":")
        if sep and _TOKEN_RE.fullmatch(key):
            flat += (key, ": ", value.lstrip(" "))
        else:
            extra.append(line)
    return flat, tuple(extra)


class AMIParser:
    """Incremental AMI stream parser: ``feed(bytes) -> list[Message]``.

    With ``expect_greeting=True`` (the client side) the first CRLF-terminated line is taken
    as the greeting and exposed as :attr:`greeting` / :attr:`ami_version`, not as a message.
    """

    __slots__ = ("_buffer", "_expect_greeting", "_max_headers", "_max_message_bytes", "ami_version", "greeting")

    def __init__(
        self,
        *,
        expect_greeting: bool = True,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_headers: int = MAX_RECEIVED_HEADERS,
    ) -> None:
        self._buffer = bytearray()
        self._expect_greeting = expect_greeting
        self._max_message_bytes = max_message_bytes
        self._max_headers = max_headers
        self.greeting: str | None = None
        self.ami_version: str | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete message."""
        return len(self._buffer)

    def feed(self, data: bytes | bytearray | memoryview) -> list[Message]:
        buffer = self._buffer
        # Only the tail can contain a terminator that spans the previous feed.
        search_from = max(0, len(buffer) - 3)
        buffer += data
        if self._expect_greeting:
            if not self._take_greeting():
                return []
            search_from = 0
        end = buffer.rfind(_MESSAGE_END, search_from)
        if end < 0:
            if len(buffer) > self._max_message_bytes:
                raise AMIProtocolError(f"no message terminator within {len(buffer)} bytes")
            return []
        # Decoding at message boundaries never cuts a UTF-8 sequence in two.
        with memoryview(buffer) as view:
            text = str(view[:end], "utf-8", "replace")
        del buffer[: end + 4]
        blocks = text.split("\r\n\r\n")
        if "" in blocks:  # stray blank lines between messages: nothing to report
            blocks = [block for block in blocks if block]
        # A line is at least 3 characters with its CRLF, so only long blocks need counting.
        shortest_refused = 3 * self._max_headers
        for block in blocks:
            if len(block) > shortest_refused and block.count("\r\n") >= self._max_headers:
                raise AMIProtocolError(f"a message with more than {self._max_headers} headers")
        return list(map(_parse_block, blocks))

    def _take_greeting(self) -> bool:
        buffer = self._buffer
        line_end = buffer.find(b"\r\n")
        if line_end < 0:
            if len(buffer) > MAX_LINE_BYTES:
                raise AMIProtocolError("no greeting line within the first 1,024 bytes")
            return False
        greeting = bytes(buffer[:line_end]).decode("utf-8", "replace")
        del buffer[: line_end + 2]
        self.greeting = greeting
        if greeting.startswith(AMI_GREETING_PREFIX):
            self.ami_version = greeting[len(AMI_GREETING_PREFIX) :].strip()
        self._expect_greeting = False
        return True


# -- event lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class EventListResult:
    """A list action's reply: the response, the item events and the ``...Complete`` event."""

    response: Message
    items: tuple[Message, ...] = ()
    complete: Message | None = None

    @property
    def action_id(self) -> str | None:
        return self.response.action_id

    @property
    def list_items(self) -> int | None:
        """``ListItems`` announced by the Complete event, if any."""
        if self.complete is None:
            return None
        value = self.complete.get("ListItems")
        return int(value) if value is not None and value.isdigit() else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "response": self.response.to_dict(),
            "items": [item.to_dict() for item in self.items],
            "complete": self.complete.to_dict() if self.complete is not None else None,
        }


def _is_list_complete(message: Message) -> bool:
    marker = message.get("EventList")
    if marker is not None:
        return marker.lower() == "complete"
    return (message.event or "").endswith("Complete")


@dataclass
class EventListCollector:
    """Collects ``response(EventList: start) + items + ...Complete`` for one ActionID.

    ``add(message)`` returns True once the list is finished (Complete seen, or the response
    was an error / not a list at all). Messages with another ActionID are not accepted.
    """

    action_id: str
    response: Message | None = None
    items: list[Message] = field(default_factory=list)
    complete: Message | None = None
    done: bool = False

    def accepts(self, message: Message) -> bool:
        return not self.done and message.action_id == self.action_id

    def add(self, message: Message) -> bool:
        if not self.accepts(message):
            raise ValueError(f"message {message!r} does not belong to list {self.action_id!r}")
        if self.response is None:
            if message.is_response:
                self.response = message
                marker = (message.get("EventList") or "").lower()
                self.done = marker != "start"
                return self.done
            # An item before its response would be a protocol violation; keep it anyway.
            self.items.append(message)
            return False
        if _is_list_complete(message):
            self.complete = message
            self.done = True
        else:
            self.items.append(message)
        return self.done

    def result(self) -> EventListResult:
        if self.response is None:
            raise AMIProtocolError(f"list {self.action_id!r} has no response")
        return EventListResult(self.response, tuple(self.items), self.complete)


# -- serializer ----------------------------------------------------------------------


def _check_key(key: object) -> str:
    if not isinstance(key, str):
        raise AMIInjectionError(f"AMI header key must be str, got {type(key).__name__}")
    if not key or not _TOKEN_RE.fullmatch(key):
        raise AMIInjectionError(f"AMI header key {key!r} is not a token ([A-Za-z0-9_-]+)")
    return key


def _check_value(key: str, value: object) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise AMIInjectionError(f"AMI header {key!r}: value must be str, int or bool, got {type(value).__name__}")
    for forbidden in _FORBIDDEN_CHARS:
        if forbidden in text:
            raise AMIInjectionError(f"AMI header {key!r}: value contains {forbidden!r}")
    return text


def _iter_headers(headers: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> Iterator[tuple[Any, Any]]:
    if headers is None:
        return iter(())
    if isinstance(headers, Mapping):
        pairs: list[tuple[Any, Any]] = []
        for key, value in headers.items():
            # A list/tuple value in a mapping means "repeat this key" (Variable: a=1, b=2).
            if isinstance(value, (list, tuple)):
                pairs.extend((key, item) for item in value)
            else:
                pairs.append((key, value))
        return iter(pairs)
    return iter(headers)


def serialize_action(
    action: str,
    headers: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    action_id: str | None = None,
) -> bytes:
    """Encode one action; raise :class:`AMIInjectionError` instead of sending anything unsafe.

    ``headers`` is a mapping (a list value repeats the key) or an iterable of pairs, so
    ``[("Variable", "A=1"), ("Variable", "B=2")]`` yields two ``Variable:`` lines.
    ``action_id`` is appended as ``ActionID:``; passing one in ``headers`` as well is an error.
    """
    lines = [("Action", _check_value("Action", _check_key_value_token(action)))]
    for key, value in _iter_headers(headers):
        checked_key = _check_key(key)
        if action_id is not None and checked_key.lower() == "actionid":
            raise AMIInjectionError("ActionID given both as header and as action_id")
        lines.append((checked_key, _check_value(checked_key, value)))
    if action_id is not None:
        lines.append(("ActionID", _check_value("ActionID", action_id)))
    if len(lines) > MAX_HEADERS:
        raise AMIInjectionError(f"{len(lines)} header lines; Asterisk ignores headers past {MAX_HEADERS}")
    out = bytearray()
    for key, value in lines:
        line = f"{key}: {value}\r\n".encode()
        if len(line) > MAX_LINE_BYTES:
            raise AMIInjectionError(
                f"AMI header {key!r}: line is {len(line)} bytes, Asterisk drops lines over {MAX_LINE_BYTES}"
            )
        out += line
    out += b"\r\n"
    return bytes(out)


def _check_key_value_token(action: object) -> str:
    """The action name is a value on the wire but must be a token like a key."""
    if not isinstance(action, str) or not _TOKEN_RE.fullmatch(action):
        raise AMIInjectionError(f"action name {action!r} is not a token ([A-Za-z0-9_-]+)")
    return action


def challenge_key(challenge: str, secret: str) -> str:
    """MD5 login key: ``md5(challenge + secret)`` as 32 lowercase hex digits (manager.c, transcript
    18-restricted-user-permission-denied-md5-challenge.txt)."""
    return hashlib.md5((challenge + secret).encode(), usedforsecurity=False).hexdigest()
