"""A one-shot SIP INVITE from any loopback address, to see how Asterisk identifies a source.

``invite(source_host=..., target=(host, port), from_user=..., to_user=...)`` sends one INVITE
over UDP from ``source_host`` (127.0.0.2, 127.0.0.3, ...), completes the transaction (ACK, and a
BYE after a 2xx) and returns the final status code: an unidentified source gets Asterisk's 401
challenge of its artificial endpoint, an identified one reaches the dialplan.
"""

from __future__ import annotations

import re
import secrets
import socket
import time

_STATUS = re.compile(rb"^SIP/2\.0 (\d{3})")


def _header(message: bytes, name: str) -> str:
    match = re.search(rb"(?im)^" + re.escape(name.encode()) + rb":\s*(.*?)\r$", message)
    return match.group(1).decode() if match else ""


def invite(*, source_host: str, target: tuple[str, int], from_user: str, to_user: str, timeout: float = 8) -> int:
    host, port = target
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source_host, 0))
        sport = sock.getsockname()[1]
        tag, call_id, branch = secrets.token_hex(4), secrets.token_hex(8), "z9hG4bK" + secrets.token_hex(6)
        sdp = (
            f"v=0\r\no=- 1 1 IN IP4 {source_host}\r\ns=-\r\nc=IN IP4 {source_host}\r\nt=0 0\r\n"
            f"m=audio {sport + 2} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        )
        via = f"SIP/2.0/UDP {source_host}:{sport};branch={branch};rport"
        from_header = f"<sip:{from_user}@{source_host}>;tag={tag}"
        request_uri = f"sip:{to_user}@{host}:{port}"
        message = (
            f"INVITE {request_uri} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\nFrom: {from_header}\r\n"
            f"To: <{request_uri}>\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\n"
            f"Contact: <sip:{from_user}@{source_host}:{sport}>\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(sdp)}\r\n\r\n{sdp}"
        )
        sock.sendto(message.encode(), target)
        deadline = time.monotonic() + timeout
        sock.settimeout(0.5)
        while time.monotonic() < deadline:
            try:
                data, _ = sock.recvfrom(65535)
            except TimeoutError:
                continue
            status = _STATUS.match(data)
            if status is None or _header(data, "Call-ID") != call_id:
                continue
            code = int(status.group(1))
            if code < 200:
                continue
            to_header = _header(data, "To")
            if code >= 300:
                ack = (
                    f"ACK {request_uri} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\nFrom: {from_header}\r\n"
                    f"To: {to_header}\r\nCall-ID: {call_id}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
                )
                sock.sendto(ack.encode(), target)
                return code
            for method, cseq in (("ACK", 1), ("BYE", 2)):
                new_via = f"SIP/2.0/UDP {source_host}:{sport};branch=z9hG4bK{secrets.token_hex(6)};rport"
                request = (
                    f"{method} {request_uri} SIP/2.0\r\nVia: {new_via}\r\nMax-Forwards: 70\r\n"
                    f"From: {from_header}\r\nTo: {to_header}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
                    "Content-Length: 0\r\n\r\n"
                )
                sock.sendto(request.encode(), target)
            return code
    raise AssertionError(f"no final response to an INVITE from {source_host} within {timeout} s")
