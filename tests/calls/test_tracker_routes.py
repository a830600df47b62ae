"""The tracker records trunk, DID, dialled and sent numbers from the routing dialplan's VarSet events."""

from __future__ import annotations

import datetime as dt

from tests.calls.directory import StaticDirectory
from voip.calls.tracker import CallTracker, CallUpdate

T0 = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)


def event(**headers: str) -> dict[str, str]:
    return {"Uniqueid": "1.1", "Linkedid": "1.1", "Channel": "PJSIP/1000-00000001", **headers}


def test_route_variables_reach_the_call_record() -> None:
    tracker = CallTracker(StaticDirectory())
    messages = [
        event(Event="Newchannel", ChannelState="4", CallerIDNum="1000", Exten="84951234567", Context="from-internal"),
        event(Event="VarSet", Variable="__CRM_DIALLED", Value="84951234567"),
        event(Event="VarSet", Variable="__CRM_TRUNK", Value="nowhere"),
        event(Event="VarSet", Variable="__CRM_TRUNK", Value="carrier1"),  # failover: the last wins
        event(Event="VarSet", Variable="__CRM_SENT", Value="+74951234567"),
        event(Event="VarSet", Variable="CRM_OTHER", Value="ignored"),
        event(Event="Hangup", Cause="16", **{"Cause-txt": "Normal Clearing"}),
    ]
    out = []
    for index, message in enumerate(messages):
        out += tracker.feed(message, T0 + dt.timedelta(seconds=index))
    [last] = [o for o in out if isinstance(o, CallUpdate)][-1:]
    assert (last.trunk, last.dialled_number, last.sent_number, last.did) == (
        "carrier1",
        "84951234567",
        "+74951234567",
        "",
    )


def test_inbound_did_is_recorded() -> None:
    tracker = CallTracker(StaticDirectory())
    out = tracker.feed(event(Event="Newchannel", ChannelState="4", CallerIDNum="+79161234567", Exten="74951234567"), T0)
    out += tracker.feed(event(Event="VarSet", Variable="__CRM_DID", Value="+74951234567"), T0)
    out += tracker.feed(event(Event="VarSet", Variable="__CRM_TRUNK", Value="carrier1"), T0)
    updates = [o for o in out if isinstance(o, CallUpdate)]
    assert (updates[-1].did, updates[-1].trunk) == ("+74951234567", "carrier1")
