"""No realtime admin page lets a secret column out: not by filtering, searching or showing it."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from voip.admin.common import SecretFieldsAdminMixin, secret_fields_of
from voip.provisioning import services
from voip.realtime.models import PsAuth, PsTransport

pytestmark = pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)


@pytest.fixture
def pbx_admin_client(client):
    user = get_user_model().objects.create_user("pbx", is_staff=True)
    user.groups.add(Group.objects.get(name="PBX admins"))
    client.force_login(user)
    return client


@pytest.fixture
def extension():
    user = get_user_model().objects.create_user("carol")
    endpoint_id = services.provision_extension(user, number="1000").endpoint_id
    PsAuth.objects.filter(id=endpoint_id).update(password="plain-secret-123", auth_type="userpass")
    return PsAuth.objects.get(id=endpoint_id)


def test_the_reported_attack_url_is_refused(pbx_admin_client, extension):
    """The issue's URL answered one hex digit of md5_cred per request; now it is a 400, not data."""
    url = reverse("admin:realtime_psauth_changelist")
    right, wrong = extension.md5_cred[0], "g"
    for prefix in (right, wrong):
        response = pbx_admin_client.get(f"{url}?id=1000&md5_cred__startswith={prefix}")
        assert response.status_code == 400
        assert extension.id.encode() not in response.content


@pytest.mark.parametrize(
    "query",
    [
        "password__startswith=p",
        "password=plain-secret-123",
        "md5_cred__regex=^a",
        "md5_cred__gte=8",
        "password_digest__isnull=False",
        "oauth_secret__contains=x",
        "refresh_token__startswith=x",
    ],
)
def test_every_lookup_on_an_auth_secret_is_refused(pbx_admin_client, extension, query):
    response = pbx_admin_client.get(f"{reverse('admin:realtime_psauth_changelist')}?{query}")
    assert response.status_code == 400


def test_transport_key_password_cannot_be_filtered_or_seen(pbx_admin_client):
    services.create_transports()
    PsTransport.objects.filter(id="transport-udp").update(password="tls-key-pass-77")
    changelist = reverse("admin:realtime_pstransport_changelist")
    assert pbx_admin_client.get(f"{changelist}?password__startswith=t").status_code == 400
    html = pbx_admin_client.get(reverse("admin:realtime_pstransport_change", args=["transport-udp"])).content.decode()
    assert "tls-key-pass-77" not in html
    assert 'name="password"' not in html
    assert 'name="new_password"' in html  # write-only field instead


def _transport_form_data(client, transport_id: str) -> dict:
    form = client.get(reverse("admin:realtime_pstransport_change", args=[transport_id])).context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields if form.initial.get(name) is not None}
    data["id"] = transport_id
    return data


def test_transport_key_password_is_write_only(pbx_admin_client):
    services.create_transports()
    PsTransport.objects.filter(id="transport-udp").update(password="old-pass")
    url = reverse("admin:realtime_pstransport_change", args=["transport-udp"])
    data = _transport_form_data(pbx_admin_client, "transport-udp")
    assert pbx_admin_client.post(url, data).status_code == 302  # empty field: kept
    assert PsTransport.objects.get(id="transport-udp").password == "old-pass"
    assert pbx_admin_client.post(url, {**data, "new_password": "new;pass"}).status_code == 302
    assert PsTransport.objects.get(id="transport-udp").password == "new^3Bpass"  # stored the realtime way
    refused = pbx_admin_client.post(url, {**data, "new_password": "x\r\nverify_server=no"})
    assert refused.status_code == 200 and "line break" in refused.content.decode()
    assert pbx_admin_client.post(url, {**data, "clear_password": "on"}).status_code == 302
    assert PsTransport.objects.get(id="transport-udp").password is None


def test_every_realtime_admin_guards_secrets():
    realtime_admins = {m: a for m, a in admin.site._registry.items() if m._meta.app_label == "realtime"}
    assert PsAuth in realtime_admins and PsTransport in realtime_admins
    for model, model_admin in realtime_admins.items():
        assert isinstance(model_admin, SecretFieldsAdminMixin), f"{model.__name__} admin does not guard secrets"
        secrets = set(secret_fields_of(model))
        assert not secrets & set(model_admin.search_fields), model
        assert not secrets & {n for n in model_admin.list_display if isinstance(n, str)}, model


def test_auth_change_form_shows_no_secret(pbx_admin_client, extension):
    html = pbx_admin_client.get(reverse("admin:realtime_psauth_change", args=[extension.id])).content.decode()
    assert "plain-secret-123" not in html and extension.md5_cred not in html
    assert extension.id in html
