"""Presence read from Asterisk's listings: the device state spellings of PJSIPShowEndpoint."""

from __future__ import annotations

import pytest

from voip.backends.asteriskbackend import ContactStatus, EndpointStatus
from voip.calls.presence_selectors import _status_from


def endpoint(device_state: str, contact_status: str = "Reachable") -> EndpointStatus:
    contact = ContactStatus(
        id="1001/sip:1001@10.0.0.2", aor="1001", endpoint="1001", uri="sip:1001@10.0.0.2",
        status=contact_status, user_agent="x", roundtrip_usec=1,
    )  # fmt: skip
    return EndpointStatus("1001", device_state, 1, "from-internal", "transport-udp", "1001", (contact,))


# Listings spell device states as main/devicestate.c prints them: "Ring+Inuse", "On Hold" (not RINGINUSE).
@pytest.mark.parametrize("state", ["In use", "Busy", "Ringing", "Ring+Inuse", "On Hold"])
def test_every_in_call_state_of_a_listing_reads_in_call(state: str) -> None:
    assert _status_from(endpoint(state)) == "in_call"


def test_idle_states_read_by_contacts() -> None:
    assert _status_from(endpoint("Not in use")) == "registered"
    assert _status_from(endpoint("Not in use", "Unreachable")) == "unreachable"
