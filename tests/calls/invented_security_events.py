"""INVENTED security-event bytes: PJSIP authentication failures, which no transcript recorded.

The transcripts hold real ``security`` events, but no failed SIP authentication: ``ChallengeSent``
and ``SuccessfulAuth`` with ``Service: PJSIP`` (files 05, 12, 22) and one
``ChallengeResponseFailed`` with ``Service: AMI`` (file 18, a bad MD5 login). The failures below
are built from those real bytes; what is invented, and where it comes from:

* ``ChallengeResponseFailed`` with ``Service: PJSIP``: file 18's event with ``Service``,
  ``AccountID``, ``SessionID`` (PJSIP puts the SIP Call-ID there), ``LocalAddress``,
  ``RemoteAddress``, ``Challenge`` (the digest nonce), ``Response`` and an empty
  ``ExpectedResponse`` replaced, as ``ast_sip_report_auth_failed_challenge_response`` in
  Asterisk's ``res/res_pjsip/security_events.c`` fills them. ``EventTV`` is set per event.
* ``InvalidAccountID`` with ``Service: PJSIP``: the common headers of file 12's ``ChallengeSent``
  (``Severity: Error`` and ``EventVersion: 1`` as ``main/security_events.c`` gives this type),
  without the type-specific ``Challenge``.
* IPv6 ``RemoteAddress`` values are written as ``ast_json_ipaddr`` in ``main/json.c`` formats
  them (``IPV6/UDP/[2001:db8::7]/5060``).

Everything else (header names and order, ``Privilege: security,all``) is as recorded.
"""

from __future__ import annotations

import datetime as dt

from tests.ami.transcripts import load


def _recorded(prefix: str, event: str, service: str) -> bytes:
    for session in load(prefix):
        for raw in session.messages():
            if raw.startswith(f"Event: {event}\r\n".encode()) and f"\r\nService: {service}\r\n".encode() in raw:
                return raw
    raise LookupError(f"no {event} from {service} in transcript {prefix}")


def _replace_header(raw: bytes, name: str, value: str) -> bytes:
    lines = raw.split(b"\r\n")
    prefix = f"{name}: ".encode()
    for index, line in enumerate(lines):
        if line.startswith(prefix):
            lines[index] = prefix + value.encode()
            return b"\r\n".join(lines)
    raise KeyError(name)


def _event_tv(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


def remote(address: str, port: int = 5060, transport: str = "UDP") -> str:
    family = "IPV6" if ":" in address else "IPV4"
    host = f"[{address}]" if family == "IPV6" else address
    return f"{family}/{transport}/{host}/{port}"


def pjsip_challenge_response_failed(*, address: str, account: str, when: dt.datetime, serial: int = 0) -> bytes:
    raw = _recorded("18", "ChallengeResponseFailed", "AMI")
    for name, value in (
        ("EventTV", _event_tv(when)),
        ("Service", "PJSIP"),
        ("AccountID", account),
        ("SessionID", f"guess-{serial:06d}@{address}"),
        ("LocalAddress", "IPV4/UDP/127.0.0.1/5060"),
        ("RemoteAddress", remote(address, 5060 + serial % 50)),
        ("Challenge", f"1795815{serial:03d}/0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
        ("Response", f"{serial:032x}"),
        ("ExpectedResponse", ""),
    ):
        raw = _replace_header(raw, name, value)
    return raw


def pjsip_invalid_account_id(*, address: str, account: str, when: dt.datetime, serial: int = 0) -> bytes:
    raw = _recorded("12", "ChallengeSent", "PJSIP")
    raw = raw.replace(b"Event: ChallengeSent\r\n", b"Event: InvalidAccountID\r\n")
    raw = raw.replace(b"Challenge: \r\n", b"")
    for name, value in (
        ("EventTV", _event_tv(when)),
        ("Severity", "Error"),
        ("AccountID", account),
        ("SessionID", f"scan-{serial:06d}@{address}"),
        ("RemoteAddress", remote(address, 5060 + serial % 50)),
    ):
        raw = _replace_header(raw, name, value)
    return raw
