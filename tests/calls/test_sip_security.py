"""SIP password guessing: security events counted per source, the address blocked in PJSIP (issue 10, item 5).

Recorded bytes: the ``security`` events of transcripts 12, 18 and 22. The PJSIP authentication
failures are invented (tests/calls/invented_security_events.py says which bytes and why).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.ami.transcripts import load
from tests.calls.invented_security_events import pjsip_challenge_response_failed, pjsip_invalid_account_id
from tests.calls.test_listener_fake_ami import wait_for
from tests.calls.test_listener_hardening import start_listener, stop_listener
from voip.ami.protocol import AMIParser
from voip.calls import sip_security
from voip.calls.listener import LISTENER_EVENTS
from voip.realtime.models import PsEndpointIdIp, SipAddressBlock
from voip.roles import PBX_ADMINS

ATTACKER = "203.0.113.50"
NOW = dt.datetime(2026, 11, 27, 21, 40, tzinfo=dt.UTC)


def parse(raw: bytes) -> Any:
    parser = AMIParser(expect_greeting=False)
    (message,) = parser.feed(raw)
    return message


def tracker(threshold: int = 5, window: int = 60, never: tuple[str, ...] = ("127.0.0.0/8",)) -> Any:
    networks = [ipaddress.ip_network(n) for n in never]
    return sip_security.SipFailureTracker(
        threshold=threshold,
        window=dt.timedelta(seconds=window),
        never_block=lambda address: sip_security.in_networks(address, networks),
    )


def recorded_security_events() -> list[bytes]:
    raws = []
    for prefix in ("12", "18", "22"):
        for session in load(prefix):
            raws += [raw for raw in session.messages() if raw.startswith(b"Event: ") and b"Privilege: security" in raw]
    return raws


# --- parsing and counting (pure) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("IPV4/UDP/127.0.0.1/5071", "127.0.0.1"),  # transcript 12, PJSIP
        ("IPV4/TCP/127.0.0.1/44002", "127.0.0.1"),  # transcript 18, AMI
        ("IPV6/UDP/[2001:db8::7]/5060", "2001:db8::7"),
        ("IPV6/UDP/[::ffff:198.51.100.9]/5060", "198.51.100.9"),
        ("IPV4/203.0.113.4/5060", "203.0.113.4"),
        ("IPV4/UDP/not-an-address/5060", None),
        ("", None),
        ("garbage", None),
    ],
)
def test_remote_address_is_parsed_from_the_event_form(value, expected):
    parsed = sip_security.parse_remote_address(value)
    assert (str(parsed) if parsed else None) == expected


def test_recorded_security_traffic_blocks_nothing():
    # Every real security event: registrations (ChallengeSent/SuccessfulAuth) and file 18's failed
    # AMI login (Service: AMI: not a SIP failure), from loopback. Counted with a threshold of 1.
    events = recorded_security_events()
    assert any(b"ChallengeResponseFailed" in raw for raw in events)
    counter = tracker(threshold=1, never=())
    assert [counter.feed(parse(raw), NOW) for raw in events] == [None] * len(events)


def test_an_address_that_keeps_failing_is_blocked_at_the_threshold():
    counter = tracker(threshold=5)
    decisions = [
        counter.feed(parse(pjsip_challenge_response_failed(address=ATTACKER, account="1001", when=NOW)), NOW)
        for _ in range(4)
    ]
    assert decisions == [None] * 4
    last = parse(pjsip_invalid_account_id(address=ATTACKER, account="admin", when=NOW))
    decision = counter.feed(last, NOW + dt.timedelta(seconds=3))
    at = NOW + dt.timedelta(seconds=3)
    assert decision == sip_security.BlockDecision(
        address=ATTACKER, failures=5, last_event="InvalidAccountID", last_account="admin", at=at
    )


def test_failures_spread_beyond_the_window_or_from_other_addresses_do_not_block():
    counter = tracker(threshold=3, window=60)
    for minute in range(10):
        when = NOW + dt.timedelta(seconds=31 * minute)
        raw = pjsip_challenge_response_failed(address=ATTACKER, account="1001", when=when)
        assert counter.feed(parse(raw), when) is None
    for index in range(10):
        raw = pjsip_challenge_response_failed(address=f"198.51.100.{index}", account="1001", when=NOW)
        assert counter.feed(parse(raw), NOW) is None


def test_never_block_networks_are_never_blocked():
    counter = tracker(threshold=2, never=("127.0.0.0/8", "2001:db8::/32"))
    for address in ("127.0.0.1", "2001:db8::7"):
        for _ in range(5):
            raw = pjsip_challenge_response_failed(address=address, account="1001", when=NOW)
            assert counter.feed(parse(raw), NOW) is None
    assert counter.ignored_never_block == 10


def test_the_tracker_follows_a_bounded_number_of_addresses():
    counter = sip_security.SipFailureTracker(
        threshold=5, window=dt.timedelta(seconds=60), never_block=lambda a: False, max_addresses=100
    )
    for index in range(1000):
        address = str(ipaddress.ip_address("10.0.0.0") + index)
        raw = pjsip_challenge_response_failed(address=address, account="x", when=NOW)
        counter.feed(parse(raw), NOW)
    assert counter.tracked_addresses() == 100


@pytest.mark.parametrize(
    "override",
    [{"NEVER_BLOCK": ["10.0.0.0/8", "10.0.0.300/8"]}, {"NEVER_BLOCK": ["office"]}, {"BLOCK_AFTER_FAILURES": 0}],
)
def test_bad_settings_are_refused_not_guessed(settings, override):
    settings.VOIP_SIP_SECURITY = {**settings.VOIP_SIP_SECURITY, **override}
    with pytest.raises(ImproperlyConfigured):
        sip_security.security_settings()


@pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)
def test_trunks_and_the_ami_host_are_never_blocked(settings):
    settings.VOIP_SIP_SECURITY = {**settings.VOIP_SIP_SECURITY, "NEVER_BLOCK": ["192.0.2.0/28"]}
    PsEndpointIdIp.objects.create(id="carrier", endpoint="carrier", match="198.51.100.0/24, 203.0.113.77")
    networks = sip_security.never_block_networks(ami_host="192.0.2.200")
    for address in ("198.51.100.20", "203.0.113.77", "192.0.2.200", "192.0.2.5", "127.0.0.1", "::1"):
        assert sip_security.in_networks(ipaddress.ip_address(address), networks), address
    assert not sip_security.in_networks(ipaddress.ip_address(ATTACKER), networks)


# --- blocks: services and admin ---------------------------------------------------------------


@pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)
def test_a_block_is_a_deny_rule_for_pjsip_and_expires():
    decision = sip_security.BlockDecision(
        address="2001:db8::7", failures=10, last_event="ChallengeResponseFailed", last_account="1001", at=NOW
    )
    block = sip_security.block_address(decision=decision, block_for=dt.timedelta(minutes=30))
    row = SipAddressBlock.objects.get()
    assert (row.id, row.deny, row.failures) == ("crm-block-2001:db8::7", "2001:db8::7/128", 10)
    assert dt.timedelta(minutes=29) < row.expires_at - timezone.now() <= dt.timedelta(minutes=30)
    again = sip_security.block_address(decision=decision, block_for=dt.timedelta(minutes=30))
    assert SipAddressBlock.objects.count() == 1 and again.pk == block.pk
    assert sip_security.expire_blocks(now=timezone.now()) == 0
    assert sip_security.expire_blocks(now=timezone.now() + dt.timedelta(minutes=31)) == 1
    assert not SipAddressBlock.objects.exists()


@pytest.fixture
def blocked() -> SipAddressBlock:
    decision = sip_security.BlockDecision(
        address=ATTACKER, failures=12, last_event="ChallengeResponseFailed", last_account="1001", at=NOW
    )
    return sip_security.block_address(decision=decision, block_for=dt.timedelta(hours=1))


def admin_client(username: str, *, pbx_admin: bool) -> Client:
    user = get_user_model().objects.create_user(username, password="x", is_staff=True)
    if pbx_admin:
        user.groups.add(Group.objects.get(name=PBX_ADMINS))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)
def test_pbx_admins_see_and_lift_a_block(blocked):
    client = admin_client("pbxadmin", pbx_admin=True)
    url = reverse("admin:realtime_sipaddressblock_changelist")
    page = client.get(url)
    assert page.status_code == 200 and ATTACKER in page.content.decode()
    response = client.post(url, {"action": "lift", "_selected_action": [blocked.pk]})
    assert response.status_code == 302
    assert not SipAddressBlock.objects.exists()


@pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)
def test_staff_without_the_role_can_neither_see_nor_lift(blocked):
    client = admin_client("staff", pbx_admin=False)
    url = reverse("admin:realtime_sipaddressblock_changelist")
    assert client.get(url).status_code == 403
    client.post(url, {"action": "lift", "_selected_action": [blocked.pk]})
    assert SipAddressBlock.objects.filter(pk=blocked.pk).exists()


@pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)
def test_the_admin_offers_no_add_edit_or_bulk_delete(blocked):
    client = admin_client("pbxadmin2", pbx_admin=True)
    assert client.get(reverse("admin:realtime_sipaddressblock_add")).status_code == 403
    page = client.get(reverse("admin:realtime_sipaddressblock_changelist")).content.decode()
    assert 'value="lift"' in page and 'value="delete_selected"' not in page


# --- through the listener against the fake AMI server -----------------------------------------


@pytest.fixture
def security_listener(fake_ami, settings) -> Iterator[Any]:
    settings.VOIP_SIP_SECURITY = {**settings.VOIP_SIP_SECURITY, "BLOCK_AFTER_FAILURES": 5, "FAILURE_WINDOW": 60}
    running = start_listener(fake_ami)
    wait_for(lambda: running[0].stats.resyncs >= 1)
    yield running[0]
    stop_listener(*running)


@pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])
def test_the_listener_blocks_a_guessing_address_and_spares_a_trunk(fake_ami, security_listener):
    PsEndpointIdIp.objects.create(id="carrier", endpoint="carrier", match="198.51.100.0/24")
    login = next(a for a in fake_ami.server.actions if a.get("Action") == "Login")
    assert "security" in login.get("Events").split(",") and "security" in LISTENER_EVENTS.split(",")
    now = timezone.now()
    stream = b"".join(recorded_security_events())
    for serial in range(6):
        when = now + dt.timedelta(seconds=serial)
        stream += pjsip_challenge_response_failed(address=ATTACKER, account="1001", when=when, serial=serial)
        stream += pjsip_challenge_response_failed(address="198.51.100.7", account="carrier", when=when, serial=serial)
    fake_ami.server.push_events_threadsafe(stream)
    wait_for(lambda: SipAddressBlock.objects.filter(address=ATTACKER).exists())
    security_listener.wait_idle()
    block = SipAddressBlock.objects.get()
    assert (block.address, block.deny, block.failures, block.last_event) == (
        ATTACKER,
        f"{ATTACKER}/32",
        5,
        "ChallengeResponseFailed",
    )
    assert security_listener.stats.blocks == 1
