"""Queue event streams for the tests and the benchmark, from the recorded bytes.

Recorded (../shared/asterisk/ami): 08-realtime-queue-call.txt (a caller answered by the realtime
member PJSIP/1001 of ``support``), 16-queue-add-pause-penalty-status-remove-errors.txt (QueueAdd,
QueuePause with a reason, unpause, QueueStatus Queue: support, QueueRemove).

Recorded for the call centre from a private Asterisk 22.10.1 by ``tests/integration/test_queues.py``
(``RECORD_QUEUE_TRANSCRIPTS=1``), in ``tests/callcentre/transcripts/``: 31 (ring-all, PJSIP/1000
answers while PJSIP/1001 rings), 32 (PJSIP/1000 paused "Lunch" from the CRM, the caller abandons
while PJSIP/1001 rings: QueueCallerAbandon with HoldTime comes before QueueCallerLeave), 33 (a CLI
``queue pause member ... reason Break`` and unpause).

Derived, not recorded (kept apart from the recordings): a member rung first and timing out in a
ring-all queue (file 08's AgentCalled/AgentRingNoAnswer renamed to PJSIP/1002) and an abandon
built from file 08 (its QueueCallerLeave renamed, with app_queue's ``HoldTime``).
"""

from __future__ import annotations

from pathlib import Path

from tests.ami.transcripts import Session, load, parse_file
from voip.ami.protocol import AMIParser, Message

OWN_TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"


def own(prefix: str) -> list[Session]:
    """Sessions of one of our own recordings (``tests/callcentre/transcripts``)."""
    path = next(p for p in sorted(OWN_TRANSCRIPTS.glob("*.txt")) if p.name.startswith(prefix))
    return parse_file(path)


def _events(sessions: list[Session], session: int) -> list[bytes]:
    return [raw for raw in sessions[session].messages() if raw.startswith(b"Event: ") and b"\r\nActionID: " not in raw]


def events(prefix: str, session: int = 0) -> list[bytes]:
    return _events(load(prefix), session)


def own_events(prefix: str, session: int = 0) -> list[bytes]:
    return _events(own(prefix), session)


def parse(data: bytes) -> list[Message]:
    return AMIParser(expect_greeting=False).feed(data)


def queue_call() -> list[bytes]:
    """File 08 as recorded: 1003 calls Queue(support), PJSIP/1001 (Alice) answers."""
    return events("08")


def pause_session() -> list[bytes]:
    """File 16's unsolicited events: Dave (PJSIP/1004) added paused 'lunch', unpaused, paused 'coffee', removed."""
    return [raw for raw in events("16") if b"Event: QueueMember" in raw]


def queue_status_items() -> list[bytes]:
    """The items of the recorded ``QueueStatus Queue: support`` (file 16, first exchange)."""
    for sent, received in load("16")[0].exchanges():
        if b"Action: QueueStatus" in sent and b"Queue: support" in sent:
            return [raw for raw in received if raw.startswith(b"Event: Queue")]
    raise AssertionError("file 16 has no QueueStatus Queue: support")


def ringall_call() -> list[bytes]:
    """File 08 with PJSIP/1002 (Bob) rung first and not answering: derived (module doc)."""
    raws = queue_call()
    called = next(i for i, raw in enumerate(raws) if raw.startswith(b"Event: AgentCalled"))
    bob = (
        raws[called]
        .replace(b"PJSIP/1001-00000009", b"PJSIP/1002-0000000b")
        .replace(b"Interface: PJSIP/1001", b"Interface: PJSIP/1002")
        .replace(b"MemberName: Alice", b"MemberName: Bob")
        .replace(b"DestCallerIDNum: 1001", b"DestCallerIDNum: 1002")
        .replace(b"DestUniqueid: 1795814572.13", b"DestUniqueid: 1795814572.14")
    )
    no_answer = bob.replace(b"Event: AgentCalled", b"Event: AgentRingNoAnswer").replace(
        b"MemberName: Bob\r\n", b"MemberName: Bob\r\nRingTime: 15\r\n"
    )
    return [*raws[:called], bob, no_answer, *raws[called:]]


def abandoned_call(hold_time: int = 7) -> list[bytes]:
    """A caller of file 08 hanging up before any agent answered: derived (module doc)."""
    raws = queue_call()
    join = next(raw for raw in raws if raw.startswith(b"Event: QueueCallerJoin"))
    leave = next(raw for raw in raws if raw.startswith(b"Event: QueueCallerLeave"))
    abandon = leave.replace(b"Event: QueueCallerLeave", b"Event: QueueCallerAbandon").replace(
        b"Count: 0\r\n", b"Count: 0\r\nOriginalPosition: 1\r\nHoldTime: " + str(hold_time).encode() + b"\r\n"
    )
    before_agent = [raw for raw in raws[: raws.index(join) + 1]]
    hangup = [raw for raw in raws if raw.startswith(b"Event: Hangup") and b"PJSIP/1003-00000008" in raw]
    return [*before_agent, abandon, leave, *hangup]


def rename(raws: list[bytes], pairs: list[tuple[bytes, bytes]]) -> list[bytes]:
    out = []
    for raw in raws:
        for old, new in pairs:
            raw = raw.replace(old, new)
        out.append(raw)
    return out
