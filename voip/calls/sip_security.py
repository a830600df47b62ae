"""Blocking SIP sources that keep failing authentication, from Asterisk's security events.

The listener logs in with read class ``security`` and hands these events here:

* ``ChallengeResponseFailed``: a digest answered with the wrong password. PJSIP reports it with
  ``Service: PJSIP``, ``AccountID`` (the endpoint) and ``RemoteAddress``
  (``IPV4/UDP/<address>/<port>``; ``res/res_pjsip/security_events.c``, the AMI form of transcript
  18's ``ChallengeResponseFailed``, there from the AMI service).
* ``InvalidAccountID``: a request for an endpoint that does not exist. PJSIP raises it once an
  address sent ``unidentified_request_count`` such requests within ``unidentified_request_period``
  (``check_endpoint`` in ``res/res_pjsip/pjsip_distributor.c``).
* ``InvalidPassword``: the same failure as Asterisk's other services name it (AMI logins,
  ``report_inval_password`` in ``main/manager.c``); counted when it comes from PJSIP.

``ChallengeSent`` and ``SuccessfulAuth`` (every registration: transcripts
05-call-between-two-softphones.txt, 12-registration-lifecycle-unregister-unreachable-expiry.txt,
22-pjsipqualify-with-concurrent-listener.txt) are normal traffic and ignored; a success does not
clear an address's failures, so an attacker holding one valid account cannot use it to keep
guessing others.

An address with ``BLOCK_AFTER_FAILURES`` failures within ``FAILURE_WINDOW`` seconds gets a
:class:`~voip.realtime.models.SipAddressBlock` row for ``BLOCK_SECONDS``: PJSIP refuses it from its
next request (see that model). Addresses in ``NEVER_BLOCK``, loopback, this machine's own
addresses, the AMI host and the trunks' ``identify`` matches are never blocked.

Layout: parsing and :class:`SipFailureTracker` are pure; ``never_block_networks`` reads;
``block_address`` / ``lift_block`` / ``expire_blocks`` write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import logging
import socket
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

__all__ = [
    "FAILURE_EVENTS",
    "SECURITY_EVENTS",
    "BlockDecision",
    "SipFailureTracker",
    "block_address",
    "expire_blocks",
    "lift_block",
    "never_block_networks",
    "parse_remote_address",
    "security_settings",
]

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

FAILURE_EVENTS = frozenset({"ChallengeResponseFailed", "InvalidAccountID", "InvalidPassword"})
# Every event of read class ``security`` the listener hands over (the rest is ignored here).
SECURITY_EVENTS = FAILURE_EVENTS | {"ChallengeSent", "SuccessfulAuth"}

DEFAULTS: dict[str, Any] = {
    "ENABLED": True,
    "BLOCK_AFTER_FAILURES": 10,
    "FAILURE_WINDOW": 60,
    "BLOCK_SECONDS": 3600,
    "NEVER_BLOCK": ["127.0.0.0/8", "::1/128"],
}
_ALWAYS_NEVER_BLOCK = ("127.0.0.0/8", "::1/128")


def security_settings() -> dict[str, Any]:
    """``settings.VOIP_SIP_SECURITY`` over the defaults, checked (a bad value is refused, not guessed)."""
    merged = {**DEFAULTS, **getattr(settings, "VOIP_SIP_SECURITY", {})}
    for key in ("BLOCK_AFTER_FAILURES", "FAILURE_WINDOW", "BLOCK_SECONDS"):
        value = merged[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ImproperlyConfigured(f"VOIP_SIP_SECURITY[{key!r}] must be a whole number >= 1, not {value!r}")
    where = "VOIP_SIP_SECURITY['NEVER_BLOCK']"
    merged["NEVER_BLOCK"] = [_parse_network(entry, where) for entry in merged["NEVER_BLOCK"]]
    return merged


def _parse_network(entry: Any, where: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(str(entry).strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"{where}: {entry!r} is not an IP address or network") from None


# --- parsing --------------------------------------------------------------------------------


def parse_remote_address(value: str) -> IPAddress | None:
    """The address of a security event's ``RemoteAddress`` (``IPV4/UDP/198.51.100.7/5060``).

    IPv6 addresses come bracketed (``IPV6/TCP/[2001:db8::1]/5061``; ``ast_json_ipaddr`` in
    ``main/json.c``). IPv4-mapped IPv6 addresses are returned as IPv4. None when unparseable.
    """
    parts = (value or "").split("/")
    if len(parts) < 3 or parts[0] not in ("IPV4", "IPV6"):
        return None
    # With a transport: family/transport/address/port; without one: family/address/port.
    host = parts[2] if len(parts) >= 4 else parts[1]
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class BlockDecision:
    address: str
    failures: int
    last_event: str
    last_account: str
    at: dt.datetime


class SipFailureTracker:
    """Counts failures per source address in a sliding window; pure (no ORM, no I/O).

    ``feed(message, when)`` returns a :class:`BlockDecision` when the address reaches the
    threshold (its count then starts again). At most ``max_addresses`` addresses are followed;
    the least recently failing one is forgotten first, so a spray of sources cannot exhaust memory.
    """

    def __init__(
        self,
        *,
        threshold: int,
        window: dt.timedelta,
        never_block: Callable[[IPAddress], bool],
        max_addresses: int = 10_000,
    ) -> None:
        self.threshold = threshold
        self.window = window
        self.never_block = never_block
        self.max_addresses = max_addresses
        self._failures: OrderedDict[IPAddress, deque[dt.datetime]] = OrderedDict()
        self.ignored_never_block = 0

    def feed(self, message: Any, when: dt.datetime) -> BlockDecision | None:
        event = message.get("Event")
        if event not in FAILURE_EVENTS or message.get("Service") != "PJSIP":
            return None
        address = parse_remote_address(message.get("RemoteAddress", ""))
        if address is None:
            return None
        if self.never_block(address):
            self.ignored_never_block += 1
            return None
        times = self._failures.pop(address, None) or deque()
        times.append(when)
        cutoff = when - self.window
        while times and times[0] < cutoff:
            times.popleft()
        if len(times) >= self.threshold:
            return BlockDecision(
                address=str(address),
                failures=len(times),
                last_event=event,
                last_account=(message.get("AccountID") or "")[:80],
                at=when,
            )
        self._failures[address] = times
        while len(self._failures) > self.max_addresses:
            self._failures.popitem(last=False)
        return None

    def tracked_addresses(self) -> int:
        return len(self._failures)


# --- selectors ------------------------------------------------------------------------------


def _host_addresses(host: str) -> list[IPNetwork]:
    """``host`` as networks: itself when it is an address or network, else what DNS gives."""
    host = host.strip()
    if not host:
        return []
    if "/" in host or ":" in host or host.replace(".", "").isdigit():
        try:
            return [ipaddress.ip_network(host.strip("[]"), strict=False)]
        except ValueError:
            return []
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_UDP)
    except OSError:
        return []
    return [ipaddress.ip_network(str(info[4][0]).split("%")[0]) for info in infos]


def _trunk_matches() -> Iterable[str]:
    from voip.realtime.models import PsEndpointIdIp

    for match in PsEndpointIdIp.objects.exclude(match__isnull=True).values_list("match", flat=True):
        if match:
            yield from (part for part in match.split(",") if part.strip())


def never_block_networks(*, ami_host: str = "") -> list[IPNetwork]:
    """Networks that are never blocked: the setting, loopback, this machine, the AMI host, the trunks."""
    networks = list(security_settings()["NEVER_BLOCK"])
    networks += [ipaddress.ip_network(entry) for entry in _ALWAYS_NEVER_BLOCK]
    with contextlib.suppress(OSError):  # this machine: the CRM itself
        networks += [ipaddress.ip_network(a) for a in socket.gethostbyname_ex(socket.gethostname())[2]]
    networks += _host_addresses(ami_host)
    for match in _trunk_matches():
        networks += _host_addresses(match)
    return networks


def in_networks(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


# --- services -------------------------------------------------------------------------------


def _deny_rule(address: IPAddress) -> str:
    return f"{address}/{address.max_prefixlen}"


def block_address(*, decision: BlockDecision, block_for: dt.timedelta) -> Any:
    """Block ``decision.address`` until now + ``block_for`` (extends a block that already exists)."""
    from voip.realtime.models import SipAddressBlock

    address = ipaddress.ip_address(decision.address)
    now = timezone.now()
    block, _created = SipAddressBlock.objects.update_or_create(
        address=str(address),
        defaults={
            "id": f"crm-block-{address}",
            "deny": _deny_rule(address),
            "failures": decision.failures,
            "last_event": decision.last_event[:40],
            "last_account": decision.last_account[:80],
            "blocked_at": now,
            "expires_at": now + block_for,
        },
    )
    logger.warning(
        "event=sip_address_blocked address=%s failures=%s reason=%s until=%s",
        address,
        decision.failures,
        decision.last_event,
        block.expires_at.isoformat(),
        extra={"event": "sip_address_blocked", "address": str(address), "failures": decision.failures},
    )
    return block


def lift_block(*, block_id: str, by: str = "") -> bool:
    """Lift one block (admin action); PJSIP accepts the address again from its next request."""
    from voip.realtime.models import SipAddressBlock

    deleted, _ = SipAddressBlock.objects.filter(pk=block_id).delete()
    if deleted:
        logger.info(
            "event=sip_block_lifted id=%s by=%s",
            block_id,
            by,
            extra={"event": "sip_block_lifted", "block_id": block_id, "by": by},
        )
    return bool(deleted)


def expire_blocks(*, now: dt.datetime | None = None) -> int:
    """Delete the blocks whose time is up; returns how many."""
    from voip.realtime.models import SipAddressBlock

    deleted, _ = SipAddressBlock.objects.filter(expires_at__lte=now or timezone.now()).delete()
    if deleted:
        logger.info("event=sip_blocks_expired count=%s", deleted, extra={"event": "sip_blocks_expired"})
    return deleted
