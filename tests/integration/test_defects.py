"""The three defects a real Asterisk showed, each against the real thing (see issue: real-Asterisk tests)."""

from __future__ import annotations

import re
import time

import pytest

from tests.integration.phones import wait_until
from tests.integration.test_backend import INJECTED, payloads
from voip.backends import ValidationError
from voip.calls.models import CallLog

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]


def test_originate_wait_to_an_unregistered_phone_says_why(live_pbx, two_extensions):
    api = live_pbx.api()

    result = api.originate_call("1000", "1001", wait=True, timeout=5)

    assert result["outcome"] == "failed"
    assert result["answered"] is False
    assert "no registered contact" in result["reason"], result


def test_originate_wait_to_a_missing_endpoint_says_it_does_not_exist(live_pbx, two_extensions):
    result = live_pbx.api().originate_call("1099", "1001", wait=True, timeout=5)

    assert result["outcome"] == "failed"
    assert "does not exist" in result["reason"], result


def test_recording_lands_in_asterisks_own_spool_and_plays_from_the_contact_card(
    live_pbx, agents, phone_factory, listener, client
):
    from crm.models import Contact

    alice, bob = agents["alice"], agents["bob"]
    caller = phone_factory(alice.extension, alice.password)
    phone_factory(bob.extension, bob.password)
    caller.dial(bob.extension)
    caller.wait_event("CALL_ESTABLISHED")
    api = live_pbx.api()
    channels = wait_until(lambda: len(api.active_channels()) == 2 and api.active_channels(), what="both legs")
    alice_leg = next(c for c in channels if c.channel.startswith(f"PJSIP/{alice.extension}-"))

    started = api.start_recording(alice_leg.channel, "integration-call", format="wav")
    recording = live_pbx.asterisk.monitor_dir / "integration-call.wav"
    wait_until(lambda: recording.is_file() and recording.stat().st_size > 8000, what=f"{recording} growing")
    time.sleep(1.0)
    api.stop_recording(alice_leg.channel, started.mixmonitor_id)
    time.sleep(0.5)
    size = recording.stat().st_size
    time.sleep(1.0)
    assert recording.stat().st_size == size  # stopped growing
    caller.hangup()
    caller.wait_event("CALL_CLOSED")

    call = wait_until(
        lambda: CallLog.objects.filter(recording_file__gt="").exclude(disposition="in_progress").first(),
        timeout=15,
        what="the call logged with its recording",
    )
    assert call.recording_file == "integration-call.wav"  # stored relative to Asterisk's monitor directory
    agent = call.agent  # the agent the call rang: may hear its recording
    assert agent is not None
    contact = Contact.objects.create(first_name="Ivan", last_name="Petrov", phone="+7 495 123-45-67", owner=agent)
    CallLog.objects.filter(pk=call.pk).update(contact=contact)  # as if the caller were this customer
    client.force_login(agent)
    card = client.get(f"/crm/contacts/{contact.pk}/")
    assert card.status_code == 200
    [url] = re.findall(r'<audio[^>]*src="([^"]+)"', card.text)
    played = client.get(url)
    assert played.status_code == 200
    assert b"".join(played.streaming_content if played.streaming else [played.content]) == recording.read_bytes()


def test_the_guides_evil_callerid_is_refused_before_any_byte(live_pbx, two_extensions, phone_factory):
    phone_factory("1000", two_extensions["1000"])
    evil = '"Evil" <1001>\r\n\r\nAction: Command\r\nCommand: core stop now\r\n\r\n'

    with pytest.raises(ValidationError) as refused:
        live_pbx.api().originate_call("1000", "1001", callerid=evil)

    assert refused.value.field == "callerid"
    assert live_pbx.channels() == []
    assert "fully booted" in live_pbx.cli("core waitfullybooted")


def test_quotes_in_a_callerid_name_reach_the_phone_safely(live_pbx, two_extensions, phone_factory):
    phone_factory("1000", two_extensions["1000"])
    phone_factory("1001", two_extensions["1001"])
    api = live_pbx.api()

    api.originate_call("1000", "1001", callerid='"Ivan "the boss" Petrov" <1000>')

    # The callee's leg is dialled from the first leg once it answers; its connected line is the first
    # leg's caller ID: what the phone 1001 is shown (a dialled leg's own CallerID is the callee).
    callee_leg = wait_until(
        lambda: next((c for c in api.active_channels() if c.channel.startswith("PJSIP/1001-")), None),
        what="the callee's leg",
    )
    assert callee_leg.connected_line_num == "1000"
    assert callee_leg.connected_line_name == 'Ivan "the boss" Petrov'


def test_callerid_carrying_an_action_is_refused_in_every_form(live_pbx, two_extensions):
    api = live_pbx.api()
    for payload in payloads():
        for callerid in (f'"Evil" <1001>{payload}', (f"Evil{payload}", "1001"), "Evil \u202e<1001>", "Evil\x07 <1001>"):
            with pytest.raises(ValidationError) as refused:
                api.originate_call("1000", "1001", callerid=callerid)
            assert refused.value.field == "callerid"
    assert INJECTED not in live_pbx.cli("core show globals")
    assert live_pbx.channels() == []
