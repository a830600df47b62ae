"""Reads for trunks: the stored trunks and their live state in Asterisk.

Live state comes from two AMI listings through the backend: ``PJSIPShowRegistrationsOutbound``
(registration status and the seconds to the next REGISTER) and ``PJSIPShowEndpoint`` per trunk
(the AOR's static contact with its qualify status and round-trip time). Asterisk gives no reason
for a rejected registration over AMI (``ast_system_publish_registry`` is called without a cause in
``res/res_pjsip_outbound_registration.c``), so the reason shown is what the state itself says:
stopped until told again, or retried at the next attempt.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from voip.ami.errors import AMIActionError, AMIConnectionError
from voip.backends import ValidationError, get_backend
from voip.backends.asteriskbackend import OutboundRegistration
from voip.conf import TelephonyNotConfigured
from voip.trunks.models import Trunk


class Registration:
    REGISTERED = "registered"
    REJECTED = "rejected"
    UNREGISTERED = "unregistered"
    NOT_REGISTERING = "not_registering"  # no registration configured (IP-authenticated or disabled)
    UNKNOWN = "unknown"  # Asterisk could not be asked


class Reachability:
    REACHABLE = "reachable"
    UNREACHABLE = "unreachable"
    NOT_CHECKED = "not_checked"  # qualify off (NonQualified)
    UNKNOWN = "unknown"


_CONTACT_STATUS = {
    "Reachable": Reachability.REACHABLE,
    "Unreachable": Reachability.UNREACHABLE,
    "NonQualified": Reachability.NOT_CHECKED,
}


@dataclass(frozen=True)
class TrunkStatus:
    name: str
    registration: str  # a Registration value
    reason: str  # why it is not registered, in words ("" when registered or not registering)
    next_attempt: int | None  # seconds until the next REGISTER, when one is planned
    reachability: str  # a Reachability value
    rtt_ms: float | None
    error: str = ""  # why the live state is unknown (AMI not reachable)

    @property
    def registration_label(self) -> str:
        return {
            Registration.REGISTERED: _("registered"),
            Registration.REJECTED: _("rejected"),
            Registration.UNREGISTERED: _("not registered"),
            Registration.NOT_REGISTERING: _("does not register"),
            Registration.UNKNOWN: _("unknown"),
        }[self.registration]

    @property
    def reachability_label(self) -> str:
        return {
            Reachability.REACHABLE: _("reachable"),
            Reachability.UNREACHABLE: _("unreachable"),
            Reachability.NOT_CHECKED: _("not checked"),
            Reachability.UNKNOWN: _("unknown"),
        }[self.reachability]

    def summary(self) -> str:
        """One line for a list column or ``--validate``."""
        if self.error:
            return _("live state unknown: %(error)s") % {"error": self.error}
        parts = [self.registration_label]
        if self.reason:
            parts.append(self.reason)
        reach = self.reachability_label
        if self.rtt_ms is not None and self.reachability == Reachability.REACHABLE:
            reach = _("%(state)s, %(rtt).1f ms") % {"state": reach, "rtt": self.rtt_ms}
        parts.append(reach)
        return "; ".join(parts)


def trunk_list() -> QuerySet[Trunk]:
    return Trunk.objects.order_by("name")


def trunk_get(*, name: str) -> Trunk | None:
    return Trunk.objects.filter(name=name).first()


def _registration_state(trunk: Trunk, found: OutboundRegistration | None) -> tuple[str, str, int | None]:
    if not (trunk.username and trunk.register and trunk.enabled):
        return Registration.NOT_REGISTERING, "", None
    if found is None:
        return Registration.UNREGISTERED, _("Asterisk has not loaded this registration yet"), None
    next_reg = found.next_reg if found.next_reg else None
    if found.status == "Registered":
        return Registration.REGISTERED, "", next_reg
    if found.status == "Rejected":
        if next_reg is None:
            reason = _("the provider refused the username or password; stopped until the password is changed")
        else:
            reason = _("the provider refused the registration; next attempt in %(seconds)d s") % {"seconds": next_reg}
        return Registration.REJECTED, reason, next_reg
    if next_reg is not None:
        return Registration.UNREGISTERED, _("next attempt in %(seconds)d s") % {"seconds": next_reg}, next_reg
    return Registration.UNREGISTERED, _("no answer from the provider yet"), None


def _reachability(backend: object, trunk: Trunk) -> tuple[str, float | None]:
    try:
        endpoint = backend.get_endpoint_status(trunk.name)  # type: ignore[attr-defined]
    except AMIActionError:  # "Unable to retrieve endpoint": Asterisk does not know it (yet)
        return Reachability.UNKNOWN, None
    contact = next((c for c in endpoint.contacts if c.aor == trunk.name), None)
    if contact is None:
        return Reachability.UNKNOWN, None
    state = _CONTACT_STATUS.get(contact.status or "", Reachability.UNKNOWN)
    rtt = contact.roundtrip_usec / 1000 if contact.roundtrip_usec and state == Reachability.REACHABLE else None
    return state, rtt


def trunk_statuses(*, trunks: list[Trunk] | None = None, backend: Any = None) -> dict[str, TrunkStatus]:
    """Live state of every trunk (or of ``trunks``), by name; when AMI cannot be reached every
    status says so in ``error`` instead of raising. ``backend`` defaults to ``get_backend()``."""
    trunks = list(trunk_list()) if trunks is None else trunks
    if not trunks:
        return {}
    try:
        backend = get_backend() if backend is None else backend
        session = getattr(backend, "session", None)
        with session() if callable(session) else contextlib.nullcontext():
            registrations = {r.id: r for r in backend.outbound_registrations()}
            result = {}
            for trunk in trunks:
                state, reason, next_reg = _registration_state(trunk, registrations.get(trunk.name))
                reach, rtt = _reachability(backend, trunk)
                result[trunk.name] = TrunkStatus(trunk.name, state, reason, next_reg, reach, rtt)
            return result
    except (AMIConnectionError, AMIActionError, TelephonyNotConfigured, ValidationError, OSError) as exc:
        error = str(exc) or exc.__class__.__name__
        return {
            t.name: TrunkStatus(t.name, Registration.UNKNOWN, "", None, Reachability.UNKNOWN, None, error=error)
            for t in trunks
        }


def trunk_status(*, name: str) -> TrunkStatus:
    """Live state of one trunk; raises ``Trunk.DoesNotExist`` for an unknown name."""
    trunk = Trunk.objects.get(name=name)
    return trunk_statuses(trunks=[trunk])[name]
