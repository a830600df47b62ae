"""The edge of the trunk services: every value a trunk writes to Asterisk is checked here, and
every problem is reported with the field it belongs to, so the admin form and ``pbx apply`` can show
all of them at once. Nothing is cleaned silently: a value that would need cleaning is refused."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from voip.realtime.escaping import encode_realtime_value
from voip.trunks.models import TRUNK_NAME_PATTERN, DtmfMode, NumberFormat

# The context every trunk's endpoint sends its inbound calls to; the inbound routes define it.
TRUNK_INBOUND_CONTEXT = "crm-from-trunk"
# Codecs written when a trunk names none.
DEFAULT_TRUNK_CODECS: tuple[str, ...] = ("ulaw", "alaw")
# Asterisk's codec names (main/codec_builtin.c); "allow=" refuses anything else.
KNOWN_CODECS = frozenset(
    [
        "adpcm",
        "alaw",
        "codec2",
        "g719",
        "g722",
        "g723",
        "g726",
        "g726aal2",
        "g729",
        "gsm",
        "h261",
        "h263",
        "h263p",
        "h264",
        "h265",
        "ilbc",
        "jpeg",
        "lpc10",
        "mpeg4",
        "opus",
        "png",
        "red",
        "silk",
        "siren14",
        "siren7",
        "slin",
        "speex",
        "t140",
        "t38",
        "ulaw",
        "vp8",
        "vp9",
    ]
)
MAX_QUALIFY_FREQUENCY = 86400
MAX_CHANNELS_LIMIT = 10000

_NAME_RE = re.compile(TRUNK_NAME_PATTERN)
# A DNS name: labels of letters, digits and '-', dot-separated.
_HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
# The user part of a SIP URI without the characters that would end it or split a row or a list
# (';' ',' '@' ':' spaces, CR/LF).
_SIP_USER_RE = re.compile(r"^[A-Za-z0-9_.!~*'()&=+$-]{1,40}$")
_TRANSPORT_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# Column widths of the realtime tables the values land in (realtime-schema.json).
_FROM_MAX = 40
_MEDIA_ADDRESS_MAX = 40
_PASSWORD_MAX = 80
_MATCH_MAX = 80

FieldError = tuple[str, str]


@dataclass(frozen=True)
class HostPort:
    host: str  # as written in a URI: IPv6 in brackets
    port: int | None

    @property
    def uri_host(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"


def parse_host(value: str) -> HostPort:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port``; raises ValueError with the reason."""
    if not isinstance(value, str) or not value:
        raise ValueError(_("enter the provider's host or host:port"))
    if _CONTROL_RE.search(value) or any(c in value for c in " ;,@/"):
        raise ValueError(_("a host may not contain spaces, ';', ',', '@', '/' or control characters"))
    port_text: str | None = None
    if value.startswith("["):
        match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::([0-9]+))?", value)
        if match is None:
            raise ValueError(_("write an IPv6 address as [address] or [address]:port"))
        address, port_text = match.group(1), match.group(2)
        try:
            ipaddress.IPv6Address(address)
        except ValueError:
            raise ValueError(_("'%(value)s' is not an IPv6 address") % {"value": address}) from None
        host = f"[{address}]"
    elif value.count(":") > 1:
        raise ValueError(_("write an IPv6 address as [address] or [address]:port"))
    else:
        host, _sep, port_text = value.partition(":")
        port_text = port_text if _sep else None
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            if not _HOSTNAME_RE.match(host) or host.replace(".", "").isdigit():
                raise ValueError(_("'%(value)s' is neither an IP address nor a host name") % {"value": host}) from None
    port: int | None = None
    if port_text is not None:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError(_("the port must be a number from 1 to 65535"))
        port = int(port_text)
    return HostPort(host=host, port=port)


def parse_network(value: str) -> str:
    """One inbound match entry: an address or a CIDR without host bits; returned as written."""
    if not isinstance(value, str) or not value or value != value.strip():
        raise ValueError(_("enter an IP address or a network such as 203.0.113.0/24"))
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(
            _("'%(value)s' is not an IP address or network (%(reason)s)") % {"value": value, "reason": exc}
        ) from None
    return value


def _check_sip_user(errors: list[FieldError], field: str, value: str) -> None:
    if value and not _SIP_USER_RE.match(value):
        errors.append(
            (
                field,
                _("use at most 40 letters, digits and - _ . ! ~ * ' ( ) & = + $; no spaces, ';', ',', '@' or ':'"),
            )
        )


def trunk_validate(
    *,
    name: str,
    host: str,
    transport: str = "",
    username: str = "",
    password: str | None = None,
    register: bool = False,
    from_user: str = "",
    from_domain: str = "",
    match: Sequence[str] = (),
    codecs: Sequence[str] = (),
    max_channels: int | None = None,
    number_format: str = NumberFormat.E164,
    qualify_frequency: int = 60,
    external_address: str = "",
    dtmf_mode: str = DtmfMode.RFC4733,
    enabled: bool = True,
    has_password: bool = False,
) -> list[FieldError]:
    """Every problem of these trunk values as ``(field, message)``; empty when they can be saved.

    Pure: ``has_password`` says whether the trunk already has a stored password (so that
    ``password=None`` may keep it). :func:`voip.trunks.services.trunk_save` adds the checks that
    need the database (an extension already using the name).
    """
    errors: list[FieldError] = []
    if not isinstance(name, str) or not _NAME_RE.match(name):
        errors.append(("name", _("use 1 to 40 lower-case letters, digits, '_' and '-'")))
    try:
        parse_host(host)
    except ValueError as exc:
        errors.append(("host", str(exc)))
    if transport and not _TRANSPORT_RE.match(transport):
        errors.append(("transport", _("a transport id is at most 40 letters, digits, '_', '.' and '-'")))
    _check_sip_user(errors, "username", username)
    if password is not None:
        if not isinstance(password, str) or not password:
            errors.append(("password", _("enter the password, or leave it out to keep the current one")))
        elif _CONTROL_RE.search(password):
            errors.append(("password", _("a password may not contain line breaks or control characters")))
        elif len(encode_realtime_value(password)) > _PASSWORD_MAX:
            errors.append(("password", _("the password is too long (at most 80 characters)")))
        elif not username:
            errors.append(
                ("password", _("a password needs a username; leave both empty for a trunk authenticated by address"))
            )
    elif username and not has_password:
        errors.append(("password", _("enter the password the provider gave for this username")))
    if register and not username:
        errors.append(("register", _("a trunk registers with a username and password")))
    _check_sip_user(errors, "from_user", from_user)
    if from_domain:
        try:
            if parse_host(from_domain).port is not None or len(from_domain) > _FROM_MAX:
                raise ValueError(_("a From domain is a host name or address of at most 40 characters, without a port"))
        except ValueError as exc:
            errors.append(("from_domain", str(exc)))
    if isinstance(match, str) or not isinstance(match, Sequence):
        errors.append(("match", _("give a list of addresses or networks")))
    else:
        for index, entry in enumerate(match):
            try:
                parse_network(entry)
            except ValueError as exc:
                errors.append((f"match[{index}]", str(exc)))
                continue
            if len(entry) > _MATCH_MAX:
                errors.append((f"match[{index}]", _("at most 80 characters")))
        if len(set(match)) != len(match):
            errors.append(("match", _("an address is listed twice")))
    if isinstance(codecs, str) or not isinstance(codecs, Sequence):
        errors.append(("codecs", _("give a list of codec names")))
    else:
        for index, codec in enumerate(codecs):
            if codec not in KNOWN_CODECS:
                errors.append(
                    (
                        f"codecs[{index}]",
                        _("'%(value)s' is not a codec Asterisk knows (for example ulaw, alaw, g722, opus)")
                        % {"value": codec},
                    )
                )
        if len(set(codecs)) != len(codecs):
            errors.append(("codecs", _("a codec is listed twice")))
    if max_channels is not None and (
        isinstance(max_channels, bool)
        or not isinstance(max_channels, int)
        or not 1 <= max_channels <= MAX_CHANNELS_LIMIT
    ):
        errors.append(("max_channels", _("a number from 1 to 10000, or empty for no limit")))
    if number_format not in NumberFormat.values:
        errors.append(("number_format", _("choose one of: %(values)s") % {"values": ", ".join(NumberFormat.values)}))
    if (
        isinstance(qualify_frequency, bool)
        or not isinstance(qualify_frequency, int)
        or not 0 <= qualify_frequency <= MAX_QUALIFY_FREQUENCY
    ):
        errors.append(("qualify_frequency", _("seconds from 0 (no health check) to 86400")))
    if external_address:
        try:
            hostport = parse_host(external_address)
            if hostport.port is not None or len(external_address) > _MEDIA_ADDRESS_MAX:
                raise ValueError(
                    _("an external address is an address or host name of at most 40 characters, without a port")
                )
        except ValueError as exc:
            errors.append(("external_address", str(exc)))
    if dtmf_mode not in DtmfMode.values:
        errors.append(("dtmf_mode", _("choose one of: %(values)s") % {"values": ", ".join(DtmfMode.values)}))
    if not isinstance(enabled, bool):
        errors.append(("enabled", _("yes or no")))
    if not isinstance(register, bool):
        errors.append(("register", _("yes or no")))
    return errors
