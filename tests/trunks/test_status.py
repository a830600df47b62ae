"""Live trunk state from the recorded AMI bytes (tests/ami/transcripts/trunk-*.txt, recorded from
the real-Asterisk trunk tests): the backend's parsing and strict input, and trunk_statuses()."""

from __future__ import annotations

import pytest

from tests.trunks.conftest import DATABASES, TRUNK_TRANSCRIPTS
from voip.ami.errors import AMIActionError
from voip.backends import ValidationError, get_backend
from voip.trunks.models import Trunk
from voip.trunks.selectors import Reachability, Registration, trunk_status, trunk_statuses

pytestmark = pytest.mark.django_db(databases=DATABASES)


def _trunk(**fields) -> Trunk:
    values = {"name": "carrier1", "host": "127.0.0.2:50071", "username": "crm", "register": True}
    values.update(fields)
    return Trunk.objects.create(**values)


def test_outbound_registrations_parses_the_recorded_listing(pbx) -> None:
    [registration] = get_backend().outbound_registrations()
    assert registration.id == "carrier1"
    assert registration.status == "Registered"
    assert registration.server_uri == "sip:127.0.0.2:50071"
    assert registration.client_uri == "sip:crm@127.0.0.2:50071"
    assert registration.auth_rejection_permanent is True
    assert registration.next_reg == 0
    assert "password" not in str(registration.to_dict()).lower()  # the AuthDetail events are not kept


def test_register_outbound_sends_pjsipregister_and_refuses_bad_names(pbx) -> None:
    result = get_backend().register_outbound("carrier1")
    assert result.message == "Reregistration sent"
    with pytest.raises(AMIActionError, match="Unable to retrieve registration entry"):
        get_backend().register_outbound("nosuchtrunk")
    for bad in ("carrier1\r\nAction: Originate", "", "a b", "x" * 41):
        with pytest.raises(ValidationError):
            get_backend().register_outbound(bad)
    assert [a.get("Registration") for a in pbx.server.actions if a.get("Action") == "PJSIPRegister"] == [
        "carrier1",
        "nosuchtrunk",
    ]


def test_a_registered_reachable_trunk(pbx) -> None:
    _trunk(qualify_frequency=2)
    status = trunk_status(name="carrier1")
    assert (status.registration, status.reason, status.next_attempt) == (Registration.REGISTERED, "", None)
    assert status.reachability == Reachability.REACHABLE
    assert status.rtt_ms == pytest.approx(7.968)
    assert status.summary() == "registered; reachable, 8.0 ms"


def test_a_rejected_trunk_says_why_and_that_it_waits_for_a_new_password(pbx) -> None:
    pbx.server.replay_transcript(TRUNK_TRANSCRIPTS / "trunk-02-rejected.txt")
    _trunk()
    status = trunk_status(name="carrier1")
    assert status.registration == Registration.REJECTED
    assert "refused the username or password" in status.reason
    assert "stopped until the password is changed" in status.reason


def test_a_stopped_provider_shows_unreachable_and_unregistered(pbx) -> None:
    pbx.server.replay_transcript(TRUNK_TRANSCRIPTS / "trunk-04-provider-stopped.txt")
    _trunk(qualify_frequency=2)
    status = trunk_status(name="carrier1")
    assert status.reachability == Reachability.UNREACHABLE and status.rtt_ms is None
    assert status.registration == Registration.UNREGISTERED


def test_a_registration_asterisk_does_not_list_and_an_ip_trunk(pbx) -> None:
    pbx.server.replay_transcript(TRUNK_TRANSCRIPTS / "trunk-03-no-registrations.txt")
    _trunk()
    _trunk(name="ipcarrier", username="", register=False)
    statuses = trunk_statuses()
    assert statuses["carrier1"].registration == Registration.UNREGISTERED
    assert "not loaded" in statuses["carrier1"].reason
    assert statuses["ipcarrier"].registration == Registration.NOT_REGISTERING


def test_ami_down_gives_every_trunk_an_error_instead_of_raising(ami_at, closed_port) -> None:
    ami_at(AMI_HOST="127.0.0.1", AMI_PORT=closed_port, AMI_CONNECT_TIMEOUT=0.5)
    _trunk()
    status = trunk_statuses()["carrier1"]
    assert status.registration == Registration.UNKNOWN and status.error
    assert status.summary().startswith("live state unknown")


def test_validate_reports_each_trunk(pbx) -> None:
    from voip.diagnostics.checks import check_trunks

    _trunk(qualify_frequency=2)
    _trunk(name="off", enabled=False)
    [line] = check_trunks(get_backend())
    assert line.ok and line.message == "Trunk carrier1: registered; reachable, 8.0 ms"
    pbx.server.replay_transcript(TRUNK_TRANSCRIPTS / "trunk-02-rejected.txt")
    [line] = check_trunks(get_backend())
    assert line.status == "error" and "rejected" in line.message and "password" in line.hint
