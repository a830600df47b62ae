"""Pure presence state machine: which endpoints are registered, unreachable or in a call.

No database, no I/O. Fed the events that speak about endpoints, in wire order: ``ContactStatus``
(per contact URI, ``EndpointName``), ``PeerStatus`` and ``DeviceStateChange``
(``Device: PJSIP/<endpoint>``), transcript 12-registration-lifecycle-unregister-unreachable-expiry.txt; rebuilt after a
reconnect from a ``PJSIPShowContacts``
listing (transcript 02-contacts-after-register.txt). It shares no state with the call tracker
(:mod:`voip.calls.tracker`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from voip.ami import codes
from voip.calls.event_fields import as_message, channel_endpoint, clean, event_time, to_int

__all__ = ["CONTACT_STATUS_PRESENCE", "PresenceTracker", "PresenceUpdate"]

# ContactStatus -> presence (transcript 12-registration-lifecycle-unregister-unreachable-expiry.txt).
CONTACT_STATUS_PRESENCE = {
    "Reachable": "registered",
    "NonQualified": "registered",
    "Unknown": "registered",
    "Created": "registered",
    "Updated": "registered",
    "Unreachable": "unreachable",
    "Removed": "unregistered",
}


@dataclass(frozen=True)
class PresenceUpdate:
    endpoint_id: str
    status: str
    contact_status: str
    device_state: str
    contact_uri: str
    user_agent: str
    roundtrip_usec: int | None
    since: dt.datetime


@dataclass
class _Presence:
    endpoint_id: str
    contacts: dict[str, str] = field(default_factory=dict)  # uri -> ContactStatus
    contact_status: str = ""
    device_state: str = ""
    peer_status: str = ""
    contact_uri: str = ""
    user_agent: str = ""
    roundtrip_usec: int | None = None
    status: str = "unknown"
    since: dt.datetime | None = None
    last: tuple[Any, ...] | None = None


class PresenceTracker:
    """``feed(message, received_at)`` returns the :class:`PresenceUpdate` an event caused, if any."""

    def __init__(self, *, clock: Callable[[], dt.datetime] | None = None) -> None:
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.presence: dict[str, _Presence] = {}
        self._handlers: dict[str, Callable[[Any, dt.datetime], list[PresenceUpdate]]] = {
            "ContactStatus": self._on_contact_status,
            "PeerStatus": self._on_peer_status,
            "DeviceStateChange": self._on_device_state,
        }

    def feed(self, message: Any, received_at: dt.datetime | None = None) -> list[PresenceUpdate]:
        message = as_message(message)
        name = message.get("Event")
        handler = self._handlers.get(name) if name else None
        if handler is None:
            return []
        if name == "DeviceStateChange" and message.get("ActionID"):
            return []  # DeviceStateList items are resync material, not live changes
        return handler(message, event_time(message) or received_at or self._clock())

    def resync_contacts(self, items: Iterable[Any], now: dt.datetime | None = None) -> list[PresenceUpdate]:
        """Rebuild presence from a ``PJSIPShowContacts`` listing (ContactList items, transcript
        02-contacts-after-register.txt)."""
        now = now or self._clock()
        seen: dict[str, dict[str, tuple[str, str, int | None]]] = {}
        for item in items:
            item = as_message(item)
            endpoint = clean(item.get("Endpoint")) or clean(item.get("ObjectName")).split(";", 1)[0]
            if not endpoint:
                continue
            uri = clean(item.get("Uri"))
            seen.setdefault(endpoint, {})[uri] = (
                clean(item.get("Status")),
                clean(item.get("UserAgent")),
                to_int(item.get("RoundtripUsec")),
            )
        out: list[PresenceUpdate] = []
        for endpoint, contacts in seen.items():
            presence = self._presence(endpoint)
            presence.contacts = {uri: values[0] for uri, values in contacts.items()}
            uri, (status, agent, rtt) = next(iter(contacts.items()))
            presence.contact_uri, presence.contact_status = uri, status
            presence.user_agent = agent or presence.user_agent
            presence.roundtrip_usec = rtt
            out.extend(self._presence_changed(presence, now))
        for endpoint, presence in self.presence.items():
            if endpoint not in seen and presence.contacts:
                presence.contacts = {}
                presence.contact_status = "Removed"
                out.extend(self._presence_changed(presence, now))
        return out

    # -- helpers -----------------------------------------------------------------------------
    def _presence(self, endpoint: str) -> _Presence:
        presence = self.presence.get(endpoint)
        if presence is None:
            presence = self.presence[endpoint] = _Presence(endpoint)
        return presence

    def _presence_changed(self, presence: _Presence, when: dt.datetime) -> list[PresenceUpdate]:
        status = _presence_status(presence)
        if status != presence.status or presence.since is None:
            presence.status = status
            presence.since = when
        key = (
            presence.status,
            presence.contact_status,
            presence.device_state,
            presence.contact_uri,
            presence.user_agent,
            presence.roundtrip_usec,
        )
        if key == presence.last:
            return []
        presence.last = key
        return [
            PresenceUpdate(
                endpoint_id=presence.endpoint_id,
                status=presence.status,
                contact_status=presence.contact_status,
                device_state=presence.device_state,
                contact_uri=presence.contact_uri[:511],
                user_agent=presence.user_agent[:255],
                roundtrip_usec=presence.roundtrip_usec,
                since=presence.since,
            )
        ]

    def _on_contact_status(self, message: Any, when: dt.datetime) -> list[PresenceUpdate]:
        endpoint = clean(message.get("EndpointName")) or clean(message.get("AOR"))
        if not endpoint:
            return []
        presence = self._presence(endpoint)
        uri = clean(message.get("URI"))
        status = clean(message.get("ContactStatus"))
        if status == "Removed":
            presence.contacts.pop(uri, None)
        else:
            presence.contacts[uri] = status
        presence.contact_uri = uri
        presence.contact_status = status
        rtt = to_int(message.get("RoundtripUsec"))
        presence.roundtrip_usec = rtt if status == "Reachable" else (None if status == "Removed" else rtt)
        agent = clean(message.get("UserAgent"))
        if agent:
            presence.user_agent = agent
        return self._presence_changed(presence, when)

    def _on_peer_status(self, message: Any, when: dt.datetime) -> list[PresenceUpdate]:
        endpoint = channel_endpoint((message.get("Peer") or "") + "-x")
        if not endpoint:
            return []
        presence = self._presence(endpoint)
        presence.peer_status = clean(message.get("PeerStatus"))
        return self._presence_changed(presence, when)

    def _on_device_state(self, message: Any, when: dt.datetime) -> list[PresenceUpdate]:
        device = message.get("Device") or ""
        tech, _, endpoint = device.partition("/")
        if tech.upper() != "PJSIP" or not endpoint:
            return []
        presence = self._presence(endpoint)
        presence.device_state = clean(message.get("State"))
        return self._presence_changed(presence, when)


def _presence_status(presence: _Presence) -> str:
    if codes.is_in_call(presence.device_state):
        return "in_call"
    statuses = set(presence.contacts.values())
    if statuses:
        if any(CONTACT_STATUS_PRESENCE.get(s) == "registered" for s in statuses):
            return "registered"
        if "Unreachable" in statuses:
            return "unreachable"
    elif presence.contact_status:
        # Every contact is gone: the last word was Removed (or Unreachable with no URI kept).
        return CONTACT_STATUS_PRESENCE.get(presence.contact_status, "unknown")
    if presence.peer_status == "Unreachable":
        return "unreachable" if presence.contact_status == "Unreachable" else "unregistered"
    if presence.device_state == "NOT_INUSE" or presence.peer_status == "Reachable":
        return "registered"
    if presence.device_state == "UNAVAILABLE":
        return "unregistered"
    return "unknown"
