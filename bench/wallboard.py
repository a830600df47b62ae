"""Benchmark: the wallboard's event stream, 50 queues and 500 agents, through the listener.

Run from the repository root: ``python bench/wallboard.py [--queues 50] [--agents-per-queue 10]
[--rate 1000] [--seconds 60]``. ``BENCH_DATABASE_URL`` names a PostgreSQL server for scratch
databases (else a throwaway embedded PostgreSQL is started).

The stream is cloned from the queue sessions recorded on a private Asterisk 22.10.1
(``tests/callcentre/transcripts``): 31 (a ring-all call rung on two agents, answered by one),
32 (an agent paused, a caller abandons) and 33 (a pause and unpause from the CLI). Each clone gets
its queue, two of the queue's agents, and fresh Uniqueid/Linkedid values. The parsed events go
through ``CallEventListener.process_batch`` (call tracker, queue tracker, CallLog and agent-state
writes, pushes) paced at ``--rate`` events/s, one batch per 50 ms tick.

Measured: the push latency (push time - arrival of the oldest event of its batch) of every
``wallboard`` / ``queue_agent`` / ``queue_waiting`` push; the final state against the stream's own
(a fresh pure ``QueueTracker`` fed the same events, plus the counts the clones were built with);
the AMI actions sent after the start (every ``AMIConnection.send_action`` is counted).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from _databases import scratch_databases  # noqa: E402

ID_RE = re.compile(rb"\b179\d{7}\.\d+\b")
CHAN_RE = re.compile(rb"(PJSIP/[0-9]+)-([0-9a-f]{8})")


def templates() -> dict[str, list[bytes]]:
    from tests.callcentre import streams

    return {name: streams.own_events(name) for name in ("31", "32", "33")}


def clone(raws: list[bytes], *, queue: str, agents: tuple[str, str], counter: itertools.count) -> list[bytes]:
    """The session for ``queue`` with PJSIP/1000 -> agents[0], PJSIP/1001 -> agents[1], caller 1002 -> a caller."""
    ids: dict[bytes, bytes] = {}
    base = next(counter)

    def new_id(match: re.Match[bytes]) -> bytes:
        return ids.setdefault(match.group(0), f"1900{base:06d}.{len(ids)}".encode())

    out = []
    for raw in raws:
        raw = raw.replace(b"Queue: support", b"Queue: " + queue.encode())
        raw = raw.replace(b"PJSIP/1000", b"PJSIP/A" + agents[0].encode()).replace(
            b"PJSIP/1001", b"PJSIP/A" + agents[1].encode()
        )
        raw = raw.replace(b"PJSIP/1002", b"PJSIP/9" + str(base % 1000).encode())
        raw = raw.replace(b"PJSIP/A", b"PJSIP/")
        raw = ID_RE.sub(new_id, raw)
        raw = CHAN_RE.sub(lambda m: m.group(1) + b"-" + f"{base:08x}".encode(), raw)
        raw = re.sub(rb"Timestamp: [0-9.]+\r\n", b"", raw)
        out.append(raw)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--agents-per-queue", type=int, default=10)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    with scratch_databases("bench_wallboard"):
        return run(args)


def run(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.core.management import call_command

    from voip.ami import connection as ami_connection
    from voip.ami.protocol import AMIParser
    from voip.callcentre import push, services
    from voip.callcentre.models import AgentQueueState, QueueAgent, QueueCall, WaitingCaller
    from voip.callcentre.tracker import QueueTracker
    from voip.calls.listener import CallEventListener
    from voip.provisioning.models import InternalNumber

    call_command("migrate", verbosity=0)
    call_command("migrate", database="asterisk", verbosity=0)
    User = get_user_model()
    total_agents = args.queues * args.agents_per_queue
    users = User.objects.bulk_create(User(username=f"agent{i}", first_name=f"Agent {i}") for i in range(total_agents))
    InternalNumber.objects.bulk_create(
        InternalNumber(user=u, number=str(2000 + i), endpoint_id=str(2000 + i)) for i, u in enumerate(users)
    )
    boss = User.objects.create(username="boss")
    boss.user_permissions.add(Permission.objects.get(codename="supervise_queues"))
    queues = [services.queue_create(name=f"q{n:02d}", wrapup=0, service_level=20) for n in range(args.queues)]
    members: dict[str, list[str]] = {}
    agents = []
    for n, queue in enumerate(queues):
        chunk = users[n * args.agents_per_queue : (n + 1) * args.agents_per_queue]
        members[queue.name] = [str(2000 + users.index(u)) for u in chunk]
        agents.extend(QueueAgent(queue=queue, user=u) for u in chunk)
    QueueAgent.objects.bulk_create(agents)

    sent_actions = []
    original_send = ami_connection.AMIConnection.send_action

    def counting_send(self, *a, **kw):  # type: ignore[no-untyped-def]
        sent_actions.append(a[0] if a else kw.get("action"))
        return original_send(self, *a, **kw)

    ami_connection.AMIConnection.send_action = counting_send  # type: ignore[method-assign]

    latencies: list[float] = []
    pushes = {"wallboard": 0, "queue_agent": 0, "queue_waiting": 0}
    batch_arrival = [0.0]

    def sink(user_id: int, payload: dict) -> None:
        latencies.append(time.time() - batch_arrival[0])
        pushes[payload["kind"]] = pushes.get(payload["kind"], 0) + 1

    push.set_sink(sink)

    shapes = templates()
    counter = itertools.count(1)
    rng = random.Random(13)
    wanted = args.rate * args.seconds
    stream: list[bytes] = []
    built = {"31": 0, "32": 0, "33": 0}
    built_per_queue: dict[str, dict[str, int]] = {q.name: {"31": 0, "32": 0} for q in queues}
    while len(stream) < wanted:
        queue = rng.choice(queues).name
        a, b = rng.sample(members[queue], 2)
        kind = rng.choice(("31", "31", "32", "33"))
        stream.extend(clone(shapes[kind], queue=queue, agents=(a, b), counter=counter))
        built[kind] += 1
        if kind in built_per_queue[queue]:
            built_per_queue[queue][kind] += 1
    messages = AMIParser(expect_greeting=False).feed(b"".join(stream))

    listener = CallEventListener(
        {"AMI_HOST": "127.0.0.1", "AMI_PORT": 1, "AMI_USERNAME": "bench", "AMI_SECRET": "x"},
        push=True,
        keepalive_interval=None,
    )
    start_actions = len(sent_actions)
    tick = 0.05
    per_tick = max(1, int(args.rate * tick))
    started = time.time()
    for index in range(0, len(messages), per_tick):
        due = started + (index / args.rate)
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        batch_arrival[0] = due
        chunk = messages[index : index + per_tick]
        listener.process_batch([(m, due) for m in chunk])
    elapsed = time.time() - started

    # The stream's own final state: a fresh pure tracker fed the same events.
    truth = QueueTracker()
    now = __import__("datetime").datetime.now(__import__("datetime").UTC)
    for message in messages:
        truth.feed(message, now)
    mismatches = 0
    for name, state in truth.queues.items():
        for interface, member in state.members.items():
            row = AgentQueueState.objects.get(queue=name, interface=interface)
            if (row.paused, row.pause_reason) != (member.paused, member.reason):
                mismatches += 1
        if WaitingCaller.objects.filter(queue=name).count() != len(state.callers):
            mismatches += 1
    for name, made in built_per_queue.items():
        answered = QueueCall.objects.filter(queue=name).exclude(answered_interface="").count()
        abandoned = QueueCall.objects.filter(queue=name, abandoned=True).count()
        if (answered, abandoned) != (made["31"], made["32"]):
            mismatches += 1
    board = __import__("voip.callcentre.selectors", fromlist=["wallboard"]).wallboard()
    if sum(q["answered"] for q in board) != built["31"] or sum(q["abandoned"] for q in board) != built["32"]:
        mismatches += 1
    steady_actions = len(sent_actions) - start_actions

    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(
        f"date {time.strftime('%Y-%m-%d %H:%M')} machine {os.cpu_count()} cores {platform.machine()} "
        f"load {os.getloadavg()[0]:.2f} python {platform.python_version()}"
    )
    print(
        f"queues {len(queues)} agents {total_agents} events {len(messages)} sessions {built} "
        f"seconds {elapsed:.1f} events/s {len(messages) / elapsed:.0f} (target rate {args.rate})"
    )
    print(
        f"pushes {pushes} latency p50 {p(0.5):.0f} ms p99 {p(0.99):.0f} ms max {latencies[-1] * 1000:.0f} ms "
        f"mean {statistics.mean(latencies) * 1000:.0f} ms"
    )
    print(
        f"final state mismatches {mismatches}; AMI actions in steady state {steady_actions} "
        f"({steady_actions / (elapsed / 60):.1f}/min)"
    )
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
