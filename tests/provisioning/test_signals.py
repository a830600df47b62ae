"""Extensions follow their users: create, deactivate, reactivate, rename, delete."""

from __future__ import annotations

import pytest

from tests.provisioning.conftest import DATABASES
from voip.models import InternalNumber, PsAor, PsAuth, PsContact, PsEndpoint
from voip.provisioning import services
from voip.realtime.router import realtime_db_alias

pytestmark = pytest.mark.django_db(databases=DATABASES)


def rt(model):
    return model.objects.using(realtime_db_alias())


def test_new_active_user_is_provisioned_on_commit_when_auto_provision(
    make_user, provisioning, django_capture_on_commit_callbacks
) -> None:
    provisioning(AUTO_PROVISION=True, USER_EXTENSION_RANGE=(4000, 4999))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = make_user("carol", first_name="Carol")
    assert not InternalNumber.objects.filter(user=user).exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    number = InternalNumber.objects.get(user=user)
    assert number.number == "4000"
    assert rt(PsEndpoint).get(id="4000").callerid == '"Carol" <4000>'


def test_no_auto_provision_when_off_or_inactive(make_user, provisioning, django_capture_on_commit_callbacks) -> None:
    provisioning(AUTO_PROVISION=False)
    with django_capture_on_commit_callbacks(execute=True):
        make_user()
    provisioning(AUTO_PROVISION=True)
    with django_capture_on_commit_callbacks(execute=True):
        make_user(is_active=False)
    assert not InternalNumber.objects.exists()
    assert not rt(PsEndpoint).exists()


def test_deactivate_disables_and_reactivate_enables(make_user, django_capture_on_commit_callbacks) -> None:
    user = make_user()
    eid = services.provision_extension(user).endpoint_id
    rt(PsContact).create(id=f"{eid};@h1", uri=f"sip:{eid}@10.1.1.1", endpoint=eid)
    user.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        user.save()
    assert rt(PsAor).get(id=eid).max_contacts == 0
    assert not rt(PsContact).filter(endpoint=eid).exists()
    assert InternalNumber.objects.get(user=user).is_active is False
    assert rt(PsEndpoint).filter(id=eid).exists()
    user.is_active = True
    with django_capture_on_commit_callbacks(execute=True):
        user.save()
    assert rt(PsAor).get(id=eid).max_contacts == 1
    assert InternalNumber.objects.get(user=user).is_active is True


def test_rename_updates_callerid(make_user, django_capture_on_commit_callbacks) -> None:
    user = make_user(first_name="Dan")
    eid = services.provision_extension(user).endpoint_id
    user.first_name, user.last_name = "Daniel", "O'Brien"
    with django_capture_on_commit_callbacks(execute=True):
        user.save()
    assert rt(PsEndpoint).get(id=eid).callerid == f'"Daniel O\'Brien" <{eid}>'


def test_last_login_update_does_nothing(make_user, django_capture_on_commit_callbacks) -> None:
    user = make_user(first_name="Eve")
    services.provision_extension(user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user.save(update_fields=["last_login"])
    assert callbacks == []


def test_deleted_user_loses_realtime_rows(make_user, django_capture_on_commit_callbacks) -> None:
    user = make_user()
    eid = services.provision_extension(user).endpoint_id
    keep = services.provision_extension(make_user()).endpoint_id
    with django_capture_on_commit_callbacks(execute=True):
        user.delete()
    assert not InternalNumber.objects.filter(endpoint_id=eid).exists()
    for model in (PsEndpoint, PsAuth, PsAor):
        assert not rt(model).filter(id=eid).exists()
        assert rt(model).filter(id=keep).exists()


def test_pbx_errors_do_not_break_saving_users(make_user, monkeypatch, django_capture_on_commit_callbacks) -> None:
    user = make_user()
    services.provision_extension(user)

    def broken(*args, **kwargs):
        raise RuntimeError("realtime database down")

    monkeypatch.setattr(services, "disable_extension", broken)
    user.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        user.save()  # logged, not raised
    user.refresh_from_db()
    assert user.is_active is False
