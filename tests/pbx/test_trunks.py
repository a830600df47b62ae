"""``trunks:``: apply writes a trunk's realtime rows through the trunk service; the password is a secret."""

from __future__ import annotations

import pytest

from tests.pbx.conftest import DATABASES, FILES, run_pbx, sent
from voip.pbx.resources import PbxInvalid
from voip.pbx.selectors import pbx_export
from voip.pbx.services import pbx_apply, pbx_plan
from voip.realtime.models import PsAuth, PsEndpoint, PsEndpointIdIp, PsRegistration
from voip.realtime.router import realtime_db_alias
from voip.trunks.models import Trunk

pytestmark = pytest.mark.django_db(databases=DATABASES, transaction=True)

ENV = {"CARRIER1_PASSWORD": "s3cret"}
TRUNKS = (FILES / "trunks.yaml").read_text()


def test_apply_writes_the_rows_asterisk_expects_for_a_registering_trunk(pbx_ami) -> None:
    pbx_apply(text=TRUNKS, environ=ENV)
    using = realtime_db_alias()
    trunk = Trunk.objects.get(name="carrier1")
    assert (trunk.host, trunk.username, trunk.register, trunk.match, trunk.codecs, trunk.max_channels) == (
        "127.0.0.2:5060",
        "acme",
        True,
        ["127.0.0.2"],
        ["ulaw", "alaw"],
        10,
    )
    endpoint = PsEndpoint.objects.using(using).get(id="carrier1")
    assert (endpoint.outbound_auth, endpoint.aors, endpoint.allow, endpoint.identify_by) == (
        "carrier1",
        "carrier1",
        "ulaw,alaw",
        "ip",
    )
    assert PsAuth.objects.using(using).get(id="carrier1").password == "s3cret"
    registration = PsRegistration.objects.using(using).get(id="carrier1")
    assert registration.server_uri == "sip:127.0.0.2:5060"
    assert registration.client_uri == "sip:acme@127.0.0.2:5060"
    assert list(PsEndpointIdIp.objects.using(using).filter(endpoint="carrier1").values_list("match", flat=True)) == [
        "127.0.0.2"
    ]
    # The IP-authenticated trunk: no auth, no registration.
    assert not PsAuth.objects.using(using).filter(id="ip-only").exists()
    assert not PsRegistration.objects.using(using).filter(id="ip-only").exists()
    # Registrations are rebuilt by one reload of their module, sent once after the commit (after the
    # res_pjsip reload the static-contact AORs need).
    assert [a for a in sent(pbx_ami) if a[0] == "Reload"] == [
        ("Reload", (("Module", "res_pjsip.so"),)),
        ("Reload", (("Module", "res_pjsip_outbound_registration.so"),)),
    ]


def test_export_has_no_password_and_an_omitted_password_keeps_the_stored_one(pbx_ami) -> None:
    pbx_apply(text=TRUNKS, environ=ENV)
    exported = pbx_export()
    assert "s3cret" not in exported and "password:" not in exported
    assert "- name: carrier1\n  host: 127.0.0.2:5060\n  username: acme\n  register: true\n" in exported
    pbx_apply(text=exported)
    assert PsAuth.objects.using(realtime_db_alias()).get(id="carrier1").password == "s3cret"


def test_a_new_password_is_planned_masked_and_tells_the_registration_again(pbx_ami) -> None:
    pbx_apply(text=TRUNKS, environ=ENV)
    assert pbx_plan(text=TRUNKS, environ=ENV) == []  # the same password is no change
    already = len(sent(pbx_ami))
    plan = pbx_plan(text=TRUNKS, environ={"CARRIER1_PASSWORD": "n3w-secret"})
    assert [(c.action, c.path, c.details) for c in plan] == [
        ("update", "trunks[carrier1]", ("password: ******** (changed)",))
    ]
    pbx_apply(text=TRUNKS, environ={"CARRIER1_PASSWORD": "n3w-secret"})
    assert PsAuth.objects.using(realtime_db_alias()).get(id="carrier1").password == "n3w-secret"
    assert ("PJSIPRegister", (("Registration", "carrier1"),)) in sent(pbx_ami)[already:]


def test_the_trunk_services_own_checks_are_reported_under_the_item_path(pbx_ami) -> None:
    text = (
        "trunks:\n"
        "  - {name: carrier1, host: '127.0.0.2:99999', username: acme, password: x, codecs: [ulaw, klingon]}\n"
        "  - {name: carrier2, host: 127.0.0.3, username: acme}\n"
    )
    with pytest.raises(PbxInvalid) as caught:
        pbx_apply(text=text)
    assert [str(e) for e in caught.value.errors] == [
        "trunks[0].host: the port must be a number from 1 to 65535",
        "trunks[0].codecs[1]: 'klingon' is not a codec Asterisk knows (for example ulaw, alaw, g722, opus)",
        "trunks[1].password: enter the password the provider gave for this username",
    ]
    assert not Trunk.objects.exists()


def test_a_trunk_the_file_no_longer_names_is_removed_with_its_rows(pbx_ami) -> None:
    pbx_apply(text=TRUNKS, environ=ENV)
    out, _err = run_pbx("apply", "--dry-run", str(FILES / "trunks-empty.yaml"))
    assert "delete trunks[carrier1]\ndelete trunks[ip-only]\n" in out
    assert Trunk.objects.count() == 2
    pbx_apply(text="trunks: []\n")
    assert not Trunk.objects.exists()
    assert not PsEndpoint.objects.using(realtime_db_alias()).filter(id__in=["carrier1", "ip-only"]).exists()
