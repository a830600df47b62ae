"""Benchmark: call set-up time through the routing dialplan against a static extensions.conf.

Run from the repository root (Asterisk installed at ASTERISK_PREFIX, default /opt/asterisk)::

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/routing.py
    python bench/routing.py --calls 500        # more calls per case

A scratch database is created and filled (not timed) through the services: 1,000 inbound routes
(DIDs, destination ``contact_owner`` with a hang-up fallback), 200 outbound routes (two patterns
each, 400 pattern rows), 100,000 contacts owned by one user (their owners' copy rebuilt). A private
Asterisk is started on loopback with the generated configuration plus two static contexts that
hold the same routes the way a hand-written extensions.conf would:

* inbound: an INVITE from 127.0.0.3 (identified as trunk ``bench`` by address) to a DID, the caller
  in national format. Routing: E.164 normalisation, DID lookup (realtime, exact), the owner lookup
  (``REALTIME_FIELD`` over 100,000 numbers), ``Dial`` of the owner's endpoint (not registered:
  fails at once), fallback hang-up. Static: ``exten => <DID>,1,Dial(PJSIP/2000,10)`` then hang-up.
* outbound: an authenticated INVITE from endpoint 1000 to a national number (a random one each
  call, so pbx_realtime's one-second cache never answers). Routing: pattern match over 400
  realtime rows, the dialling subroutine, ``Dial`` to the trunk. Static: ``exten => _<pattern>,1,
  Dial(PJSIP/${EXTEN}@bench)``. The trunk's far end is a UDP responder in this process answering
  486 at once.

Timed: from sending the INVITE (the authenticated one for outbound) to the final response, per
call, sequentially; Asterisk's verbose logging is off while measuring. Reported: p50 and p99 per
case and the difference. The database is dropped and Asterisk stopped at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import platform
import random
import re
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from _databases import scratch_databases

DIDS = int(os.environ.get("BENCH_DIDS", 1000))
ROUTES = int(os.environ.get("BENCH_ROUTES", 200))
CONTACTS = int(os.environ.get("BENCH_CONTACTS", 100_000))
OWNER_ENDPOINT = "2000"


def header(message: str, name: str) -> str:
    match = re.search(rf"(?im)^{re.escape(name)}:\s*(.*?)\r$", message)
    return match.group(1) if match else ""


class Responder(threading.Thread):
    """The provider's side of the trunk: answers every INVITE 486 Busy Here, at once."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def run(self) -> None:
        while True:
            try:
                data, address = self.sock.recvfrom(65535)
            except OSError:
                return
            text = data.decode(errors="replace")
            method = text.split(" ", 1)[0]
            if method in ("INVITE", "OPTIONS"):
                code = "486 Busy Here" if method == "INVITE" else "200 OK"
                reply = (
                    f"SIP/2.0 {code}\r\nVia: {header(text, 'Via')}\r\nFrom: {header(text, 'From')}\r\n"
                    f"To: {header(text, 'To')};tag=b{secrets.token_hex(3)}\r\nCall-ID: {header(text, 'Call-ID')}\r\n"
                    f"CSeq: {header(text, 'CSeq')}\r\nContent-Length: 0\r\n\r\n"
                )
                self.sock.sendto(reply.encode(), address)


def _digest(user: str, password: str, challenge: str, method: str, uri: str) -> str:
    realm = re.search(r'realm="([^"]*)"', challenge).group(1)  # type: ignore[union-attr]
    nonce = re.search(r'nonce="([^"]*)"', challenge).group(1)  # type: ignore[union-attr]
    ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    qop = "auth" if "qop=" in challenge else ""
    if qop:
        nc, cnonce = "00000001", secrets.token_hex(4)
        response = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}".encode()).hexdigest()
        return (
            f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{response}", '
            f'algorithm=MD5, qop={qop}, nc={nc}, cnonce="{cnonce}"'
        )
    response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
    return f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{response}"'


def call(
    *, source: str, target: tuple[str, int], from_user: str, to_user: str, expect: str, password: str = ""
) -> float:
    """One INVITE; seconds from the (authenticated) INVITE to its final response, which must be
    ``expect`` (the owner's endpoint is not registered: 404 inbound; the trunk's far end: 486)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        sock.settimeout(10)
        sport = sock.getsockname()[1]
        call_id, tag = secrets.token_hex(8), secrets.token_hex(4)
        uri = f"sip:{to_user}@{target[0]}:{target[1]}"
        sdp = (
            f"v=0\r\no=- 1 1 IN IP4 {source}\r\ns=-\r\nc=IN IP4 {source}\r\nt=0 0\r\nm=audio {sport + 2} RTP/AVP 0\r\n"
        )

        def request(method: str, cseq: int, branch: str, extra: str = "", body: str = "") -> str:
            return (
                f"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {source}:{sport};branch={branch};rport\r\n"
                f"Max-Forwards: 70\r\nFrom: <sip:{from_user}@{source}>;tag={tag}\r\nTo: <{uri}>\r\n"
                f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nContact: <sip:{from_user}@{source}:{sport}>\r\n"
                f"{extra}"
                + (
                    f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
                    if body
                    else "Content-Length: 0\r\n\r\n"
                )
            )

        def final(branch: str, cseq: int) -> str:
            while True:
                data = sock.recv(65535).decode(errors="replace")
                code = int(data.split(" ", 2)[1])
                if code >= 200:
                    to = header(data, "To")
                    ack = (
                        f"ACK {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {source}:{sport};branch={branch};rport\r\n"
                        f"Max-Forwards: 70\r\nFrom: <sip:{from_user}@{source}>;tag={tag}\r\nTo: {to}\r\n"
                        f"Call-ID: {call_id}\r\nCSeq: {cseq} ACK\r\nContent-Length: 0\r\n\r\n"
                    )
                    sock.sendto(ack.encode(), target)
                    return data

        branch = "z9hG4bK" + secrets.token_hex(6)
        started = time.perf_counter()
        sock.sendto(request("INVITE", 1, branch, body=sdp).encode(), target)
        answer = final(branch, 1)
        if answer.startswith("SIP/2.0 401") and password:
            authorization = _digest(from_user, password, header(answer, "WWW-Authenticate"), "INVITE", uri)
            branch = "z9hG4bK" + secrets.token_hex(6)
            started = time.perf_counter()
            sock.sendto(request("INVITE", 2, branch, f"Authorization: {authorization}\r\n", sdp).encode(), target)
            answer = final(branch, 2)
        elapsed = time.perf_counter() - started
        if not answer.startswith(f"SIP/2.0 {expect}"):
            raise RuntimeError(f"call to {to_user}: {answer.splitlines()[0]}, expected {expect}")
        return elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def fill(responder_port: int) -> str:
    """The routes and contacts through the services; returns the phone's password."""
    from django.contrib.auth import get_user_model

    from crm.models import Contact
    from voip.provisioning import services as provisioning
    from voip.provisioning.models import InternalNumber
    from voip.routes.owners import caller_owners_rebuild
    from voip.routes.services import inbound_route_save, outbound_route_save
    from voip.trunks.services import trunk_save

    phone = provisioning.create_test_endpoint("1000")
    trunk_save(name="bench", host=f"127.0.0.1:{responder_port}", match=["127.0.0.3"], qualify_frequency=0)
    owner = get_user_model().objects.create(username="owner")
    InternalNumber.objects.create(user=owner, number=OWNER_ENDPOINT, endpoint_id=OWNER_ENDPOINT)
    for i in range(ROUTES):
        code = 300 + i
        outbound_route_save(name=f"r{i}", patterns=[f"8{code}XXXXXXX", f"+7{code}XXXXXXX"], trunks=["bench"])
    for i in range(DIDS):
        inbound_route_save(
            trunk="bench",
            did=f"+7495100{i:04d}",
            destination={"contact_owner": {"timeout": 10, "fallback": {"hangup": True}}},
        )
    Contact.objects.bulk_create(
        [
            Contact(first_name=f"c{i}", phone=f"+7916{i:07d}", phone_e164=f"+7916{i:07d}", owner=owner)
            for i in range(CONTACTS)
        ],
        batch_size=5000,
    )
    caller_owners_rebuild()
    return phone.password


def static_contexts(responder_port: int) -> str:
    lines = ["", "; ---- bench/routing.py: the same routes, written by hand", "[bench-static-in]"]
    for i in range(DIDS):
        lines += [f"exten => 7495100{i:04d},1,Dial(PJSIP/{OWNER_ENDPOINT},10)", " same => n,Hangup()"]
    lines.append("[bench-static-out]")
    for i in range(ROUTES):
        code = 300 + i
        for pattern in (f"8{code}XXXXXXX", f"+7{code}XXXXXXX"):
            lines += [f"exten => _{pattern},1,Dial(PJSIP/${{EXTEN}}@bench)", " same => n,Hangup()"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    with scratch_databases("bench_routing"):
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test.utils import override_settings

        from tests.integration.asterisk import PrivateAsterisk, free_port
        from voip.realtime.models import PsEndpoint

        call_command("migrate", verbosity=0)
        if settings.DATABASES.get("asterisk", {}).get("NAME") != settings.DATABASES["default"]["NAME"]:
            call_command("migrate", database="asterisk", verbosity=0)
        root = Path(tempfile.mkdtemp(prefix="bench-routing-"))
        ami_port, sip_port = free_port(), free_port()
        options = {**settings.VOIP[0]["OPTIONS"], "AMI_PORT": ami_port, "AMI_SECRET": secrets.token_hex(8)}
        overrides = override_settings(
            VOIP=[{**settings.VOIP[0], "OPTIONS": options}, *settings.VOIP[1:]],
            VOIP_PROVISIONING={**settings.VOIP_PROVISIONING, "TRANSPORT_BIND": f"127.0.0.1:{sip_port}"},
            VOIP_ASTERISK_CONFIG={**settings.VOIP_ASTERISK_CONFIG, "AMI_BIND_ADDRESS": "127.0.0.1"},
        )
        overrides.enable()
        responder = Responder()
        responder.start()
        asterisk = PrivateAsterisk(root / "asterisk", rtp_range=(35000, 35499))
        try:
            call_command("setup_asterisk_realtime", "--create-transports", stdout=io.StringIO())
            started = time.perf_counter()
            password = fill(responder.port)
            print(f"filled in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            generated = root / "generated"
            call_command("setup_asterisk_realtime", "--write-config", str(generated), stdout=io.StringIO())
            with (generated / "extensions.conf").open("a") as conf:
                conf.write(static_contexts(responder.port))
            asterisk.configure(generated)
            asterisk.start()
            asterisk.cli("core set verbose 0")
            target = ("127.0.0.1", sip_port)
            rng = random.Random(12)

            def inbound() -> float:
                caller = f"8916{rng.randrange(CONTACTS):07d}"
                return call(
                    source="127.0.0.3",
                    target=target,
                    from_user=caller,
                    to_user=f"7495100{rng.randrange(DIDS):04d}",
                    expect="404",
                )

            def outbound() -> float:
                number = f"8{300 + rng.randrange(ROUTES)}{rng.randrange(10**7):07d}"
                return call(
                    source="127.0.0.1", target=target, from_user="1000", to_user=number, password=password, expect="486"
                )

            def measure(name: str, one: object, *, endpoint: str, context: str) -> list[float]:
                PsEndpoint.objects.filter(id=endpoint).update(context=context)
                for _ in range(20):  # warm-up
                    one()  # type: ignore[operator]
                return [one() for _ in range(args.calls)]  # type: ignore[operator]

            results = {
                "inbound, routing dialplan": measure("in", inbound, endpoint="bench", context="crm-from-trunk"),
                "inbound, static extensions.conf": measure("in", inbound, endpoint="bench", context="bench-static-in"),
                "outbound, routing dialplan": measure("out", outbound, endpoint="1000", context="from-internal"),
                "outbound, static extensions.conf": measure(
                    "out", outbound, endpoint="1000", context="bench-static-out"
                ),
            }
        finally:
            asterisk.stop()
            responder.sock.close()
            overrides.disable()
    load = os.getloadavg()
    print(f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, load {load[0]:.2f} {load[1]:.2f}")
    print(
        f"{DIDS} DIDs, {ROUTES} outbound routes ({2 * ROUTES} patterns), {CONTACTS} contacts;"
        f" {args.calls} calls per case"
    )
    for name, values in results.items():
        print(
            f"{name:36s} p50 {1000 * statistics.median(values):6.2f} ms   p99 {1000 * percentile(values, 0.99):6.2f} ms"
        )
    for kind in ("inbound", "outbound"):
        routing, static = results[f"{kind}, routing dialplan"], results[f"{kind}, static extensions.conf"]
        p50 = 1000 * (statistics.median(routing) - statistics.median(static))
        p99 = 1000 * (percentile(routing, 0.99) - percentile(static, 0.99))
        print(f"{kind}: added by the routing dialplan p50 {p50:+.2f} ms, p99 {p99:+.2f} ms")


if __name__ == "__main__":
    main()
