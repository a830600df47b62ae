"""Trunks against a real Asterisk with a second private Asterisk as the provider (127.0.0.2).

Every change goes through ``voip.trunks.services`` only: no reload is typed by hand, so these
tests show live on save (docs/trunks.md). With ``RECORD_AMI_TRANSCRIPTS=1`` they also record the
AMI bytes of each state they reach into ``tests/ami/transcripts/`` (tests/integration/ami_recorder.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from tests.integration import ami_recorder
from tests.integration.conftest import AMI_USERNAME, Pbx, run_command
from tests.integration.phones import wait_until
from tests.integration.provider import Provider
from tests.integration.sip_probe import invite
from voip.trunks.models import Trunk
from voip.trunks.selectors import Reachability, Registration, TrunkStatus, trunk_status
from voip.trunks.services import trunk_delete, trunk_save

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])

LIST_DONE = b"EventList: Complete"


@pytest.fixture
def transports(live_pbx: Pbx) -> Iterator[Pbx]:
    assert run_command("--create-transports")[0] == 0
    yield live_pbx
    # Through the service, before the databases are flushed: Asterisk unloads the registrations
    # (a flush alone would leave them running, with their state, into the next test).
    for name in Trunk.objects.values_list("name", flat=True):
        trunk_delete(name=name)


def _registered_trunk(provider: Provider, *, password: str, qualify_frequency: int = 0) -> None:
    trunk_save(
        name="carrier1",
        host=provider.address,
        username=provider.username,
        password=password,
        register=True,
        match=[provider.host],
        qualify_frequency=qualify_frequency,
    )


def _wait_status(what: str, check: Callable[[TrunkStatus], bool], timeout: float = 10) -> TrunkStatus:
    seen: list[TrunkStatus] = []

    def current() -> TrunkStatus | None:
        status = trunk_status(name="carrier1")
        seen.append(status)
        return status if check(status) else None

    try:
        return wait_until(current, timeout, what=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last status: {seen[-1] if seen else None}") from None


def _record(pbx: Pbx, name: str, title: str, *actions: tuple[str, list[tuple[str, str]], bytes]) -> None:
    if ami_recorder.recording():
        ami_recorder.record(
            name, title, port=pbx.ami_port, username=AMI_USERNAME, secret=pbx.ami_secret, actions=list(actions)
        )


def test_a_saved_trunk_registers_within_ten_seconds_and_shows_reachable(transports: Pbx, provider: Provider) -> None:
    _registered_trunk(provider, password=provider.password, qualify_frequency=2)
    provider.wait_registered(timeout=10)
    status = _wait_status(
        "carrier1 registered and reachable",
        lambda s: s.registration == Registration.REGISTERED and s.reachability == Reachability.REACHABLE,
    )
    assert status.reason == ""
    assert status.rtt_ms is not None and status.rtt_ms > 0
    # A call out through the trunk: the provider challenges it, outbound_auth (no realm) answers.
    transports.cli(f"channel originate PJSIP/74951234567@carrier1 application Wait {provider.answer_seconds}")
    call = provider.wait_for_call(timeout=15)
    assert (call.exten, call.source) == ("74951234567", provider.username)
    _record(
        transports,
        "trunk-01-registered-reachable.txt",
        "trunk carrier1 registered to the provider on 127.0.0.2, qualify every 2 s (reachable);"
        " PJSIPRegister of it and of an unknown registration",
        ("PJSIPShowRegistrationsOutbound", [], LIST_DONE),
        ("PJSIPShowEndpoint", [("Endpoint", "carrier1")], LIST_DONE),
        ("PJSIPRegister", [("Registration", "carrier1")], b"Message:"),
        ("PJSIPRegister", [("Registration", "nosuchtrunk")], b"Message:"),
    )


def test_a_wrong_password_is_rejected_and_fixing_it_registers_again(transports: Pbx, provider: Provider) -> None:
    _registered_trunk(provider, password="not-the-password")
    status = _wait_status("carrier1 rejected", lambda s: s.registration == Registration.REJECTED)
    assert "password" in status.reason
    assert not provider.registered()
    _record(
        transports,
        "trunk-02-rejected.txt",
        "trunk carrier1 rejected by the provider (wrong password, auth_rejection_permanent=yes)",
        ("PJSIPShowRegistrationsOutbound", [], LIST_DONE),
    )
    status, out, _err = run_command("--validate")
    assert "Trunk carrier1: rejected" in out + _err
    # Only the auth row changes: the notifier sends PJSIPRegister, no reload is typed.
    _registered_trunk(provider, password=provider.password)
    provider.wait_registered(timeout=10)
    _wait_status("carrier1 registered", lambda s: s.registration == Registration.REGISTERED)


def test_a_deleted_trunk_unregisters(transports: Pbx, provider: Provider) -> None:
    _registered_trunk(provider, password=provider.password)
    provider.wait_registered(timeout=10)
    trunk_delete(name="carrier1")
    provider.wait_unregistered(timeout=10)
    assert "carrier1" not in transports.cli("pjsip show registrations")
    _record(
        transports,
        "trunk-03-no-registrations.txt",
        "no outbound registration left after the trunk was deleted",
        ("PJSIPShowRegistrationsOutbound", [], LIST_DONE),
    )


def test_an_ip_authenticated_trunk_identifies_invites_from_its_address_only(
    transports: Pbx, provider: Provider
) -> None:
    trunk_save(name="ipcarrier", host=provider.address, match=[provider.host])
    target = ("127.0.0.1", transports.sip_port)
    # The From user equals the trunk's name: identify_by=ip must not let that identify it.
    stranger = invite(source_host="127.0.0.3", target=target, from_user="ipcarrier", to_user="74951234567")
    assert stranger == 401  # the artificial endpoint's challenge: not identified
    from_provider = invite(source_host="127.0.0.2", target=target, from_user="ipcarrier", to_user="74951234567")
    assert from_provider not in (401, 403, 407)  # identified as the trunk, no challenge
    assert "ipcarrier" not in transports.cli("pjsip show registrations")
    # The provider's own call to a DID arrives as the trunk's (in the inbound routes' context).
    log = transports.asterisk.log_dir / "messages.log"
    seen = log.stat().st_size
    provider.call_crm("74951234567", via="static")
    wait_until(
        lambda: re.search(r"ipcarrier.*74951234567|PJSIP/ipcarrier-", log.read_text(errors="replace")[seen:]),
        timeout=15,
        what="the provider's call identified as ipcarrier in Asterisk's log",
    )


def test_qualify_shows_the_provider_unreachable_when_it_stops(transports: Pbx, provider: Provider) -> None:
    _registered_trunk(provider, password=provider.password, qualify_frequency=2)
    _wait_status("carrier1 reachable", lambda s: s.reachability == Reachability.REACHABLE)
    provider.stop()
    try:
        status = _wait_status("carrier1 unreachable", lambda s: s.reachability == Reachability.UNREACHABLE, 15)
        assert status.rtt_ms is None
        _record(
            transports,
            "trunk-04-provider-stopped.txt",
            "the provider stopped: the trunk's AOR contact unreachable (qualify every 2 s)",
            ("PJSIPShowEndpoint", [("Endpoint", "carrier1")], LIST_DONE),
            ("PJSIPShowRegistrationsOutbound", [], LIST_DONE),
        )
    finally:
        provider.start()
