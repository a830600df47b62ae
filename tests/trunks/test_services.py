"""trunk_save / trunk_delete: the rows Asterisk's realtime schema expects, validation at the edge,
and exactly the AMI actions each change needs, once, after commit (fake AMI server)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from tests.trunks.conftest import DATABASES, forget_sent, sent
from voip.provisioning import services as extensions
from voip.provisioning.conf import provisioning_settings
from voip.realtime.models import PsAor, PsAuth, PsEndpoint, PsEndpointIdIp, PsRegistration
from voip.realtime.router import realtime_db_alias
from voip.trunks.models import Trunk
from voip.trunks.services import TrunkError, TrunkNotFound, trunk_check, trunk_delete, trunk_save
from voip.trunks.validation import TRUNK_INBOUND_CONTEXT

pytestmark = pytest.mark.django_db(databases=DATABASES, transaction=True)

RELOAD_PJSIP = ("Reload", (("Module", "res_pjsip.so"),))
RELOAD_REGISTRATIONS = ("Reload", (("Module", "res_pjsip_outbound_registration.so"),))


def register_again(name: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return ("PJSIPRegister", (("Registration", name),))


def carrier(**overrides: Any) -> Trunk:
    values: dict[str, Any] = {
        "name": "carrier1",
        "host": "127.0.0.2:5060",
        "username": "acme",
        "password": "s3cret",
        "register": True,
        "match": ["127.0.0.2", "203.0.113.0/24"],
        "codecs": ["ulaw", "alaw"],
        "max_channels": 10,
    }
    values.update(overrides)
    return trunk_save(**values)


def rows(model: Any, **filters: Any) -> list[dict[str, Any]]:
    return list(model.objects.using(realtime_db_alias()).filter(**filters).values())


def test_a_registered_trunk_writes_endpoint_auth_aor_registration_and_identify_rows(pbx) -> None:
    trunk = carrier(from_user="74951234567", from_domain="sip.example.net", external_address="198.51.100.7")
    assert trunk.name == "carrier1" and Trunk.objects.get().max_channels == 10
    [endpoint] = rows(PsEndpoint, id="carrier1")
    assert endpoint["context"] == TRUNK_INBOUND_CONTEXT == "crm-from-trunk"
    assert endpoint["identify_by"] == "ip"
    assert endpoint["auth"] is None and endpoint["outbound_auth"] == "carrier1" and endpoint["aors"] == "carrier1"
    assert (endpoint["disallow"], endpoint["allow"], endpoint["dtmf_mode"]) == ("all", "ulaw,alaw", "rfc4733")
    assert (endpoint["rtp_symmetric"], endpoint["force_rport"], endpoint["rewrite_contact"]) == ("yes",) * 3
    assert endpoint["media_address"] == "198.51.100.7"
    assert (endpoint["from_user"], endpoint["from_domain"]) == ("74951234567", "sip.example.net")
    assert endpoint["device_state_busy_at"] == 10
    [aor] = rows(PsAor, id="carrier1")
    assert aor["contact"] == "sip:127.0.0.2:5060" and aor["qualify_frequency"] == 60
    [auth] = rows(PsAuth, id="carrier1")
    assert (auth["auth_type"], auth["username"], auth["password"], auth["realm"]) == (
        "userpass",
        "acme",
        "s3cret",
        None,
    )
    [registration] = rows(PsRegistration, id="carrier1")
    assert registration["server_uri"] == "sip:127.0.0.2:5060"
    assert registration["client_uri"] == "sip:acme@127.0.0.2:5060"
    assert registration["outbound_auth"] == "carrier1"
    assert registration["auth_rejection_permanent"] == "yes"
    assert registration["max_random_initial_delay"] == 1 and registration["retry_interval"] == 60
    assert registration["endpoint"] is None  # refused by Asterisk without line support
    identify = sorted((r["id"], r["endpoint"], r["match"]) for r in rows(PsEndpointIdIp, endpoint="carrier1"))
    assert identify == [("carrier1.1", "carrier1", "127.0.0.2"), ("carrier1.2", "carrier1", "203.0.113.0/24")]


def test_an_ip_authenticated_trunk_has_no_auth_and_no_registration(pbx) -> None:
    trunk_save(name="ipcarrier", host="sip.example.net", match=["192.0.2.10"])
    [endpoint] = rows(PsEndpoint, id="ipcarrier")
    assert endpoint["outbound_auth"] is None and endpoint["identify_by"] == "ip"
    assert endpoint["allow"] == "ulaw,alaw"  # the default codecs
    assert rows(PsAor, id="ipcarrier")[0]["contact"] == "sip:sip.example.net"
    assert rows(PsAuth, id="ipcarrier") == [] and rows(PsRegistration, id="ipcarrier") == []


def test_realtime_escaping_and_an_ipv6_host(pbx) -> None:
    carrier(host="[2001:db8::1]:5070", password="a;b^c")
    assert rows(PsAuth, id="carrier1")[0]["password"] == "a^3Bb^5Ec"
    assert rows(PsAor, id="carrier1")[0]["contact"] == "sip:[2001:db8::1]:5070"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "Carrier 1"}, "name"),
        ({"host": "127.0.0.2:99999"}, "host"),
        ({"host": "sip.example.net;transport=tcp"}, "host"),
        ({"host": "2001:db8::1"}, "host"),
        ({"host": "evil\r\nAction: Originate"}, "host"),
        ({"username": "acme,other"}, "username"),
        ({"password": "line\r\nbreak"}, "password"),
        ({"password": "x" * 81}, "password"),
        ({"username": "", "password": None}, "register"),
        ({"from_user": "a;b"}, "from_user"),
        ({"from_domain": "example.net:5060"}, "from_domain"),
        ({"match": ["10.0.0.1/24"]}, "match[0]"),
        ({"match": ["not-an-address"]}, "match[0]"),
        ({"match": ["127.0.0.2", "127.0.0.2"]}, "match"),
        ({"codecs": ["ulaw", "mp3"]}, "codecs[1]"),
        ({"max_channels": 0}, "max_channels"),
        ({"qualify_frequency": -1}, "qualify_frequency"),
        ({"external_address": "198.51.100.7:5060"}, "external_address"),
        ({"dtmf_mode": "rfc2833"}, "dtmf_mode"),
        ({"number_format": "national"}, "number_format"),
        ({"transport": "udp;x"}, "transport"),
    ],
)
def test_bad_values_are_refused_naming_the_field_and_nothing_is_written(pbx, overrides, field) -> None:
    with pytest.raises(TrunkError) as raised:
        carrier(**overrides)
    assert field in [f for f, _message in raised.value.errors], raised.value.errors
    assert not Trunk.objects.exists()
    assert rows(PsEndpoint, id="carrier1") == [] and rows(PsEndpointIdIp) == []
    assert sent(pbx) == []


def test_every_error_is_reported_at_once() -> None:
    errors = trunk_check(name="Bad Name", host="", codecs=["mp3"], match=["x"], username="acme")
    assert {f for f, _ in errors} == {"name", "host", "codecs[0]", "match[0]", "password"}


def test_a_username_needs_a_password_and_none_keeps_the_stored_one(pbx) -> None:
    with pytest.raises(TrunkError, match="password"):
        carrier(password=None)
    carrier()
    carrier(password=None, max_channels=5)
    assert rows(PsAuth, id="carrier1")[0]["password"] == "s3cret"
    assert Trunk.objects.get().max_channels == 5


def test_a_name_an_extension_uses_is_refused(pbx) -> None:
    extensions.create_test_endpoint(1000)
    with pytest.raises(TrunkError) as raised:
        carrier(name="1000")
    assert raised.value.errors[0][0] == "name"
    assert rows(PsEndpoint, id="1000")[0]["context"] != TRUNK_INBOUND_CONTEXT


def test_a_new_trunk_reloads_pjsip_and_the_registrations_once_after_commit(pbx) -> None:
    with transaction.atomic(using="default"), transaction.atomic(using=realtime_db_alias()):
        carrier()
        assert sent(pbx) == []  # not before the commit
    # res_pjsip for the static contact's qualify, the registration module for the registration.
    assert sent(pbx) == [RELOAD_PJSIP, RELOAD_REGISTRATIONS]


def test_saving_an_unchanged_trunk_sends_nothing(pbx) -> None:
    carrier()
    forget_sent(pbx)
    carrier(password=None)
    carrier(password="s3cret")
    assert sent(pbx) == []


def test_a_codec_change_reaches_asterisk_without_any_action(pbx) -> None:
    carrier()
    forget_sent(pbx)
    carrier(codecs=["alaw"])
    assert rows(PsEndpoint, id="carrier1")[0]["allow"] == "alaw"
    assert sent(pbx) == []  # res_pjsip reads the endpoint row on each lookup


def test_a_password_change_alone_tells_that_registration_again(pbx) -> None:
    carrier()
    forget_sent(pbx)
    carrier(password="n3w-secret")
    assert sent(pbx) == [register_again("carrier1")]


def test_a_registration_change_with_a_new_password_is_one_reload(pbx) -> None:
    carrier()
    forget_sent(pbx)
    carrier(password="n3w-secret", username="acme2")
    assert sent(pbx) == [RELOAD_REGISTRATIONS]  # the rebuilt registration uses the new auth


def test_reload_then_register_when_both_are_due_in_one_transaction(pbx) -> None:
    carrier()
    carrier(name="carrier2", host="127.0.0.3")
    forget_sent(pbx)
    with transaction.atomic(using="default"), transaction.atomic(using=realtime_db_alias()):
        carrier(password="n3w-secret")
        carrier(name="carrier2", host="127.0.0.3", username="acme2")
    assert sent(pbx) == [RELOAD_REGISTRATIONS, register_again("carrier1")]


def test_a_rolled_back_save_sends_nothing_and_writes_nothing(pbx) -> None:
    with (
        pytest.raises(RuntimeError),
        transaction.atomic(using="default"),
        transaction.atomic(using=realtime_db_alias()),
    ):
        carrier()
        raise RuntimeError("rolled back")
    assert sent(pbx) == []
    assert not Trunk.objects.exists() and rows(PsEndpoint, id="carrier1") == []


def test_disabling_a_trunk_stops_its_registration_and_refuses_its_calls(pbx) -> None:
    carrier()
    forget_sent(pbx)
    carrier(password=None, enabled=False)
    assert rows(PsRegistration, id="carrier1") == []
    assert rows(PsEndpoint, id="carrier1")[0]["context"] == provisioning_settings().disabled_context
    assert rows(PsAuth, id="carrier1") != []  # kept: the username and password stay for enabling again
    assert sent(pbx) == [RELOAD_REGISTRATIONS]


def test_becoming_ip_authenticated_unregisters_first_then_drops_the_auth(pbx) -> None:
    carrier()
    forget_sent(pbx)
    trunk_save(name="carrier1", host="127.0.0.2:5060", match=["127.0.0.2"])
    assert sent(pbx) == [RELOAD_REGISTRATIONS]
    assert rows(PsRegistration, id="carrier1") == [] and rows(PsAuth, id="carrier1") == []
    assert rows(PsEndpoint, id="carrier1")[0]["outbound_auth"] is None


def test_delete_removes_every_row_and_unregisters(pbx) -> None:
    carrier()
    forget_sent(pbx)
    trunk_delete(name="carrier1")
    assert sent(pbx) == [RELOAD_PJSIP, RELOAD_REGISTRATIONS]
    for model in (PsEndpoint, PsAor, PsAuth, PsRegistration):
        assert rows(model, id="carrier1") == []
    assert rows(PsEndpointIdIp, endpoint="carrier1") == []
    assert not Trunk.objects.exists()
    with pytest.raises(TrunkNotFound):
        trunk_delete(name="carrier1")


def test_saves_and_deletes_are_in_the_audit_log_without_the_password(pbx) -> None:
    from voip.audit.models import AuditEntry

    carrier()
    carrier(password=None, max_channels=5)
    carrier(password=None, max_channels=5)  # unchanged: no entry
    trunk_delete(name="carrier1")
    entries = list(AuditEntry.objects.filter(object_type="trunk").order_by("pk"))
    assert [e.action for e in entries] == ["created", "updated", "deleted"]
    assert "s3cret" not in str(entries[0].changes) and "password" in entries[0].changes
    assert entries[1].changes == {"max_channels": [10, 5]}
