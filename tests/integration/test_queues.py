"""Real phones as agents of a realtime queue on a real Asterisk: credit, pause, abandon, CLI pause.

The caller reaches ``Queue(support)`` through a realtime dialplan row in the phones' own context
(exten 800, the steps of the ``queue`` destination kind), not through an inbound route: the
inbound routes live in another branch. With ``RECORD_QUEUE_TRANSCRIPTS=1`` the AMI bytes of each
test are written to ``tests/callcentre/transcripts/`` (the recordings the fake-AMI tests replay).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import PASSWORD_LINE, run_command
from tests.integration.phones import wait_until
from voip.callcentre import services
from voip.callcentre.destinations import QUEUE_KIND
from voip.callcentre.models import AgentQueueState, PauseReason, QueueCall
from voip.calls.models import CallDisposition, CallLog
from voip.realtime.models import Extension
from voip.realtime.router import realtime_db_alias

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "callcentre" / "transcripts"
QUEUE_EXTEN = "800"


class AmiTap:
    """A raw AMI session (Events: agent,call) keeping every byte it receives, for a transcript."""

    def __init__(self, port: int, user: str, secret: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.login = (
            f"Action: Login\r\nUsername: {user}\r\nSecret: {secret}\r\nEvents: agent\r\nActionID: tap-1\r\n\r\n"
        )
        self.masked = self.login.replace(secret, "***")
        self.received = bytearray()
        self.stopping = False
        self.sock.sendall(self.login.encode())
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopping:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            self.received += chunk

    def close(self) -> bytes:
        time.sleep(0.5)
        self.stopping = True
        self.thread.join(2)
        self.sock.close()
        data = bytes(self.received)
        cut = data.rfind(b"\r\n\r\n")
        return data[: cut + 4] if cut >= 0 else b""

    def write(self, name: str, title: str) -> None:
        data = self.close()
        if not os.environ.get("RECORD_QUEUE_TRANSCRIPTS"):
            return
        rule = "=" * 78

        def block(kind: str, raw: bytes) -> str:
            text = raw.decode("utf-8").replace("\r\n", "\\r\\n\n")
            return f"----- {kind} ({len(raw)} bytes) -----\n{text}"

        greeting_end = data.index(b"\r\n") + 2
        TRANSCRIPTS.mkdir(exist_ok=True)
        (TRANSCRIPTS / name).write_text(
            f"{rule}\n# AMI transcript: {title}  ({time.strftime('%Y-%m-%dT%H:%M:%S')})\n"
            f"# target 127.0.0.1 user=crm; raw bytes, CRLF shown as \\r\\n + newline\n{rule}\n"
            + block("RECEIVED", data[:greeting_end])
            + block("SENT", self.masked.encode())
            + block("RECEIVED", data[greeting_end:])
        )


@pytest.fixture
def tap(live_pbx) -> Iterator[AmiTap]:
    options = live_pbx.ami_options
    tapped = AmiTap(live_pbx.ami_port, options["AMI_USERNAME"], options["AMI_SECRET"])
    yield tapped
    if not tapped.stopping:
        tapped.close()


@pytest.fixture
def support(live_pbx, agents):
    queue = services.queue_create(name="support", strategy="ringall", ring_timeout=20, retry=1, wrapup=0)
    for agent in agents.values():
        services.queue_agent_add(queue=queue, user=agent.user)
        services.agent_login(user=agent.user, queue=queue)
    for priority, step in enumerate([("Answer", ""), *[(s.app, s.data) for s in QUEUE_KIND.steps("support")]], 1):
        Extension.objects.using(realtime_db_alias()).create(
            context="from-internal", exten=QUEUE_EXTEN, priority=priority, app=step[0], appdata=step[1]
        )
    return queue


@pytest.fixture
def caller(live_pbx, phone_factory):
    status, out, err = run_command("--create-test-endpoints", "1")
    assert status == 0, err
    [(number, password)] = PASSWORD_LINE.findall(out)
    return phone_factory(number, password)


def members_ready(live_pbx, *extensions: str) -> None:
    """Wait until app_queue sees each member's device as usable: a just-registered endpoint stays
    Unavailable to the queue until its first qualify answer (seen: 0.4 s for one phone, 16 s and
    31 s for others, with qualify_frequency 60), and a ring-all call placed before then skips it."""

    last = [""]

    for ext in extensions:
        live_pbx.cli(f"pjsip qualify {ext}")  # else the first qualify comes up to a minute later

    def ready() -> bool:
        shown = last[0] = live_pbx.cli("queue show support")
        lines = [line for line in shown.splitlines() if "PJSIP/" in line]
        return all(any(f"(PJSIP/{ext})" in line and "Unavailable" not in line for line in lines) for ext in extensions)

    try:
        wait_until(ready, timeout=40, what=f"{', '.join(extensions)} usable in queue show support")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last output: {last[0]}") from None


def queue_calls_done() -> list[CallLog]:
    return list(CallLog.objects.exclude(disposition=CallDisposition.IN_PROGRESS).exclude(queue=""))


def test_ringall_credits_the_agent_who_answered(live_pbx, agents, support, caller, phone_factory, listener, tap):
    alice, bob = agents["alice"], agents["bob"]
    bob_phone = phone_factory(bob.extension, bob.password, answer="manual")
    phone_factory(alice.extension, alice.password)  # answers by itself
    members_ready(live_pbx, alice.extension, bob.extension)
    since = caller.mark()
    caller.dial(QUEUE_EXTEN)
    caller.wait_event("CALL_ESTABLISHED", since=since)
    bob_phone.wait_event("CALL_INCOMING", timeout=15)  # ring-all: Bob rings too, Alice answers
    wait_until(lambda: QueueCall.objects.exclude(answered_interface="").exists(), timeout=20, what="AgentConnect")
    time.sleep(2)
    caller.hangup()
    [call] = wait_until(queue_calls_done, timeout=20, what="the queue call logged")
    tap.write("31-queue-ringall-answered.txt", "ringall queue support, caller dials 800, alice answers, bob rang")
    assert (call.queue, call.agent_id, call.disposition) == ("support", alice.user.pk, CallDisposition.ANSWERED)
    assert call.wait_seconds is not None and call.wait_seconds <= 15
    queue_call = QueueCall.objects.get()
    assert f"PJSIP/{bob.extension}" in queue_call.rung and queue_call.answered_by_id == alice.user.pk


def test_crm_pause_stops_the_agent_ringing_and_abandon_is_recorded(
    live_pbx, agents, support, caller, phone_factory, listener, tap
):
    alice, bob = agents["alice"], agents["bob"]
    alice_phone = phone_factory(alice.extension, alice.password, answer="manual")
    bob_phone = phone_factory(bob.extension, bob.password, answer="manual")
    members_ready(live_pbx, alice.extension, bob.extension)
    lunch = PauseReason.objects.create(label="Lunch")
    services.agent_pause(actor=alice.user, user=alice.user, queue=support, reason_id=lunch.pk)
    shown = live_pbx.cli("queue show support")
    alice_line = next(line for line in shown.splitlines() if f"PJSIP/{alice.extension}" in line)
    assert "paused" in alice_line.lower(), shown
    since_alice = alice_phone.mark()
    since = caller.mark()
    caller.dial(QUEUE_EXTEN)
    caller.wait_event("CALL_ESTABLISHED", since=since)  # the queue answers and plays music
    bob_phone.wait_event("CALL_INCOMING", timeout=15)
    time.sleep(4)
    assert not alice_phone.has_event("CALL_INCOMING", since=since_alice), "a paused agent rang"
    caller.hangup()
    [call] = wait_until(queue_calls_done, timeout=20, what="the abandoned call logged")
    tap.write("32-queue-paused-agent-abandoned.txt", "alice paused Lunch from the CRM; caller hangs up while bob rings")
    assert (call.queue, call.disposition, call.agent_id) == ("support", CallDisposition.ABANDONED, None)
    assert call.wait_seconds is not None and 3 <= call.wait_seconds <= 15
    state = AgentQueueState.objects.get(interface=f"PJSIP/{alice.extension}")
    assert (state.paused, state.pause_reason) == (True, "Lunch")


def test_a_cli_pause_shows_in_the_crm(live_pbx, agents, support, listener, tap):
    bob = agents["bob"]
    interface = f"PJSIP/{bob.extension}"
    # Asterisk loads the realtime members on the queue's first lookup.
    live_pbx.cli("queue show support")
    live_pbx.cli(f"queue pause member {interface} queue support reason Break")

    def paused() -> AgentQueueState | None:
        return AgentQueueState.objects.filter(interface=interface, paused=True).first()

    state = wait_until(paused, timeout=15, what="the CLI pause in the CRM")
    live_pbx.cli(f"queue unpause member {interface} queue support")
    wait_until(lambda: not AgentQueueState.objects.get(interface=interface).paused, timeout=15, what="unpause")
    tap.write("33-queue-cli-pause-unpause.txt", "queue pause member ... reason Break on the CLI, then unpause")
    assert state.pause_reason == "Break" and state.user_id == bob.user.pk
