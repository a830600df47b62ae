"""Asterisk backend: ``AsteriskRealtimeAPI(**OPTIONS)`` from ``settings.VOIP``.

Error convention (one for every method):

* bad input raises :class:`voip.backends.ValidationError` (a ``ValueError`` with ``field``,
  also an :class:`~voip.ami.errors.AMIInjectionError`)
  *before* any byte is sent: every argument that ends up in an AMI header is checked
  against a strict pattern, so CR/LF injection, ``/regex/`` channel names, path traversal in
  recording names and comma-split ``Variable:`` values are refused up front;
* AMI failures raise the exceptions of :mod:`voip.ami.errors`:
  :class:`AMIConnectionError` and subclasses (refused / timeout / closed / authentication,
  each naming host, port and reason), :class:`AMIActionError` carrying Asterisk's own
  ``Message`` (e.g. ``No such channel``), :class:`AMIPermissionDenied` for
  ``Permission denied``;
* results are frozen dataclasses with ``to_dict()`` (JSON-serialisable). The only methods
  that report failures inside their result are :meth:`AsteriskRealtimeAPI.test_connection`
  (each part reports its own error), :meth:`~AsteriskRealtimeAPI.module_check` (``loaded``)
  and :meth:`~AsteriskRealtimeAPI.originate_call` with ``wait=True`` (the call outcome).

Each call uses one short-lived AMI connection; ``with api.session(): ...`` reuses one
connection for every call made inside the block (same thread).

OPTIONS keys follow :mod:`voip.conf`'s rule: case-insensitive, with or without the ``AMI_``
prefix (``AMI_HOST``/``host``, ``AMI_PORT``/``port`` ...); unknown keys are ignored.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from voip.ami.client import AMIClient
from voip.ami.codes import (
    FAILURE_BY_CAUSE,
    FAILURE_BY_DIAL_STATUS,
    FAILURE_BY_REASON,
    ORIGINATE_REASONS,
    originate_outcome,
)
from voip.ami.errors import AMIActionError, AMIError, AMITimeoutError
from voip.ami.protocol import EventListResult, Message
from voip.ami.session import raise_for_response
from voip.backends import ValidationError
from voip.callerid import name_from_ami
from voip.conf import AsteriskSettings, ami_client

__all__ = [
    "ORIGINATE_REASONS",
    "ActionResult",
    "AsteriskRealtimeAPI",
    "ChannelInfo",
    "ConfigCategory",
    "ConfigResult",
    "ConnectionTestResult",
    "ContactStatus",
    "CoreSettings",
    "EndpointStatus",
    "EndpointSummary",
    "ModuleCheckResult",
    "OriginateResult",
    "OutboundRegistration",
    "RecordingResult",
    "ReloadResult",
    "allowed_actions",
    "build_callerid",
    "parse_callerid",
]

logger = logging.getLogger(__name__)

# -- input validation ------------------------------------------------------------------

ENDPOINT_RE = re.compile(r"[A-Za-z0-9_.+-]{1,40}")
NUMBER_RE = re.compile(r"\+?[0-9*#]{1,32}")
# Channel names (PJSIP/1001-00000004, Local/100@ctx-00000001;1) or a ChannelId/Uniqueid.
# The first character must not be "/": Hangup treats "/.../" as a regex over all channels.
CHANNEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+@;:#*=~/-]{0,127}")
INTERFACE_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*/[A-Za-z0-9_.+@-]{1,80}")
STATE_INTERFACE_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*[/:][A-Za-z0-9_.+@-]{1,80}")
QUEUE_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
CONTEXT_RE = re.compile(r"[A-Za-z0-9_.-]{1,79}")
MODULE_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
FILENAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
CONFIG_FILE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}\.conf")
CATEGORY_RE = re.compile(r"[A-Za-z0-9_.+@-]{1,80}")
VARIABLE_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}")
CHANNEL_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ACCOUNT_CODE_RE = re.compile(r"[A-Za-z0-9_.-]{1,80}")
MIXMONITOR_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
SORCERY_CACHE_RE = re.compile(r"[A-Za-z0-9_./-]{1,64}")
# MixMonitor flags without file/command arguments: r()/t() would write elsewhere, m() to
# voicemail, and X()/the command argument would run a shell command.
MIXMONITOR_OPTIONS_RE = re.compile(r"(?:[abpPS]|[vVW]\(-?[0-4]\)|B\([0-9]{1,4}\)|i\([A-Za-z_][A-Za-z0-9_]{0,79}\))*")
RECORDING_FORMATS = frozenset({"wav", "WAV", "wav49", "gsm", "ulaw", "alaw", "sln", "g722", "g729", "ogg"})
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# Characters that Asterisk's AST_STANDARD_APP_ARGS gives meaning inside a Variable: header
# (manager.c man_do_variable_value): "," splits into another variable, quotes and backslashes
# are removed; "${"/"$[" would be expanded if the dialplan ever re-evaluates the value.
_VARIABLE_VALUE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f,\"\\]|\$[{\[]")
# Refused anywhere in an explicit caller ID: every Unicode control character (C0, DEL, C1: CR/LF
# would start a new AMI header or action), the bidirectional embedding/override/isolate controls
# (U+202A-U+202E, U+2066-U+2069: they make a name display as something else) and the line and
# paragraph separators.
_CALLERID_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# Manager Originate copies CallerID into a 256-byte buffer before parsing it (main/manager.c
# action_originate, tmp2[256]): anything longer would be cut by Asterisk.
CALLERID_MAX_BYTES = 255


def _require(field_name: str, value: object, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValidationError(field_name, f"{value!r} is not a valid {what}")
    return value


# What people type between digits ("+7 (495) 123-45-67"): dropped before validation, so the
# guide's ``to_number=contact.phone`` works. Control characters are not among them: CR/LF is refused.
_NUMBER_SEPARATORS = str.maketrans("", "", " -().\u00a0")


def _without_separators(value: object) -> object:
    return value.translate(_NUMBER_SEPARATORS) if isinstance(value, str) else value


def _plain_text(field_name: str, value: object, max_length: int = 80) -> str:
    if not isinstance(value, str) or _CONTROL_RE.search(value) or not value or len(value) > max_length:
        raise ValidationError(field_name, f"{value!r} must be 1-{max_length} printable characters")
    return value


def _bounded_int(field_name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(field_name, f"{value!r} must be an integer between {low} and {high}")
    return value


def _positive_seconds(field_name: str, value: object, high: float = 3600) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= high:
        raise ValidationError(field_name, f"{value!r} must be a number of seconds in (0, {high:g}]")
    return float(value)


def _strip_quoted(text: str) -> str:
    """``ast_strip_quoted`` with ``"`` as the quote (main/utils.c): blanks, then one pair of quotes."""
    text = text.strip(" ")
    if text.startswith('"') and text.endswith('"'):
        text = text[1:-1]
    return text


def _unescape_quoted(text: str) -> str:
    """``ast_unescape_quoted`` (main/utils.c): a backslash keeps the next character; a last one is dropped."""
    return re.sub(r"\\(.?)", r"\1", text, flags=re.DOTALL)


def _escape_quoted(text: str) -> str:
    r"""``ast_escape_quoted`` (main/utils.c) for names without control characters: ``"`` and ``\``."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _shrink_phone_number(text: str) -> str:
    """``ast_shrink_phone_number`` (main/callerid.c): drop ``( )`` and blanks, ``-`` outside ``[]``, inner ``.``."""
    kept: list[str] = []
    bracketed = 0
    for position, char in enumerate(text):
        if char == "[":
            bracketed += 1
        elif char == "]":
            bracketed -= 1
        elif char == "-":
            if not bracketed:
                continue
        elif char == ".":
            if position != len(text) - 1:
                continue
        elif char in "( )":
            continue
        kept.append(char)
    return "".join(kept)


def parse_callerid(text: str) -> tuple[str | None, str | None]:
    """``(name, number)`` exactly as Asterisk reads a caller ID string (``ast_callerid_parse``).

    ``"Name" <number>``, ``Name <number>``, a bare number, or a bare name; the number is the
    text inside the *last* ``<``, so a name may hold ``<``, ``>`` and quotes. Backslashes in the
    name escape the next character. Manager Originate reads its ``CallerID`` header this way
    (main/manager.c action_originate), so this is what Asterisk would make of ``text``.
    """
    text = text.strip(" ")
    inner = _strip_quoted(text)
    quotes_stripped = inner != text
    name: str | None
    number: str | None
    less_than = inner.rfind("<")
    if less_than >= 0:
        location = inner[less_than + 1 :]
        greater_than = location.rfind(">")
        number = location[:greater_than] if greater_than >= 0 else location
        name = _strip_quoted(inner[:less_than])
    else:
        shrunk = _shrink_phone_number(inner)
        if not quotes_stripped and shrunk and all(char in "0123456789*#+" for char in shrunk):
            name, number = None, shrunk
        else:
            name, number = _strip_quoted(inner), None
    if name is not None:
        name = _unescape_quoted(name)
    return name, number


def build_callerid(callerid: str | tuple[str, str] | None, default_number: str | None = None) -> str | None:
    r"""The ``CallerID`` header for an explicit caller ID, or None when none was given.

    ``callerid`` is a ``(name, number)`` pair or a string read the way Asterisk reads it
    (:func:`parse_callerid`); a string without a number gets ``default_number``. Control
    characters (CR, LF, NUL ...), bidirectional controls and a number that is not digits, ``*``,
    ``#`` or a leading ``+`` raise :class:`ValidationError`; nothing is dropped silently. The name
    is written back quoted as Asterisk's own ``ast_callerid_merge`` does (``"`` and ``\`` escaped),
    so ``"John "JJ" Smith" <1001>`` reaches Asterisk as the name ``John "JJ" Smith``.
    """
    if callerid is None:
        return None
    if isinstance(callerid, tuple):
        if len(callerid) != 2:
            raise ValidationError("callerid", "a (name, number) pair is expected")
        name, number = callerid
        if not isinstance(name, str) or not isinstance(number, str):
            raise ValidationError("callerid", "name and number must be strings")
        given = f"{name!r}, {number!r}"
    elif isinstance(callerid, str):
        name, number, given = None, None, repr(callerid)
    else:
        raise ValidationError("callerid", f"{callerid!r} is not a caller ID")
    if any(_CALLERID_FORBIDDEN.search(part) for part in (callerid if isinstance(callerid, tuple) else (callerid,))):
        raise ValidationError(
            "callerid", f"{given} contains a control character (CR, LF, NUL ...) or a bidirectional control"
        )
    if isinstance(callerid, str):
        name, number = parse_callerid(callerid)
        if number is None:
            number = default_number
    number = _shrink_phone_number(number or "")
    if number and not NUMBER_RE.fullmatch(number):
        raise ValidationError("callerid", f"{number!r} is not a valid caller ID number")
    if name is not None and not name.strip(" "):
        name = None
    if name is not None and number:
        header = f'"{_escape_quoted(name)}" <{number}>'
    elif number:
        header = f"<{number}>"
    elif name is not None:
        # Without a number Asterisk would take a "<" in the name for the start of one: an empty
        # "<>" keeps the whole name a name.
        header = f'"{_escape_quoted(name)}"' + (" <>" if "<" in name else "")
    else:
        raise ValidationError("callerid", "caller ID is empty")
    if len(header.encode("utf-8")) > CALLERID_MAX_BYTES:
        raise ValidationError("callerid", f"{given} is longer than Asterisk's {CALLERID_MAX_BYTES} bytes")
    return header


def _variable_headers(variables: Mapping[str, object] | None) -> list[tuple[str, str]]:
    if variables is None:
        return []
    if not isinstance(variables, Mapping):
        raise ValidationError("variables", "a mapping of name -> value is expected")
    headers = []
    for name, value in variables.items():
        _require("variables", name, VARIABLE_NAME_RE, "channel variable name")
        if isinstance(value, bool):
            text = "1" if value else "0"
        elif isinstance(value, (int, str)):
            text = str(value)
        else:
            raise ValidationError("variables", f"{name}: value must be str, int or bool")
        if _VARIABLE_VALUE_FORBIDDEN.search(text) or len(text) > 512:
            raise ValidationError("variables", f"{name}: value {text!r} contains characters Asterisk would split on")
        headers.append(("Variable", f"{name}={text}"))
    return headers


# -- results ---------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: _jsonable(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return value


class _Result(dict):  # a real dict: JsonResponse checks isinstance(data, dict)
    """A frozen, typed result that is also the plain dict of its JSON form.

    The guide's click-to-call example returns ``JsonResponse(api.originate_call(...))``; being a
    dict makes that (and ``json.dumps``) work, while attributes stay typed.
    """

    def __post_init__(self) -> None:
        dict.update(self, self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class ConnectionTestResult(_Result):
    ok: bool
    db_ok: bool
    db_alias: str
    endpoint_count: int | None
    db_error: str | None
    ami_ok: bool
    ami_error: str | None
    ami_version: str | None
    asterisk_version: str | None


# How long to wait, after a failed OriginateResponse, for the Hangup of a channel that was created
# (the busy phone's Hangup came right after the OriginateResponse, transcript
# 13-originate-failures-noanswer-busy-sync.txt).
HANGUP_GRACE_SECONDS = 1.0


@dataclass(frozen=True)
class OriginateResult(_Result):
    action_id: str
    channel_id: str
    channel: str
    exten: str
    context: str
    queued: bool = True
    # Filled only with wait=True:
    outcome: str | None = None  # one of ORIGINATE_REASONS' values, or "unknown"
    reason_code: int | None = None
    answered: bool | None = None
    uniqueid: str | None = None
    response: dict[str, Any] | None = None
    # Why a waited-for call was not answered: a code (endpoint_not_found, not_registered,
    # unreachable, busy, no_answer, rejected, congestion, unallocated_number, cancelled, hangup,
    # unknown) and a sentence for people.
    failure: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ActionResult(_Result):
    action: str
    message: str | None
    action_id: str | None


@dataclass(frozen=True)
class RecordingResult(_Result):
    channel: str
    file: str
    mixmonitor_id: str | None


@dataclass(frozen=True)
class ReloadResult(_Result):
    module: str
    message: str | None
    status: int | None  # Event: Reload Status (0 done, 2 no such module, 6 no reload support)


@dataclass(frozen=True)
class ContactStatus(_Result):
    id: str | None
    aor: str | None
    endpoint: str | None
    uri: str | None
    status: str | None
    user_agent: str | None
    roundtrip_usec: int | None
    reg_expire: int | None = None
    via_address: str | None = None


@dataclass(frozen=True)
class EndpointSummary(_Result):
    endpoint_id: str
    device_state: str | None
    active_channels: int | None
    transport: str | None
    aor: str | None
    auths: str | None
    contacts: tuple[str, ...]


@dataclass(frozen=True)
class EndpointStatus(_Result):
    endpoint_id: str
    device_state: str | None
    active_channels: int | None
    context: str | None
    transport: str | None
    aors: str | None
    contacts: tuple[ContactStatus, ...]
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelInfo(_Result):
    channel: str | None
    uniqueid: str | None
    linkedid: str | None
    state: str | None
    caller_id_num: str | None
    caller_id_name: str | None
    connected_line_num: str | None
    connected_line_name: str | None
    context: str | None
    exten: str | None
    application: str | None
    application_data: str | None
    duration: str | None
    bridge_id: str | None
    account_code: str | None


@dataclass(frozen=True)
class ModuleCheckResult(_Result):
    module: str
    loaded: bool
    version: str | None
    message: str | None


@dataclass(frozen=True)
class ConfigCategory(_Result):
    name: str
    lines: tuple[tuple[str, str], ...]

    # Not ``get``: that is the dict's own (this result is a dict of its JSON form, "name" included).
    def value(self, variable: str, default: str | None = None) -> str | None:
        return next((value for name, value in self.lines if name == variable), default)


@dataclass(frozen=True)
class ConfigResult(_Result):
    filename: str
    categories: tuple[ConfigCategory, ...]

    def category(self, name: str) -> ConfigCategory | None:
        return next((item for item in self.categories if item.name == name), None)


@dataclass(frozen=True)
class CoreSettings(_Result):
    asterisk_version: str | None
    ami_version: str | None
    system_name: str | None
    settings: dict[str, Any]


@dataclass(frozen=True)
class OutboundRegistration(_Result):
    id: str
    status: str | None  # Registered, Unregistered, Rejected, Stopped
    server_uri: str | None
    client_uri: str | None
    next_reg: int | None  # seconds until the next REGISTER (0: none planned)
    endpoint: str | None
    auth_rejection_permanent: bool | None


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and value.lstrip("-").isdigit() else None


def _contact_from(event: Message) -> ContactStatus:
    # ContactList (PJSIPShowContacts) and ContactStatusDetail (PJSIPShowEndpoint) differ in names.
    return ContactStatus(
        id=event.get("ID") if event.event == "ContactStatusDetail" else event.get("ObjectName", event.get("ID")),
        aor=event.get("AOR") or event.get("Aor"),
        endpoint=event.get("Endpoint") or event.get("EndpointName"),
        uri=event.get("Uri") or event.get("URI"),
        status=event.get("Status"),
        user_agent=event.get("UserAgent"),
        roundtrip_usec=_int_or_none(event.get("RoundtripUsec")),
        reg_expire=_int_or_none(event.get("RegExpire")),
        via_address=event.get("ViaAddress"),
    )


def _registration_from(event: Message) -> OutboundRegistration:
    permanent = event.get("AuthRejectionPermanent")
    return OutboundRegistration(
        id=event.get("ObjectName", ""),
        status=event.get("Status"),
        server_uri=event.get("ServerUri"),
        client_uri=event.get("ClientUri"),
        next_reg=_int_or_none(event.get("NextReg")),
        endpoint=event.get("Endpoint") or None,
        auth_rejection_permanent=None if permanent is None else permanent.lower() in ("true", "yes"),
    )


# -- construction ----------------------------------------------------------------------


class AsteriskRealtimeAPI:
    """Drive one Asterisk: realtime DB alias + AMI. Built from ``settings.VOIP[i]['OPTIONS']``.

    OPTIONS follow :mod:`voip.conf`'s key rule; product code gets one from
    :func:`voip.backends.get_backend`.
    """

    def __init__(self, **options: Any) -> None:
        self._configure(AsteriskSettings.from_options(options))

    @classmethod
    def from_settings(cls, config: AsteriskSettings) -> AsteriskRealtimeAPI:
        api = cls.__new__(cls)
        api._configure(config)
        return api

    def _configure(self, config: AsteriskSettings) -> None:
        self.config = config
        self._local = threading.local()

    # Read-only views of the settings, as the guide's users inspect them.
    host = property(lambda self: self.config.host)
    port = property(lambda self: self.config.port)
    username = property(lambda self: self.config.username)
    secret = property(lambda self: self.config.secret)
    auth = property(lambda self: self.config.auth)
    connect_timeout = property(lambda self: self.config.connect_timeout)
    action_timeout = property(lambda self: self.config.action_timeout)
    db_alias = property(lambda self: self.config.db_alias)
    context = property(lambda self: self.config.context)
    outbound_context = property(lambda self: self.config.outbound_context)
    originate_timeout = property(lambda self: self.config.originate_timeout)
    recordings_dir = property(lambda self: self.config.recordings_dir)

    def __repr__(self) -> str:
        return f"<AsteriskRealtimeAPI {self.username}@{self.host}:{self.port} db={self.db_alias}>"

    # -- connections --------------------------------------------------------------------
    def _new_client(self, events: str | bool = False) -> AMIClient:
        return ami_client(self.config, events=events)

    @contextlib.contextmanager
    def session(self) -> Iterator[AsteriskRealtimeAPI]:
        """Reuse one AMI connection for every call inside the block (this thread only)."""
        if getattr(self._local, "client", None) is not None:
            yield self
            return
        with self._new_client() as client:
            self._local.client = client
            try:
                yield self
            finally:
                self._local.client = None

    @contextlib.contextmanager
    def _client(self, events: str | bool = False) -> Iterator[AMIClient]:
        shared: AMIClient | None = getattr(self._local, "client", None)
        if shared is not None and shared.connected and events is False:
            yield shared
            return
        with self._new_client(events) as client:
            yield client

    def close(self) -> None:
        """Close the connection of an open :meth:`session` in this thread, if any."""
        client: AMIClient | None = getattr(self._local, "client", None)
        if client is not None:
            client.close()
            self._local.client = None

    # -- health ---------------------------------------------------------------------------
    def test_connection(self) -> ConnectionTestResult:
        """Check the realtime DB and AMI separately; each part reports its own error."""
        db_ok, endpoint_count, db_error = False, None, None
        try:
            from voip.models import PsEndpoint

            endpoint_count = PsEndpoint.objects.using(self.db_alias).count()
            db_ok = True
        except Exception as exc:  # any DB/config failure is this part's result, not a crash
            db_error = f"{type(exc).__name__}: {exc}"
        ami_ok, ami_error, ami_version, asterisk_version = False, None, None, None
        try:
            with self._client() as client:
                ami_version = client.ami_version
                settings = client.send_action("CoreSettings")
                asterisk_version = settings.get("AsteriskVersion")
                ami_version = ami_version or settings.get("AMIversion")
                ami_ok = True
        except AMIError as exc:
            ami_error = str(exc)
        return ConnectionTestResult(
            ok=db_ok and ami_ok,
            db_ok=db_ok,
            db_alias=self.db_alias,
            endpoint_count=endpoint_count,
            db_error=db_error,
            ami_ok=ami_ok,
            ami_error=ami_error,
            ami_version=ami_version,
            asterisk_version=asterisk_version,
        )

    def core_settings(self) -> CoreSettings:
        with self._client() as client:
            response = client.send_action("CoreSettings")
        settings = {key: value for key, value in response.headers if key not in ("Response", "ActionID")}
        return CoreSettings(
            asterisk_version=response.get("AsteriskVersion"),
            ami_version=response.get("AMIversion"),
            system_name=response.get("SystemName") or None,
            settings=settings,
        )

    # -- calls ----------------------------------------------------------------------------
    def originate_call(
        self,
        from_endpoint: str,
        to_number: str,
        callerid: str | tuple[str, str] | None = None,
        variables: Mapping[str, object] | None = None,
        *,
        context: str | None = None,
        timeout: float | None = None,
        wait: bool = False,
        wait_timeout: float | None = None,
        channel_id: str | None = None,
        account_code: str | None = None,
        action_id: str | None = None,
    ) -> OriginateResult:
        """Ring ``PJSIP/<from_endpoint>``; when answered, dial ``to_number`` in ``context``.

        Returns right after ``Originate successfully queued`` with the ActionID and the
        ChannelId (the Uniqueid the first leg will have, transcript
        24-webapp-originate-channelid-wait-hangup-crm-refused.txt). With ``wait=True`` the
        connection logs in with ``Events: call`` (OriginateResponse is only delivered to
        such sessions, transcripts 19-event-filtering-events-mask-and-filter-action.txt and
        24-webapp-originate-channelid-wait-hangup-crm-refused.txt) and waits for the OriginateResponse of this ActionID.
        ``channel_id`` and ``action_id`` may be chosen by the caller, so it can record them before
        Asterisk's first event about the call (a failing Originate answers within milliseconds).
        A call that was not answered also gets ``failure`` (a code) and ``reason`` (a sentence):
        see :func:`_explain_failure`. An explicit ``callerid`` goes through :func:`build_callerid`.
        """
        endpoint = _require("from_endpoint", from_endpoint, ENDPOINT_RE, "endpoint id")
        number = _require("to_number", _without_separators(to_number), NUMBER_RE, "number to dial")
        dial_context = _require("context", context or self.outbound_context, CONTEXT_RE, "dialplan context")
        ring_seconds = _positive_seconds("timeout", self.originate_timeout if timeout is None else timeout)
        chosen_channel_id = (
            str(uuid.uuid4()) if channel_id is None else _require("channel_id", channel_id, CHANNEL_ID_RE, "channel id")
        )
        headers: list[tuple[str, Any]] = [
            ("Channel", f"PJSIP/{endpoint}"),
            ("Context", dial_context),
            ("Exten", number),
            ("Priority", 1),
            ("Timeout", int(ring_seconds * 1000)),
            ("ChannelId", chosen_channel_id),
            ("Async", "true"),
        ]
        caller = build_callerid(callerid, endpoint if NUMBER_RE.fullmatch(endpoint) else None)
        if caller is not None:
            headers.append(("CallerID", caller))
        if account_code is not None:
            headers.append(("Account", _require("account_code", account_code, ACCOUNT_CODE_RE, "account code")))
        headers += _variable_headers(variables)
        wait_seconds = (
            _positive_seconds("wait_timeout", wait_timeout) if wait_timeout is not None else ring_seconds + 10
        )
        chosen_action_id = None if action_id is None else _require("action_id", action_id, CHANNEL_ID_RE, "action id")
        with self._client(events="call" if wait else False) as client:
            response = client.send_action("Originate", headers, action_id=chosen_action_id)
            action_id = response.action_id or ""
            result = OriginateResult(
                action_id=action_id,
                channel_id=chosen_channel_id,
                channel=f"PJSIP/{endpoint}",
                exten=number,
                context=dial_context,
            )
            if not wait:
                return result
            event = client.wait_for_event(
                lambda message: message.event == "OriginateResponse" and message.action_id == action_id,
                timeout=wait_seconds,
            )
            reason = _int_or_none(event.get("Reason"))
            answered = (event.get("Response") or "").lower() == "success" and reason == 4
            failure, explanation = (
                (None, None)
                if answered
                else _explain_failure(client, endpoint=endpoint, channel_id=chosen_channel_id, reason=reason)
            )
        outcome = originate_outcome(reason)
        return dataclasses.replace(
            result,
            outcome=outcome,
            reason_code=reason,
            answered=answered,
            uniqueid=event.get("Uniqueid"),
            response=event.to_dict(),
            failure=failure,
            reason=explanation,
        )

    def hangup(self, channel: str, cause: int = 16) -> ActionResult:
        """Hang up a channel by name or by the ChannelId given to originate_call (transcript
        24-webapp-originate-channelid-wait-hangup-crm-refused.txt)."""
        name = _require("channel", channel, CHANNEL_RE, "channel name")
        code = _bounded_int("cause", cause, 0, 127)
        return self._simple("Hangup", [("Channel", name), ("Cause", code)])

    def start_recording(
        self, channel: str, filename: str, format: str = "wav", options: str | None = None
    ) -> RecordingResult:
        """MixMonitor into ``<filename>.<format>``; returns the MixMonitorID and the file sent.

        Without ``RECORDINGS_DIR`` (the default) the name is sent relative, and MixMonitor writes
        it into Asterisk's own monitor directory, ``<astspooldir>/monitor``, wherever Asterisk is
        installed (apps/app_mixmonitor.c ``filename_parse``; transcript
        07-originate-into-realtime-dialplan-mixmonitor.txt shows the absolute path it reports).
        With ``RECORDINGS_DIR`` the file is ``<RECORDINGS_DIR>/<filename>.<format>``.
        """
        name = _require("channel", channel, CHANNEL_RE, "channel name")
        base = _require("filename", filename, FILENAME_RE, "recording file name (no directories)")
        if ".." in base:
            raise ValidationError("filename", "'..' is not allowed in a recording name")
        if format not in RECORDING_FORMATS:
            raise ValidationError("format", f"{format!r} is not one of {sorted(RECORDING_FORMATS)}")
        file = f"{base}.{format}"
        if self.recordings_dir:
            file = f"{self.recordings_dir}/{file}"
        headers: list[tuple[str, Any]] = [("Channel", name), ("File", file)]
        if options:
            headers.append(("Options", _require("options", options, MIXMONITOR_OPTIONS_RE, "MixMonitor option set")))
        with self._client() as client:
            response = client.send_action("MixMonitor", headers)
        return RecordingResult(channel=name, file=file, mixmonitor_id=response.get("MixMonitorID"))

    def stop_recording(self, channel: str, mixmonitor_id: str | None = None) -> ActionResult:
        name = _require("channel", channel, CHANNEL_RE, "channel name")
        headers: list[tuple[str, Any]] = [("Channel", name)]
        if mixmonitor_id is not None:
            headers.append(("MixMonitorID", _require("mixmonitor_id", mixmonitor_id, MIXMONITOR_ID_RE, "MixMonitorID")))
        return self._simple("StopMixMonitor", headers)

    # -- queues ---------------------------------------------------------------------------
    def add_queue_member(
        self,
        queue: str,
        interface: str,
        member_name: str | None = None,
        penalty: int = 0,
        paused: bool = False,
        state_interface: str | None = None,
    ) -> ActionResult:
        headers: list[tuple[str, Any]] = [
            ("Queue", _require("queue", queue, QUEUE_RE, "queue name")),
            ("Interface", _require("interface", interface, INTERFACE_RE, "interface (e.g. PJSIP/1001)")),
            ("Penalty", _bounded_int("penalty", penalty, 0, 1_000_000)),
            ("Paused", "true" if _bool("paused", paused) else "false"),
        ]
        if member_name is not None:
            headers.append(("MemberName", _plain_text("member_name", member_name)))
        if state_interface is not None:
            headers.append(
                ("StateInterface", _require("state_interface", state_interface, STATE_INTERFACE_RE, "state interface"))
            )
        return self._simple("QueueAdd", headers)

    def remove_queue_member(self, queue: str, interface: str) -> ActionResult:
        return self._simple(
            "QueueRemove",
            [
                ("Queue", _require("queue", queue, QUEUE_RE, "queue name")),
                ("Interface", _require("interface", interface, INTERFACE_RE, "interface (e.g. PJSIP/1001)")),
            ],
        )

    def pause_queue_member(
        self, queue: str, interface: str, paused: bool = True, reason: str | None = None
    ) -> ActionResult:
        headers: list[tuple[str, Any]] = [
            ("Queue", _require("queue", queue, QUEUE_RE, "queue name")),
            ("Interface", _require("interface", interface, INTERFACE_RE, "interface (e.g. PJSIP/1001)")),
            ("Paused", "true" if _bool("paused", paused) else "false"),
        ]
        if reason is not None:
            headers.append(("Reason", _plain_text("reason", reason)))
        return self._simple("QueuePause", headers)

    def spy_on_endpoint(self, supervisor_endpoint: str, agent_endpoint: str, *, mode: str = "listen") -> ActionResult:
        """Ring ``PJSIP/<supervisor_endpoint>``; answered, it runs ChanSpy on the agent's channel.

        ``listen`` hears both sides, ``whisper`` also speaks to the agent only (ChanSpy ``w``),
        ``barge`` speaks to both (``B``); ``q`` keeps ChanSpy from announcing the channel name,
        ``E`` ends the spy when the agent's call ends.
        """
        spy = _require("supervisor_endpoint", supervisor_endpoint, ENDPOINT_RE, "endpoint id")
        agent = _require("agent_endpoint", agent_endpoint, ENDPOINT_RE, "endpoint id")
        flags = {"listen": "qE", "whisper": "qEw", "barge": "qEB"}.get(mode)
        if flags is None:
            raise ValidationError("mode", "expected listen, whisper or barge")
        return self._simple(
            "Originate",
            [
                ("Channel", f"PJSIP/{spy}"),
                ("Application", "ChanSpy"),
                # Both ChanSpy arguments are checked above: no comma, CR or LF can reach them.
                ("Data", f"PJSIP/{agent}-,{flags}"),
                ("Timeout", int(self.originate_timeout * 1000)),
                ("CallerID", f'"Spy" <{agent}>' if NUMBER_RE.fullmatch(agent) else "Spy"),
                ("Async", "true"),
            ],
        )

    # -- modules --------------------------------------------------------------------------
    def reload_pjsip(self, *, event_timeout: float = 2.0) -> ReloadResult:
        """``Action: Reload`` + ``Module: res_pjsip.so`` (there is no PJSIPReload action)."""
        return self.reload_module("res_pjsip.so", event_timeout=event_timeout)

    def reload_module(self, module: str, *, event_timeout: float = 2.0) -> ReloadResult:
        """Reload one module; report Asterisk's Message and the ``Event: Reload`` Status (transcript
        17-reload-modules-and-command-output.txt).

        The event has class ``system``, so this connection logs in with ``Events: system``.
        """
        name = _require("module", module, MODULE_RE, "module name")
        with self._client(events="system") as client:
            response = client.send_action("Reload", [("Module", name)])
            status: int | None = None
            try:
                event = client.wait_for_event(
                    lambda message: message.event == "Reload" and message.get("Module") == name,
                    timeout=event_timeout,
                )
                status = _int_or_none(event.get("Status"))
            except AMITimeoutError:
                logger.info("no Event: Reload for %s within %ss", name, event_timeout)
        return ReloadResult(module=name, message=response.message, status=status)

    def module_check(self, module: str) -> ModuleCheckResult:
        """``loaded=False`` for ``Module not loaded`` (transcript 21-modulecheck-command-output-listcommands.txt); other
        errors raise."""
        name = _require("module", module, MODULE_RE, "module name")
        with self._client() as client:
            response = client.send_action("ModuleCheck", [("Module", name)], raise_on_error=False)
        text = (response.message or "").strip() or None
        if response.is_error and text != "Module not loaded":
            raise_for_response("ModuleCheck", response)
        return ModuleCheckResult(
            module=name, loaded=not response.is_error, version=response.get("Version") or None, message=text
        )

    # -- sorcery memory cache -------------------------------------------------------------
    def expire_sorcery_cache(self, cache: str, object_id: str | None = None) -> ActionResult:
        """Drop one object (``SorceryMemoryCacheExpireObject``) or every object
        (``SorceryMemoryCacheExpire``) from a sorcery memory cache; the next lookup reads the database.

        An object that was not cached is not an error (nothing there is stale): Asterisk answers
        "could not be expired" for it (res/res_sorcery_memory_cache.c, remove_from_cache finds
        nothing). A cache that does not exist, or one with full backend caching, raises
        :class:`~voip.ami.errors.AMIActionError`.
        """
        name = _require("cache", cache, SORCERY_CACHE_RE, "sorcery memory cache name")
        if object_id is None:
            return self._simple("SorceryMemoryCacheExpire", [("Cache", name)])
        identifier = _require("object_id", object_id, ENDPOINT_RE, "object id")
        action = "SorceryMemoryCacheExpireObject"
        with self._client() as client:
            response = client.send_action(action, [("Cache", name), ("Object", identifier)], raise_on_error=False)
        text = (response.message or "").strip()
        if response.is_error and not text.startswith("The provided object could not be expired"):
            raise_for_response(action, response)
        return ActionResult(action=action, message=text or None, action_id=response.action_id)

    # -- PJSIP ----------------------------------------------------------------------------
    def get_endpoint_status(self, endpoint_id: str) -> EndpointStatus:
        """PJSIPShowEndpoint: endpoint detail plus contacts with status, URI, user agent, RTT."""
        endpoint = _require("endpoint_id", endpoint_id, ENDPOINT_RE, "endpoint id")
        result = self._list("PJSIPShowEndpoint", [("Endpoint", endpoint)])
        detail = next((item for item in result.items if item.event == "EndpointDetail"), None)
        contacts = tuple(_contact_from(item) for item in result.items if item.event == "ContactStatusDetail")
        source = detail or Message()
        return EndpointStatus(
            endpoint_id=endpoint,
            device_state=source.get("DeviceState"),
            active_channels=_int_or_none(source.get("ActiveChannels")),
            context=source.get("Context"),
            transport=source.get("Transport"),
            aors=source.get("Aors"),
            contacts=contacts,
            detail=source.to_dict(),
        )

    def list_endpoints(self) -> tuple[EndpointSummary, ...]:
        result = self._list("PJSIPShowEndpoints")
        return tuple(
            EndpointSummary(
                endpoint_id=item.get("ObjectName", ""),
                device_state=item.get("DeviceState"),
                active_channels=_int_or_none(item.get("ActiveChannels")),
                transport=item.get("Transport"),
                aor=item.get("Aor"),
                auths=item.get("Auths"),
                contacts=tuple(part for part in (item.get("Contacts") or "").split(",") if part),
            )
            for item in result.items
            if item.event == "EndpointList"
        )

    def list_contacts(self) -> tuple[ContactStatus, ...]:
        result = self._list("PJSIPShowContacts")
        return tuple(_contact_from(item) for item in result.items if item.event == "ContactList")

    def qualify(self, endpoint_id: str) -> ActionResult:
        endpoint = _require("endpoint_id", endpoint_id, ENDPOINT_RE, "endpoint id")
        return self._simple("PJSIPQualify", [("Endpoint", endpoint)])

    def register_outbound(self, registration: str) -> ActionResult:
        """``PJSIPRegister``: send a REGISTER for one outbound registration now, reviving one that
        a wrong password stopped (NOTES "Trunks"); the password is read at challenge time."""
        name = _require("registration", registration, ENDPOINT_RE, "registration id")
        return self._simple("PJSIPRegister", [("Registration", name)])

    def outbound_registrations(self) -> tuple[OutboundRegistration, ...]:
        """``PJSIPShowRegistrationsOutbound``: every outbound registration with its state
        (Registered, Unregistered, Rejected, Stopped) and the seconds to its next REGISTER."""
        result = self._list("PJSIPShowRegistrationsOutbound")
        return tuple(_registration_from(item) for item in result.items if item.event == "OutboundRegistrationDetail")

    def active_channels(self) -> tuple[ChannelInfo, ...]:
        result = self._list("CoreShowChannels")
        return tuple(
            ChannelInfo(
                channel=item.get("Channel"),
                uniqueid=item.get("Uniqueid"),
                linkedid=item.get("Linkedid"),
                state=item.get("ChannelStateDesc"),
                caller_id_num=item.get("CallerIDNum"),
                caller_id_name=name_from_ami(item.get("CallerIDName")),
                connected_line_num=item.get("ConnectedLineNum"),
                connected_line_name=name_from_ami(item.get("ConnectedLineName")),
                context=item.get("Context"),
                exten=item.get("Exten"),
                application=item.get("Application"),
                application_data=item.get("ApplicationData"),
                duration=item.get("Duration"),
                bridge_id=item.get("BridgeId") or None,
                account_code=item.get("AccountCode") or None,
            )
            for item in result.items
            if item.event == "CoreShowChannel"
        )

    # -- misc -----------------------------------------------------------------------------
    def command(self, cli: str) -> str:
        """Run a CLI command; returns its output (``Output:`` lines joined with newlines)."""
        text = _plain_text("cli", cli, max_length=512)
        with self._client() as client:
            return client.command(text)

    def get_config(self, filename: str, category: str | None = None) -> ConfigResult:
        """GetConfig of a file in Asterisk's config directory (no paths)."""
        name = _require("filename", filename, CONFIG_FILE_RE, "config file name (e.g. pjsip.conf)")
        headers: list[tuple[str, Any]] = [("Filename", name)]
        if category is not None:
            headers.append(("Category", _require("category", category, CATEGORY_RE, "category name")))
        with self._client() as client:
            response = client.send_action("GetConfig", headers)
        names: dict[str, str] = {}
        lines: dict[str, list[tuple[str, str]]] = {}
        for key, value in response.headers:
            if key.startswith("Category-"):
                index = key.removeprefix("Category-")
                names[index] = value
                lines.setdefault(index, [])
            elif key.startswith("Line-"):
                index = key.split("-")[1]
                variable, _, content = value.partition("=")
                lines.setdefault(index, []).append((variable, content))
        categories = tuple(ConfigCategory(names.get(index, index), tuple(lines[index])) for index in names)
        return ConfigResult(filename=name, categories=categories)

    def list_commands(self) -> dict[str, tuple[str, ...]]:
        """The actions this AMI user may run, each with its privilege classes (``ListCommands``)."""
        with self._client() as client:
            return allowed_actions(client.send_action("ListCommands"))

    # -- helpers --------------------------------------------------------------------------
    def _simple(self, action: str, headers: list[tuple[str, Any]]) -> ActionResult:
        with self._client() as client:
            response = client.send_action(action, headers)
        return ActionResult(action=action, message=response.message, action_id=response.action_id)

    def _list(self, action: str, headers: list[tuple[str, Any]] | None = None) -> EventListResult:
        with self._client() as client:
            return client.send_list_action(action, headers)


_LISTCOMMANDS_LINE = re.compile(r"\(Priv: ([^)]*)\)\s*$")


def allowed_actions(list_commands_response: Message) -> dict[str, tuple[str, ...]]:
    """Action name -> its classes, from a ``ListCommands`` response (it lists only what the user may run).

    Each header is ``<Action>: <synopsis>  (Priv: call,all)`` (transcript
    21-modulecheck-command-output-listcommands.txt).
    """
    actions: dict[str, tuple[str, ...]] = {}
    for key, value in list_commands_response.headers:
        match = _LISTCOMMANDS_LINE.search(value)
        if key in ("Response", "ActionID", "Message") or not match:
            continue
        actions[key] = tuple(c for c in match.group(1).split(",") if c and c not in ("<none>", "all"))
    return actions


def _channel_events(client: AMIClient, channel_id: str) -> list[Message]:
    """The queued events of the Originate's own channel (its Uniqueid is the ChannelId we chose)."""

    def ours(message: Message) -> bool:
        return channel_id in (message.get("Uniqueid"), message.get("DestUniqueid"))

    events = [message for message in client.pop_events() if ours(message)]
    created = any(message.event == "Newchannel" for message in events)
    if created and not any(message.event == "Hangup" for message in events):
        with contextlib.suppress(AMITimeoutError):
            events.append(
                client.wait_for_event(
                    lambda message: message.event == "Hangup" and ours(message), timeout=HANGUP_GRACE_SECONDS
                )
            )
    return events


def _failure_from_channel(events: list[Message], channel: str) -> tuple[str, str] | None:
    dial_status = next((m.get("DialStatus") for m in events if m.event == "DialEnd" and m.get("DialStatus")), None)
    hangup = next((m for m in reversed(events) if m.event in ("Hangup", "HangupRequest") and m.get("Cause")), None)
    cause = _int_or_none(hangup.get("Cause")) if hangup is not None else None
    failure = FAILURE_BY_CAUSE.get(cause or -1) or FAILURE_BY_DIAL_STATUS.get(dial_status or "")
    if failure is None and cause is None and dial_status is None:
        return None
    details = []
    if hangup is not None and hangup.get("Cause-txt"):
        details.append(f"{hangup.get('Cause-txt')}, cause {cause}")
    elif cause is not None:
        details.append(f"cause {cause}")
    tech_cause = next((m.get("TechCause") for m in events if m.get("TechCause")), None)
    if tech_cause:
        details.append(f"SIP {tech_cause}")
    if dial_status:
        details.append(f"dial status {dial_status}")
    sentences = {
        "busy": f"{channel} is busy",
        "no_answer": f"{channel} rang and nobody answered",
        "rejected": f"{channel} rejected the call",
        "congestion": f"{channel} could not be reached: the network is congested",
        "unreachable": f"{channel} could not be reached",
        "not_registered": f"{channel} is not registered",
        "unallocated_number": f"{channel} does not exist",
        "cancelled": f"the call to {channel} was cancelled",
    }
    sentence = sentences.get(failure or "", f"the call to {channel} ended before it was answered")
    return failure or "hangup", f"{sentence} ({'; '.join(details)})."


def _failure_from_endpoint(client: AMIClient, endpoint: str) -> tuple[str, str] | None:
    """Whether Asterisk knows the endpoint and has a contact for it (PJSIPShowEndpoints)."""
    try:
        listing = client.send_list_action("PJSIPShowEndpoints")
        items = [item for item in listing.items if item.event == "EndpointList"]
    except AMIActionError as exc:
        # With no endpoint at all Asterisk answers an error (res_pjsip/pjsip_configuration.c).
        if not (exc.message or "").startswith("No endpoints found"):
            logger.info("PJSIPShowEndpoints failed while explaining a failed Originate: %s", exc)
            return None
        items = []
    except AMIError as exc:
        logger.info("PJSIPShowEndpoints failed while explaining a failed Originate: %s", exc)
        return None
    row = next((item for item in items if item.get("ObjectName") == endpoint), None)
    if row is None:
        return (
            "endpoint_not_found",
            f"Endpoint {endpoint} does not exist in Asterisk (PJSIPShowEndpoints does not list it).",
        )
    contacts = [part for part in (row.get("Contacts") or "").split(",") if part.strip()]
    if not contacts:
        return "not_registered", f"Endpoint {endpoint} has no registered contact: its phone is not registered."
    if (row.get("DeviceState") or "").lower() == "unavailable":
        return "unreachable", f"Endpoint {endpoint} is registered but its contact is unreachable."
    return None


def _explain_failure(client: AMIClient, *, endpoint: str, channel_id: str, reason: int | None) -> tuple[str, str]:
    """A failure code and a sentence for a call that was not answered.

    ``Reason: 0`` only means "failed": Asterisk gave it for an unregistered endpoint, a missing
    one and a busy phone alike (transcript 13-originate-failures-noanswer-busy-sync.txt). So the
    channel's own events come first (hangup cause, dial status); when no channel was created,
    Asterisk is asked whether it knows the endpoint and has a contact for it.
    """
    channel = f"PJSIP/{endpoint}"
    from_channel = _failure_from_channel(_channel_events(client, channel_id), channel)
    if from_channel is not None and from_channel[0] != "hangup":
        return from_channel
    if reason == 3:
        return "no_answer", f"{channel} rang and nobody answered before the timeout (Reason 3)."
    if reason in FAILURE_BY_REASON and reason != 1:
        failure = FAILURE_BY_REASON[reason]
        return failure, f"{channel}: {failure.replace('_', ' ')} (Reason {reason})."
    if from_channel is not None:
        return from_channel
    from_endpoint = _failure_from_endpoint(client, endpoint)
    if from_endpoint is not None:
        return from_endpoint
    return "unknown", f"Asterisk reported the call to {channel} as failed without a cause (Reason {reason})."


def _bool(field_name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field_name, f"{value!r} must be True or False")
    return value
