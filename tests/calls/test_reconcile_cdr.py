"""reconcile_calls: CallLogs from the cdr table (PBX local times), grouped by linkedid, no duplicates."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from voip.calls.models import CallLog
from voip.provisioning.models import InternalNumber
from voip.realtime.models import Cdr

# transaction=True: with SQLite (Option A) two wrapping transactions on one shared in-memory database lock
# each other out of the tables.
pytestmark = pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)


@pytest.fixture
def cdr_rows(settings):
    settings.VOIP_PBX_TIME_ZONE = "Europe/Moscow"  # UTC+3: 21:55 local is 18:55 UTC
    User = get_user_model()
    alice = User.objects.create_user("alice", first_name="Alice", password="x")
    InternalNumber.objects.create(user=alice, number="1001", endpoint_id="1001")
    carol = User.objects.create_user("carol", first_name="Carol", password="x")
    InternalNumber.objects.create(user=carol, number="1003", endpoint_id="1003")
    common = {"dcontext": "from-internal", "lastapp": "Dial", "lastdata": "PJSIP/1001,30", "amaflags": "DOCUMENTATION"}
    # File 23's two calls as cdr_pgsql writes them.
    Cdr.objects.using("asterisk").create(
        src="1003",
        dst="1001",
        clid='"Carol" <1003>',
        channel="PJSIP/1003-00000000",
        dstchannel="PJSIP/1001-00000001",
        start=dt.datetime(2026, 11, 27, 21, 55, 2),
        answer=dt.datetime(2026, 11, 27, 21, 55, 2),
        end=dt.datetime(2026, 11, 27, 21, 55, 6),
        duration=4,
        billsec=4,
        disposition="ANSWERED",
        uniqueid="1795816502.0",
        linkedid="1795816502.0",
        **common,
    )
    Cdr.objects.using("asterisk").create(
        src="+74951234567",
        dst="1001",
        clid='"Ivan" <+74951234567>',
        channel="PJSIP/trunk-00000002",
        dstchannel="PJSIP/1001-00000003",
        start=dt.datetime(2026, 11, 27, 21, 55, 11),
        answer=None,
        end=dt.datetime(2026, 11, 27, 21, 55, 41),
        duration=30,
        billsec=0,
        disposition="NO ANSWER",
        uniqueid="1795816511.2",
        linkedid="1795816511.2",
        **common,
    )
    return alice


def run(*args: str) -> str:
    out = StringIO()
    call_command("reconcile_calls", *args, stdout=out)
    return out.getvalue()


def test_reconcile_creates_calls_once(cdr_rows) -> None:
    output = run("--since", "2026-11-27T18:00+00:00", "--until", "2026-11-27T19:00+00:00")
    assert "calls: 2, written: 2" in output
    answered = CallLog.objects.get(linkedid="1795816502.0")
    assert answered.started_at == dt.datetime(2026, 11, 27, 18, 55, 2, tzinfo=dt.UTC)
    assert (answered.direction, answered.disposition, answered.duration, answered.billsec) == (
        "internal",
        "answered",
        4,
        4,
    )
    inbound = CallLog.objects.get(linkedid="1795816511.2")
    assert (inbound.direction, inbound.caller_number, inbound.agent, inbound.disposition) == (
        "inbound",
        "+74951234567",
        cdr_rows,
        "no_answer",
    )
    again = run("--since", "2026-11-27T18:00+00:00", "--until", "2026-11-27T19:00+00:00")
    assert "written: 0, already logged: 2" in again and CallLog.objects.count() == 2


def test_window_excludes_other_times(cdr_rows) -> None:
    output = run("--since", "2026-11-27T19:00+00:00", "--until", "2026-11-27T20:00+00:00")
    assert "cdr rows: 0" in output and CallLog.objects.count() == 0
