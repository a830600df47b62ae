"""A recorded stream of calls for the report tests, written as the listener writes them.

The first eight calls are real Asterisk 22 bytes (../shared/asterisk/ami) fed through the call
tracker and ``voip.calls.services.apply_outputs``, each transcript moved to its own moment; the
trunk, DID, queue and wait fields that the trunk and call-centre trackers fill are then set on
them as those trackers write them. The other calls are queue calls and calls at the edges of the
range and of the day in the CRM's time zone (Europe/Moscow, UTC+3), written as CallLog rows.

All times below are Moscow wall-clock times. The range under test is November 2026.

| # | from | when (local) | direction | result | agent | billsec | queue / wait | trunk / DID |
|---|---|---|---|---|---|---|---|---|
| 1 | 05 | Mon 02 10:00 | internal | answered | alice | 50 | | |
| 2 | 05 outside | Mon 02 10:30 | inbound | answered | alice | 50 | | trunk-a / +74957770000 |
| 3 | 08 outside | Tue 03 11:00 | inbound | answered | alice | 63 | support / 8 | trunk-a / +74957770000 |
| 4 | 23 outside | Tue 03 14:00 | inbound | answered | alice | 4 | | trunk-a / +74957770001 |
| 5 | 23 outside | Tue 03 14:00 | inbound | no_answer (missed) | alice | 0 | | trunk-a / +74957770001 |
| 6 | 13 | Wed 04 09:00 | outbound | no_answer (not missed) | eve | 0 | | trunk-b |
| 7 | 13 | Wed 04 09:00 | outbound | busy (not missed) | eve | 0 | | trunk-b |
| 8 | 13 | Wed 04 09:00 | outbound | answered | alice | 10 | | trunk-b |
| 9 | row | Thu 05 10:05 | inbound | answered | carol | 120 | support / 5 | trunk-a / +74957770000 |
| 10 | row | Thu 05 10:10 | inbound | answered | carol | 60 | support / 15 | trunk-a / +74957770000 |
| 11 | row | Thu 05 10:20 | inbound | abandoned | - | 0 | support / 45 | trunk-a / +74957770000 |
| 12 | row | Fri 06 16:00 | inbound | answered | eve | 30 | sales / 10 | trunk-b / +74957770002 |
| 13 | row | Fri 06 16:30 | inbound | abandoned | - | 0 | sales / 3 | trunk-b / +74957770002 |
| 14 | row | Sun 08 23:30 | inbound | cancelled (missed) | carol | 0 | | trunk-a / +74957770000 |
| 15 | row | Mon 09 01:30 (Sun 08 22:30 UTC) | internal | answered | carol | 20 | | |
| 16 | row | Sat 31 Oct 23:30 (outside) | inbound | answered | alice | 99 | support / 1 | trunk-a |
| 17 | row | Tue 01 Dec 00:10 (outside) | inbound | answered | alice | 99 | | trunk-a |

Queue ``sales`` has ``servicelevel`` 10 in Asterisk's realtime ``queues`` table; ``support`` has
none and takes ``VOIP_REPORTS['SERVICE_LEVEL_SECONDS']`` (20).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tests.calls.test_tracker_transcripts import as_outside_caller, feed, parse, transcript_bytes
from tests.calls.ui_support import make_agent
from voip.calls import services
from voip.calls.models import CallLog
from voip.calls.tracker import CallTracker
from voip.realtime.models import Queue

MOSCOW = ZoneInfo("Europe/Moscow")


def databases() -> list[str]:
    """Both aliases, except Option A where the realtime tables are read through ``default``
    (two SQLite connections to one test database lock each other out at teardown)."""
    from voip.realtime.router import realtime_db_alias

    return ["default"] if realtime_db_alias() == "default" else ["default", "asterisk"]


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=MOSCOW)


@dataclass
class Stream:
    alice: object
    carol: object
    eve: object


def _replay(data: bytes, *, at: dt.datetime, renumber: tuple[bytes, bytes] | None = None) -> set[str]:
    """Feed one transcript through the tracker into CallLog; the linkedids it wrote."""
    if renumber:
        data = data.replace(*renumber)
    before = set(CallLog.objects.values_list("linkedid", flat=True))
    tracker = CallTracker(services.DbDirectory())
    services.apply_outputs(feed(tracker, parse(data), step=1.0, start=at.astimezone(dt.UTC)), push=False)
    return set(CallLog.objects.values_list("linkedid", flat=True)) - before


def _row(linkedid: str, *, at: dt.datetime, agent: object | None, **fields: object) -> CallLog:
    disposition = fields.pop("disposition", "answered")
    billsec = int(fields.pop("billsec", 0))
    wait = fields.get("wait_seconds") or 0
    extension = getattr(getattr(agent, "internal_number", None), "number", "") if agent else ""
    values = {
        "direction": "inbound",
        "caller_number": "+74951112233",
        "callee_number": extension,
        "session_id": f"PJSIP/trunk-{linkedid}",
        "agent_extension": extension,
        "answered_at": at + dt.timedelta(seconds=wait) if disposition == "answered" else None,
        "ended_at": at + dt.timedelta(seconds=wait + billsec),
        "duration": wait + billsec,
        **fields,
    }
    return CallLog.objects.create(
        linkedid=linkedid, agent=agent, started_at=at, disposition=disposition, billsec=billsec, **values
    )


def build_stream() -> Stream:
    users = {
        ext: make_agent(name.lower(), ext, first_name=name, last_name="Agent")
        for ext, name in [("1001", "Alice"), ("1003", "Carol"), ("1005", "Eve")]
    }
    alice, carol, eve = users["1001"], users["1003"], users["1005"]
    Queue.objects.create(name="sales", servicelevel=10)
    Queue.objects.create(name="support")

    t05 = transcript_bytes("05")
    assert _replay(t05, at=local(2, 10)) == {"1795814482.7"}
    [inbound] = _replay(as_outside_caller(t05), at=local(2, 10, 30), renumber=(b"1795814482.", b"1795900001."))
    CallLog.objects.filter(linkedid=inbound).update(trunk="trunk-a", did="+74957770000")
    [queued] = _replay(as_outside_caller(transcript_bytes("08")), at=local(3, 11))
    CallLog.objects.filter(linkedid=queued).update(trunk="trunk-a", did="+74957770000", queue="support", wait_seconds=8)
    pair = _replay(as_outside_caller(transcript_bytes("23")), at=local(3, 14))
    CallLog.objects.filter(linkedid__in=pair).update(trunk="trunk-a", did="+74957770001")
    outbound = _replay(transcript_bytes("13"), at=local(4, 9))
    CallLog.objects.filter(linkedid__in=outbound).update(trunk="trunk-b")
    assert CallLog.objects.count() == 8

    _row(
        "r9",
        at=local(5, 10, 5),
        agent=carol,
        billsec=120,
        queue="support",
        wait_seconds=5,
        trunk="trunk-a",
        did="+74957770000",
    )
    _row(
        "r10",
        at=local(5, 10, 10),
        agent=carol,
        billsec=60,
        queue="support",
        wait_seconds=15,
        trunk="trunk-a",
        did="+74957770000",
    )
    _row(
        "r11",
        at=local(5, 10, 20),
        agent=None,
        disposition="abandoned",
        queue="support",
        wait_seconds=45,
        trunk="trunk-a",
        did="+74957770000",
    )
    _row(
        "r12",
        at=local(6, 16),
        agent=eve,
        billsec=30,
        queue="sales",
        wait_seconds=10,
        trunk="trunk-b",
        did="+74957770002",
    )
    _row(
        "r13",
        at=local(6, 16, 30),
        agent=None,
        disposition="abandoned",
        queue="sales",
        wait_seconds=3,
        trunk="trunk-b",
        did="+74957770002",
    )
    _row("r14", at=local(8, 23, 30), agent=carol, disposition="cancelled", trunk="trunk-a", did="+74957770000")
    _row(
        "r15",
        at=local(9, 1, 30),
        agent=carol,
        billsec=20,
        direction="internal",
        caller_number="1001",
        session_id="PJSIP/1001-r15",
    )
    _row(
        "r16", at=local(31, 23, 30, month=10), agent=alice, billsec=99, queue="support", wait_seconds=1, trunk="trunk-a"
    )
    _row("r17", at=dt.datetime(2026, 12, 1, 0, 10, tzinfo=MOSCOW), agent=alice, billsec=99, trunk="trunk-a")
    return Stream(alice=alice, carol=carol, eve=eve)
