"""Routes on the private Asterisk: the generated routing dialplan and the rows route services write.

Without a provider Asterisk, a phone's endpoint stands in for the trunk: a Trunk row named like
an endpoint makes the dialling subroutine send ``PJSIP/<number>@<endpoint>``, so the phone sees
the caller ID the route presents, and Asterisk's channel variables show the number as sent. For
inbound calls, an origination into the trunks' context from a phone's endpoint plays the
provider's INVITE: ``CHANNEL(endpoint)`` names the "trunk".
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model

from crm.models import Contact
from tests.integration.phones import wait_until
from tests.integration.sip_probe import invite
from voip.provisioning.models import InternalNumber
from voip.routes.dialplan import INBOUND_CONTEXT
from voip.routes.models import InboundRoute, OutboundRoute
from voip.routes.owners import caller_owners_rebuild
from voip.routes.services import inbound_route_save, outbound_route_save
from voip.trunks.models import NumberFormat, Trunk
from voip.trunks.services import trunk_delete, trunk_save

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]


def channel_variable(pbx, prefix: str, name: str) -> str:
    channel = next(c for c in pbx.channels() if c.startswith(prefix))
    match = re.search(rf"^\s*{name}=(.*)$", pbx.cli(f"core show channel {channel}"), re.MULTILINE)
    return match.group(1).strip() if match else ""


def test_the_routing_dialplan_loads(live_pbx) -> None:
    for context in ("crm-outbound-dial", "crm-e164", "crm-from-trunk", "crm-inbound-entry", "crm-contact-owner"):
        shown = live_pbx.cli(f"dialplan show {context}")
        assert f"'{context}'" in shown and "There is no existence" not in shown, shown
    assert "Include =>        'crm-outbound'" in live_pbx.cli("dialplan show from-internal")


def test_a_phone_dials_out_through_a_route_with_failover(live_pbx, two_extensions, phone_factory) -> None:
    caller = phone_factory("1000", two_extensions["1000"])
    provider = phone_factory("1001", two_extensions["1001"], answer="manual", also_answers=("+74951234567",))
    # The first trunk has no endpoint (Dial: CHANUNAVAIL): the call goes on to the next one.
    Trunk.objects.create(name="nowhere", host="127.0.0.9")
    Trunk.objects.create(name="1001", host="127.0.0.1", number_format=NumberFormat.E164)
    outbound_route_save(name="national", patterns=["8XXXXXXXXXX"], trunks=["nowhere", "1001"], caller_id="+74950001122")
    mark = provider.mark()
    caller.dial("84951234567")
    incoming = provider.wait_event("CALL_INCOMING", since=mark)
    assert "+74950001122" in incoming.get("peeruri", ""), incoming
    assert channel_variable(live_pbx, "PJSIP/1000-", "CRM_SENT") == "+74951234567"
    assert channel_variable(live_pbx, "PJSIP/1000-", "CRM_TRUNK") == "1001"
    assert channel_variable(live_pbx, "PJSIP/1000-", "CRM_DIALLED") == "84951234567"


def test_international_without_a_route_reaches_no_trunk(live_pbx, two_extensions, phone_factory) -> None:
    caller = phone_factory("1000", two_extensions["1000"])
    provider = phone_factory("1001", two_extensions["1001"], answer="manual", also_answers=("+74951234567",))
    Trunk.objects.create(name="1001", host="127.0.0.1")
    outbound_route_save(name="national", patterns=["8XXXXXXXXXX"], trunks=["1001"])
    mark = provider.mark()
    caller.dial("0014155550100")
    caller.wait_event("CALL_CLOSED")
    assert not provider.has_event("CALL_INCOMING", since=mark)
    assert "No such extension" in live_pbx.cli("dialplan show 0014155550100@from-internal") or (
        "There is no existence" in live_pbx.cli("dialplan show 0014155550100@from-internal")
    )


def test_a_call_to_a_did_rings_the_callers_owner(live_pbx, two_extensions, phone_factory) -> None:
    provider_leg = phone_factory("1000", two_extensions["1000"])
    owner_phone = phone_factory("1001", two_extensions["1001"], answer="manual")
    owner = get_user_model().objects.create(username="ivanov")
    InternalNumber.objects.create(user=owner, number="1001", endpoint_id="1001")
    Contact.objects.create(first_name="Client", phone="8 (495) 765-43-21", owner=owner)
    assert caller_owners_rebuild() == 1
    Trunk.objects.create(name="1000", host="127.0.0.1")
    inbound_route_save(
        trunk="1000",
        did="+74951234567",
        destination={"contact_owner": {"timeout": 10, "fallback": {"hangup": True}}},
    )
    mark = owner_phone.mark()
    # The provider sends the DID without "+" and the caller in national format.
    live_pbx.api().originate_call("1000", "74951234567", callerid="84957654321", context=INBOUND_CONTEXT)
    incoming = owner_phone.wait_event("CALL_INCOMING", since=mark)
    assert "+74957654321" in incoming.get("peeruri", ""), incoming
    assert channel_variable(live_pbx, "PJSIP/1000-", "CRM_DID") == "+74951234567"
    assert channel_variable(live_pbx, "PJSIP/1000-", "CRM_TRUNK") == "1000"
    provider_leg.hangup()
    wait_until(lambda: not live_pbx.channels(), what="the call ended")


def test_a_blocked_caller_rings_nobody(live_pbx, two_extensions, phone_factory) -> None:
    provider_leg = phone_factory("1000", two_extensions["1000"])
    callee = phone_factory("1001", two_extensions["1001"], answer="manual")
    Trunk.objects.create(name="1000", host="127.0.0.1")
    InternalNumber.objects.create(
        user=get_user_model().objects.create(username="petrov"), number="1001", endpoint_id="1001"
    )
    inbound_route_save(trunk="1000", did="any", destination={"extension": "1001"}, blocklist=["+74957654321"])
    mark = callee.mark()
    live_pbx.api().originate_call("1000", "74951234567", callerid="84957654321", context=INBOUND_CONTEXT)
    provider_leg.wait_event("CALL_CLOSED")
    assert not callee.has_event("CALL_INCOMING", since=mark)
    # Another caller gets through on the same route ("any" number of the trunk).
    live_pbx.api().originate_call("1000", "74951234567", callerid="84950000000", context=INBOUND_CONTEXT)
    callee.wait_event("CALL_INCOMING", since=mark)


# -- with the provider Asterisk on 127.0.0.2 (tests/integration/provider.py) -----------------------


@pytest.fixture
def carrier(live_pbx, two_extensions, provider) -> Iterator[Trunk]:
    """carrier1 registered to the provider; deleted through the service afterwards (Asterisk
    unloads its registration before the databases are flushed)."""
    trunk = trunk_save(
        name="carrier1",
        host=provider.address,
        username=provider.username,
        password=provider.password,
        register=True,
        match=[provider.host],
        qualify_frequency=0,
    )
    provider.wait_registered(timeout=10)
    yield trunk
    OutboundRoute.objects.all().delete()
    InboundRoute.objects.all().delete()
    for name in Trunk.objects.values_list("name", flat=True):
        trunk_delete(name=name)


def test_the_provider_gets_the_number_and_caller_id_the_route_sends(
    live_pbx, two_extensions, phone_factory, provider, carrier
) -> None:
    caller = phone_factory("1000", two_extensions["1000"])
    outbound_route_save(
        name="national", patterns=["8XXXXXXXXXX"], trunks=["carrier1"], strip=1, prepend="7", caller_id="+74950001122"
    )
    caller.dial("84951234567")
    call = provider.wait_for_call(timeout=15)
    # Route: strip 1, prepend 7 -> 74951234567; the trunk's format (E.164 with +) -> +74951234567.
    assert (call.exten, call.caller_id) == ("+74951234567", "+74950001122")


def test_a_call_from_the_provider_to_a_did_rings_the_owner(
    live_pbx, two_extensions, phone_factory, provider, carrier
) -> None:
    owner_phone = phone_factory("1001", two_extensions["1001"], answer="manual")
    owner = get_user_model().objects.create(username="ivanov")
    InternalNumber.objects.create(user=owner, number="1001", endpoint_id="1001")
    Contact.objects.create(first_name="Client", phone="+7 916 123-45-67", owner=owner)
    inbound_route_save(
        trunk="carrier1",
        did="+74951234567",
        destination={"contact_owner": {"timeout": 10, "fallback": {"hangup": True}}},
    )
    mark = owner_phone.mark()
    provider.call_crm("74951234567", caller_id="89161234567")
    incoming = owner_phone.wait_event("CALL_INCOMING", since=mark)
    assert "+79161234567" in incoming.get("peeruri", ""), incoming


def test_an_invite_from_an_unknown_address_reaches_no_route(live_pbx, two_extensions, provider, carrier) -> None:
    outbound_route_save(name="national", patterns=["8XXXXXXXXXX"], trunks=["carrier1"])
    inbound_route_save(trunk="carrier1", did="any", destination={"hangup": True})
    target = ("127.0.0.1", live_pbx.sip_port)
    before = len((live_pbx.asterisk.log_dir / "messages.log").read_text(errors="replace"))
    calls_before = len(provider.calls())  # the provider's log keeps earlier tests' calls
    answer = invite(source_host="127.0.0.3", target=target, from_user="carrier1", to_user="84951234567")
    assert answer in (401, 403)  # challenged or refused: never identified, never in a dialplan context
    time.sleep(1)
    assert len(provider.calls()) == calls_before
    messages = (live_pbx.asterisk.log_dir / "messages.log").read_text(errors="replace")[before:]
    assert "84951234567@" not in messages
