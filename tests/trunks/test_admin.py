"""The trunk admin: saves through trunk_save, the password is write-only, errors name the field,
the live state is shown, and permissions are checked."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.trunks.conftest import DATABASES, forget_sent, sent
from voip.realtime.models import PsAuth, PsRegistration
from voip.realtime.router import realtime_db_alias
from voip.trunks.models import Trunk
from voip.trunks.services import trunk_save

pytestmark = pytest.mark.django_db(databases=DATABASES, transaction=True)

ADD = reverse("admin:trunks_trunk_add")
CHANGELIST = reverse("admin:trunks_trunk_changelist")


def change_url(trunk: Trunk) -> str:
    return reverse("admin:trunks_trunk_change", args=[trunk.pk])


@pytest.fixture
def admin_client(client: Any) -> Any:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "carrier1",
        "host": "127.0.0.2:50071",
        "transport": "",
        "username": "crm",
        "password": "pr0vider-secret",
        "register": "on",
        "from_user": "",
        "from_domain": "",
        "match": "127.0.0.2\n203.0.113.0/24",
        "codecs": "ulaw, alaw",
        "max_channels": "10",
        "number_format": "e164",
        "qualify_frequency": "60",
        "external_address": "",
        "dtmf_mode": "rfc4733",
        "enabled": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def auth_password() -> str | None:
    return PsAuth.objects.using(realtime_db_alias()).get(id="carrier1").password


def test_adding_a_trunk_writes_its_rows_and_reloads_the_registrations(admin_client, pbx) -> None:
    response = admin_client.post(ADD, form_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    trunk = Trunk.objects.get()
    assert trunk.match == ["127.0.0.2", "203.0.113.0/24"] and trunk.codecs == ["ulaw", "alaw"]
    assert auth_password() == "pr0vider-secret"
    assert PsRegistration.objects.using(realtime_db_alias()).filter(id="carrier1").exists()
    assert ("Reload", (("Module", "res_pjsip_outbound_registration.so"),)) in sent(pbx)


def test_the_password_is_never_shown_and_an_empty_one_keeps_it(admin_client, pbx) -> None:
    trunk = trunk_save(
        name="carrier1", host="127.0.0.2:50071", username="crm", password="pr0vider-secret", register=True
    )
    page = admin_client.get(change_url(trunk)).content.decode()
    assert "pr0vider-secret" not in page
    assert "A password is stored" in page
    forget_sent(pbx)
    response = admin_client.post(change_url(trunk), form_data(password="", max_channels="5"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert auth_password() == "pr0vider-secret"
    assert Trunk.objects.get().max_channels == 5
    assert sent(pbx) == []  # only the CRM's record and device_state_busy_at changed
    response = admin_client.post(change_url(trunk), form_data(password="n3w-secret", max_channels="5"))
    assert response.status_code == 302
    assert auth_password() == "n3w-secret"
    assert sent(pbx) == [("PJSIPRegister", (("Registration", "carrier1"),))]


def test_errors_are_shown_at_their_field_and_nothing_is_saved(admin_client, pbx) -> None:
    response = admin_client.post(ADD, form_data(host="127.0.0.2:99999", match="10.0.0.1/24", codecs="ulaw, mp3"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"host", "match", "codecs"}, errors
    assert "not a codec Asterisk knows" in str(errors["codecs"])
    assert not Trunk.objects.exists()
    assert sent(pbx) == []


def test_the_list_shows_the_live_state(admin_client, pbx) -> None:
    trunk_save(name="carrier1", host="127.0.0.2:50071", username="crm", password="x", register=True)
    page = admin_client.get(CHANGELIST).content.decode()
    assert "registered; reachable, 8.0 ms" in page


def test_delete_goes_through_the_service(admin_client, pbx, monkeypatch) -> None:
    trunk = trunk_save(name="carrier1", host="127.0.0.2:50071", username="crm", password="x", register=True)
    response = admin_client.post(reverse("admin:trunks_trunk_delete", args=[trunk.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Trunk.objects.exists()
    assert not PsRegistration.objects.using(realtime_db_alias()).filter(id="carrier1").exists()


def test_staff_without_the_trunk_permissions_cannot_see_or_change_trunks(client, pbx) -> None:
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 403
    assert client.post(ADD, form_data()).status_code == 403
    assert not Trunk.objects.exists()
    user.user_permissions.add(Permission.objects.get(codename="view_trunk"))
    assert client.get(CHANGELIST).status_code == 200
    assert client.post(ADD, form_data()).status_code == 403
