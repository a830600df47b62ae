"""The provisioning services against the realtime tables (every DB mode the run uses)."""

from __future__ import annotations

import hashlib
import logging

import pytest

from tests.provisioning.conftest import DATABASES
from voip.models import InternalNumber, PsAor, PsAuth, PsContact, PsEndpoint, PsTransport
from voip.provisioning import services
from voip.provisioning.errors import ExtensionNotFound, NumberSpaceExhausted, NumberTaken, ProvisioningError
from voip.provisioning.models import PendingAsteriskAction
from voip.realtime.router import realtime_db_alias
from voip.utils.asterisk_realtime import auto_provision_endpoint

pytestmark = pytest.mark.django_db(databases=DATABASES)


def rt(model):
    """Realtime rows as provisioning reads them back (the realtime alias; ``default`` on SQLite Option A)."""
    return model.objects.using(realtime_db_alias())


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_auto_provision_endpoint_creates_a_working_extension(make_user, provisioning) -> None:
    provisioning(SIP_SERVER="pbx.example.com", SIP_REALM="crm-realm", USER_EXTENSION_RANGE=(2000, 2999))
    user = make_user("alice", first_name="Alice", last_name="Smith")
    result = auto_provision_endpoint(user)
    assert result["created"] is True
    assert result["endpoint_id"] == result["number"] == result["username"] == "2000"
    assert result["sip_uri"] == "sip:2000@pbx.example.com"
    assert result["server"] == "pbx.example.com"
    assert result["port"] == 5060
    assert result["transport"] == "udp"
    password = result["password"]
    assert len(password) == 20

    endpoint = rt(PsEndpoint).get(id="2000")
    assert endpoint.callerid == '"Alice Smith" <2000>'
    assert (endpoint.aors, endpoint.auth, endpoint.transport) == ("2000", "2000", "transport-udp")
    assert endpoint.context == "from-internal"
    assert (endpoint.disallow, endpoint.allow) == ("all", "ulaw,alaw,g722")  # opus needs codec_opus: opt-in
    assert endpoint.direct_media == "no"
    assert endpoint.rtp_symmetric == endpoint.force_rport == endpoint.rewrite_contact == "yes"
    auth = rt(PsAuth).get(id="2000")
    assert auth.auth_type == "md5"
    assert auth.password is None
    assert auth.realm == "crm-realm"
    assert auth.username == "2000"
    assert auth.md5_cred == md5(f"2000:crm-realm:{password}")
    aor = rt(PsAor).get(id="2000")
    assert aor.max_contacts == 1
    assert aor.remove_existing == "yes"
    assert aor.qualify_frequency == 60
    number = InternalNumber.objects.get(user=user)
    assert (number.number, number.endpoint_id, number.is_active) == ("2000", "2000", True)
    assert user.internal_number.number == "2000"


def test_auto_provision_endpoint_is_idempotent(make_user) -> None:
    user = make_user()
    first = auto_provision_endpoint(user)
    again = auto_provision_endpoint(user)
    assert again["created"] is False
    assert again["password"] is None
    assert again["endpoint_id"] == first["endpoint_id"]
    assert rt(PsEndpoint).count() == 1
    reset = auto_provision_endpoint(user, reset_password=True)
    assert reset["created"] is False
    assert reset["password"] and reset["password"] != first["password"]
    eid = first["endpoint_id"]
    assert rt(PsAuth).get(id=eid).md5_cred == md5(f"{eid}:asterisk:{reset['password']}")


def test_plaintext_passwords_when_configured(make_user, provisioning) -> None:
    provisioning(STORE_PLAINTEXT_PASSWORDS=True)
    result = services.provision_extension(make_user())
    auth = rt(PsAuth).get(id=result.endpoint_id)
    assert auth.auth_type == "userpass"
    assert auth.password == result.password
    assert auth.md5_cred is None


def test_users_and_test_endpoints_share_one_number_space(make_user, provisioning) -> None:
    provisioning(USER_EXTENSION_RANGE=(1000, 1999), TEST_EXTENSION_START=1000)
    tests = services.create_test_endpoints(2)
    assert [t.endpoint_id for t in tests] == ["1000", "1001"]
    user = services.provision_extension(make_user())
    assert user.endpoint_id == "1002"
    more = services.create_test_endpoints(2)
    assert [t.endpoint_id for t in more] == ["1003", "1004"]
    assert rt(PsEndpoint).count() == 5


def test_rerun_of_test_endpoints_never_touches_existing_ones() -> None:
    first = services.create_test_endpoint()
    before = rt(PsAuth).get(id=first.endpoint_id).md5_cred
    services.create_test_endpoints(3)
    assert rt(PsAuth).get(id=first.endpoint_id).md5_cred == before
    assert sorted(rt(PsEndpoint).values_list("id", flat=True)) == ["1000", "1001", "1002", "1003"]


def test_explicit_number_and_collisions(make_user) -> None:
    services.create_test_endpoint(1500)
    with pytest.raises(NumberTaken):
        services.provision_extension(make_user(), number="1500")
    with pytest.raises(ProvisioningError):
        services.provision_extension(make_user(), number="15;00")
    user = make_user()
    assert services.provision_extension(user, number=1600).endpoint_id == "1600"
    with pytest.raises(ProvisioningError):
        services.provision_extension(user, number="1601")
    assert InternalNumber.objects.count() == 1  # the failures left nothing behind
    assert rt(PsEndpoint).count() == 2


def test_range_exhausted(make_user, provisioning) -> None:
    provisioning(USER_EXTENSION_RANGE=(3000, 3001))
    services.provision_extension(make_user())
    services.provision_extension(make_user())
    with pytest.raises(NumberSpaceExhausted):
        services.provision_extension(make_user())
    assert rt(PsEndpoint).count() == 2


def test_failure_after_realtime_rows_leaves_nothing(make_user, monkeypatch) -> None:
    user = make_user()

    def broken_create(*args, **kwargs):
        raise RuntimeError("default database write failed")

    monkeypatch.setattr(InternalNumber.objects, "create", broken_create)
    monkeypatch.setattr(type(InternalNumber.objects.using("default")), "create", broken_create)
    with pytest.raises(RuntimeError):
        services.provision_extension(user)
    assert not rt(PsEndpoint).exists()
    assert not rt(PsAuth).exists()
    assert not rt(PsAor).exists()
    assert not InternalNumber.objects.exists()


def test_disable_and_enable(make_user) -> None:
    user = make_user()
    result = services.provision_extension(user)
    eid = result.endpoint_id
    rt(PsContact).create(id=f"{eid};@abc", uri=f"sip:{eid}@10.0.0.5:5060", endpoint=eid)
    rt(PsContact).create(id="9999;@zzz", uri="sip:9999@10.0.0.6", endpoint="9999")
    services.disable_extension(user)
    assert rt(PsAor).get(id=eid).max_contacts == 0
    assert not rt(PsContact).filter(endpoint=eid).exists()
    assert rt(PsContact).filter(id="9999;@zzz").exists()
    assert InternalNumber.objects.get(user=user).is_active is False
    assert rt(PsEndpoint).filter(id=eid).exists()  # disabled, not deleted
    # A phone that still knows the password could INVITE without registering: calls go nowhere.
    assert rt(PsEndpoint).get(id=eid).context == "crm-disabled"
    assert services.is_extension_enabled(eid) is False
    services.enable_extension(eid)
    assert rt(PsAor).get(id=eid).max_contacts == 1
    assert rt(PsEndpoint).get(id=eid).context == "from-internal"
    assert InternalNumber.objects.get(user=user).is_active is True
    assert services.is_extension_enabled(user) is True


def test_reset_password_returns_new_password_once(make_user) -> None:
    user = make_user()
    result = services.provision_extension(user)
    new = services.reset_password(result.endpoint_id)
    assert new != result.password
    assert rt(PsAuth).get(id=result.endpoint_id).md5_cred == md5(f"{result.endpoint_id}:asterisk:{new}")


def test_update_extension_rebuilds_callerid(make_user) -> None:
    user = make_user(first_name="Bob")
    eid = services.provision_extension(user).endpoint_id
    user.first_name, user.last_name = "Robert", "Tables;^"
    user.save()
    services.update_extension(user)
    assert rt(PsEndpoint).get(id=eid).callerid == f'"Robert Tables^3B^5E" <{eid}>'
    services.update_extension(eid, name="Front desk", codecs=["alaw"], context="agents")
    endpoint = rt(PsEndpoint).get(id=eid)
    assert (endpoint.callerid, endpoint.allow, endpoint.context) == (f'"Front desk" <{eid}>', "alaw", "agents")


def test_delete_extension_removes_everything(make_user) -> None:
    user = make_user()
    eid = services.provision_extension(user).endpoint_id
    rt(PsContact).create(id=f"{eid}^3B@abc", uri="sip:x@1.2.3.4", endpoint=None)
    services.delete_extension(user)
    for model in (PsEndpoint, PsAuth, PsAor, PsContact):
        assert not rt(model).filter(id__startswith=eid).exists()
    assert not InternalNumber.objects.filter(user=user).exists()
    with pytest.raises(ExtensionNotFound):
        services.disable_extension(user)


def test_missing_realtime_rows_are_rebuilt(make_user) -> None:
    user = make_user()
    first = services.provision_extension(user)
    rt(PsEndpoint).filter(id=first.endpoint_id).delete()
    again = services.provision_extension(user)
    assert again.endpoint_id == first.endpoint_id
    assert again.password  # the old one cannot be recovered: a new one, shown once
    assert rt(PsAuth).get(id=first.endpoint_id).md5_cred == md5(f"{first.endpoint_id}:asterisk:{again.password}")
    assert rt(PsEndpoint).filter(id=first.endpoint_id).exists()


def test_create_transports_idempotent(provisioning) -> None:
    provisioning(TRANSPORT_BIND="0.0.0.0:5070")
    first = services.create_transports()
    assert [(t.id, t.protocol, t.bind, t.created) for t in first] == [
        ("transport-udp", "udp", "0.0.0.0:5070", True),
        ("transport-tcp", "tcp", "0.0.0.0:5070", True),
    ]
    second = services.create_transports()
    assert [t.created for t in second] == [False, False]
    assert rt(PsTransport).count() == 2
    provisioning(ENABLE_WEBSOCKET_TRANSPORTS=True)
    third = services.create_transports()
    assert {t.id: t.created for t in third} == {
        "transport-udp": False,
        "transport-tcp": False,
        "transport-ws": True,
        "transport-wss": True,
    }
    assert rt(PsTransport).get(id="transport-wss").protocol == "wss"


def test_endpoints_reference_the_created_transport(provisioning, make_user) -> None:
    provisioning(ENDPOINT_TRANSPORT="udp-main")
    ids = [t.id for t in services.create_transports()]
    assert "udp-main" in ids
    eid = services.provision_extension(make_user()).endpoint_id
    assert rt(PsEndpoint).get(id=eid).transport == "udp-main"
    assert rt(PsTransport).get(id="udp-main").protocol == "udp"


def test_provision_users_in_batches(make_user, provisioning) -> None:
    provisioning(USER_EXTENSION_RANGE=(5000, 5999))
    users = [make_user(first_name=f"U{i}") for i in range(25)]
    services.provision_extension(users[0])
    inactive = make_user(is_active=False)
    calls = []
    summary = services.provision_users([*users, inactive], progress=lambda d, t: calls.append((d, t)), batch_size=10)
    assert len(summary.created) == 24
    assert summary.already_provisioned == 1
    assert summary.skipped_inactive == 1
    assert calls[-1] == (26, 26)
    assert len(calls) == 4  # initial + 3 batches
    assert rt(PsEndpoint).count() == rt(PsAuth).count() == rt(PsAor).count() == 25
    for result in summary.created:
        assert rt(PsAuth).get(id=result.endpoint_id).md5_cred == md5(f"{result.endpoint_id}:asterisk:{result.password}")
        assert InternalNumber.objects.get(endpoint_id=result.endpoint_id).user_id == result.user_id
    assert len({r.endpoint_id for r in summary.created}) == 24


def test_provision_users_reports_range_exhaustion(make_user, provisioning) -> None:
    provisioning(USER_EXTENSION_RANGE=(6000, 6004))
    users = [make_user() for _ in range(8)]
    summary = services.provision_users(users, batch_size=3)
    assert sorted(r.endpoint_id for r in summary.created) == ["6000", "6001", "6002", "6003", "6004"]
    assert [username for username, _reason in summary.failed] == [u.username for u in users[5:]]
    assert summary.failed[0][1] == "no free extension left in 6000-6004"
    assert rt(PsEndpoint).count() == InternalNumber.objects.count() == 5  # nothing half-written


def test_password_never_logged(make_user, caplog, provisioning) -> None:
    caplog.set_level(logging.DEBUG)
    provisioning(QUALIFY_FREQUENCY=60)
    user = make_user()
    result = services.provision_extension(user)
    tests = services.create_test_endpoints(2)
    new = services.reset_password(user)
    summary = services.provision_users([make_user(), make_user()])
    secrets = [result.password, new, *(t.password for t in tests), *(r.password for r in summary.created)]
    assert len(secrets) == 6 and all(secrets)
    assert caplog.records  # provisioning does log, just never the password
    text = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    for secret in secrets:
        assert secret not in text
    assert result.password not in repr(result)


@pytest.mark.django_db(databases=DATABASES, transaction=True)  # the reload is sent after a real commit
def test_qualify_zero_asks_for_reload_and_keeps_it_pending_when_ami_is_down(
    make_user, provisioning, ami_at, closed_port, fake_ami
) -> None:
    provisioning(QUALIFY_FREQUENCY=0)
    ami_at(AMI_HOST="127.0.0.1", AMI_PORT=closed_port, AMI_CONNECT_TIMEOUT=0.5)
    result = services.provision_extension(make_user())
    assert rt(PsAor).get(id=result.endpoint_id).qualify_frequency == 0
    assert result.pjsip_reload_pending is True
    assert list(PendingAsteriskAction.objects.values_list("action", "headers")) == [
        ("Reload", [["Module", "res_pjsip.so"]])
    ]
    # AMI back: the next provisioning retries the reload and clears it.
    ami_at(**fake_ami.ami_options())
    again = services.create_test_endpoint()
    assert again.pjsip_reload_pending is False
    assert not PendingAsteriskAction.objects.exists()
    assert "Reload" in fake_ami.server.action_names()


def test_numbers_of_internal_numbers_count_as_used(make_user, provisioning) -> None:
    provisioning(TEST_EXTENSION_START=1000, USER_EXTENSION_RANGE=(1000, 1999))
    InternalNumber.objects.create(user=make_user(), number="1000", endpoint_id="1000")  # rows not written yet
    assert services.create_test_endpoint().endpoint_id == "1001"
    assert services.provision_extension(make_user()).endpoint_id == "1002"


def test_escaped_settings_reach_the_row(make_user, provisioning) -> None:
    provisioning(ENDPOINT_CONTEXT="in;side", CODECS=["ulaw", "op^us"])
    eid = services.provision_extension(make_user()).endpoint_id
    endpoint = rt(PsEndpoint).get(id=eid)
    assert (endpoint.context, endpoint.allow) == ("in^3Bside", "ulaw,op^5Eus")
