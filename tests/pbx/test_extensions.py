"""``extensions:``: apply creates the rows through the provisioning services, export reads them back."""

from __future__ import annotations

import pytest

from tests.pbx.conftest import DATABASES, FILES, run_pbx, snapshot
from voip.pbx.selectors import pbx_export
from voip.pbx.services import pbx_apply, pbx_plan
from voip.provisioning import services
from voip.provisioning.conf import provisioning_settings
from voip.provisioning.models import InternalNumber
from voip.provisioning.rows import md5_cred
from voip.realtime.models import PsAor, PsAuth, PsEndpoint
from voip.realtime.router import realtime_db_alias


def md5_of(endpoint_id: str, password: str) -> str:
    return md5_cred(endpoint_id, provisioning_settings().sip_realm, password)


pytestmark = pytest.mark.django_db(databases=DATABASES, transaction=True)


def test_apply_creates_each_extension_through_the_services(users, pbx_ami) -> None:
    result = pbx_apply(text=(FILES / "extensions.yaml").read_text())
    using = realtime_db_alias()
    assert [(c.action, c.path) for c in result.changes] == [
        ("create", "extensions[1000]"),
        ("create", "extensions[1001]"),
        ("create", "extensions[1099]"),
    ]
    assert set(PsEndpoint.objects.using(using).values_list("id", flat=True)) == {"1000", "1001", "1099"}
    assert set(PsAuth.objects.using(using).values_list("id", flat=True)) == {"1000", "1001", "1099"}
    assert dict(PsAor.objects.using(using).values_list("id", "max_contacts")) == {"1000": 1, "1001": 0, "1099": 1}
    endpoint = PsEndpoint.objects.using(using).get(id="1000")
    assert endpoint.callerid == '"Ivan Ivanov" <1000>'
    assert endpoint.auth == "1000" and endpoint.aors == "1000"
    assert InternalNumber.objects.get(number="1000").user == users["ivanov"]
    assert not InternalNumber.objects.get(number="1001").is_active
    assert not InternalNumber.objects.filter(number="1099").exists()  # an endpoint of its own
    # Each new password is handed over once, in the notes, and is the one Asterisk got.
    (note,) = [note for note in result.notes if note.startswith("extension 1000 for ivanov created")]
    assert PsAuth.objects.using(using).get(id="1000").md5_cred == md5_of("1000", note.rsplit(" ", 1)[1])


def test_export_lists_the_extensions_in_number_order_without_passwords(users, pbx_ami) -> None:
    services.create_test_endpoint("1099")
    services.provision_extension(users["petrova"], number="999")
    services.provision_extension(users["ivanov"], number="1000")
    text = pbx_export()
    assert "extensions:\n- number: '999'\n  user: petrova\n- number: '1000'\n  user: ivanov\n- number: '1099'\n" in text
    for row in PsAuth.objects.using(realtime_db_alias()).values("password", "md5_cred"):
        assert all(value not in text for value in row.values() if value)


def test_a_user_moving_to_another_number_gets_the_new_one_and_loses_the_old(users, pbx_ami) -> None:
    services.provision_extension(users["ivanov"], number="1000")
    pbx_apply(text='extensions:\n  - {number: "1005", user: ivanov}\n')
    assert list(InternalNumber.objects.values_list("number", "user__username")) == [("1005", "ivanov")]
    assert list(PsEndpoint.objects.using(realtime_db_alias()).values_list("id", flat=True)) == ["1005"]


def test_disabling_and_removing_an_extension_plans_and_does_exactly_that(users, pbx_ami) -> None:
    services.provision_extension(users["ivanov"], number="1000")
    services.provision_extension(users["petrova"], number="1001")
    text = 'extensions:\n  - {number: "1000", user: ivanov, enabled: false}\n'
    plan = pbx_plan(text=text)
    assert [(c.action, c.path, c.details) for c in plan] == [
        ("update", "extensions[1000]", ("enabled: true -> false",)),
        ("delete", "extensions[1001]", ()),
    ]
    pbx_apply(text=text)
    assert not services.is_extension_enabled("1000")
    assert not PsEndpoint.objects.using(realtime_db_alias()).filter(id="1001").exists()
    assert not InternalNumber.objects.filter(number="1001").exists()


def test_an_omitted_key_leaves_that_area_alone(users, pbx_ami) -> None:
    services.provision_extension(users["ivanov"], number="1000")
    before = snapshot()
    out, _err = run_pbx("apply", str(FILES / "empty-version-only.yaml"))
    assert snapshot() == before
    assert "no changes" in out


def test_the_command_prints_the_new_password_once_and_a_rerun_changes_nothing(users, pbx_ami) -> None:
    out, _err = run_pbx("apply", str(FILES / "extensions.yaml"))
    assert 'create extensions[1000]\n    number: "1000"\n    user: "ivanov"\n' in out
    assert "3 change(s) applied" in out
    (line,) = [line for line in out.splitlines() if line.startswith("extension 1000 for ivanov created")]
    password = line.rsplit(" ", 1)[1]
    assert PsAuth.objects.using(realtime_db_alias()).get(id="1000").md5_cred == md5_of("1000", password)
    assert out.count(password) == 1
    before = snapshot()
    again, _err = run_pbx("apply", str(FILES / "extensions.yaml"))
    assert snapshot() == before
    assert "no changes: the PBX already matches the file" in again
    assert password not in again
