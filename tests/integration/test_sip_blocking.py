"""SIP blocking on a real Asterisk: a ``crm_sip_blocks`` row refuses a source at once, a lifted one lets it in.

The generated sorcery.conf maps res_pjsip_acl's ``acl`` type onto ``crm_sip_blocks``; this checks
that Asterisk honours a row from the next request, without any reload, and that the failed
authentications of a phone with a wrong password reach the listener as PJSIP security events.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.integration.phones import wait_until
from voip.calls import sip_security
from voip.realtime.models import SipAddressBlock

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]


def block_loopback() -> None:
    # The listener never blocks loopback itself; the service writes what it is told.
    decision = sip_security.BlockDecision(
        address="127.0.0.1",
        failures=10,
        last_event="ChallengeResponseFailed",
        last_account="1000",
        at=dt.datetime.now(dt.UTC),
    )
    sip_security.block_address(decision=decision, block_for=dt.timedelta(minutes=5))


def test_a_block_refuses_registration_at_once_and_lifting_it_lets_the_phone_in(live_pbx, two_extensions, phone_factory):
    block_loopback()
    phone_factory("1000", two_extensions["1000"], register=False)
    time.sleep(4)
    assert not live_pbx.contacts_of("1000")
    assert sip_security.lift_block(block_id="crm-block-127.0.0.1")
    phone_factory("1000", two_extensions["1000"])  # waits until Asterisk lists the contact


def test_wrong_passwords_reach_the_listener_as_pjsip_failures(live_pbx, two_extensions, phone_factory, listener):
    phone_factory("1001", "not-the-password", register=False)
    stats = listener.listener.stats
    failures = listener.listener.sip_failures
    # Loopback is never blocked: the failures are counted as spared, and nothing is written.
    wait_until(lambda: failures.ignored_never_block >= 1, timeout=20, what="a PJSIP ChallengeResponseFailed")
    assert stats.security_events >= 1 and stats.blocks == 0
    assert not SipAddressBlock.objects.exists()
