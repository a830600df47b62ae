"""The routes' admin pages save through the services and show their errors on the field."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from voip.provisioning.models import InternalNumber
from voip.realtime.models import Extension
from voip.realtime.router import realtime_db_alias
from voip.routes.models import InboundRoute, OutboundRoute
from voip.trunks.models import Trunk

from ..provisioning.conftest import DATABASES

pytestmark = pytest.mark.django_db(databases=DATABASES)


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    Trunk.objects.create(name="carrier1", host="127.0.0.2")
    Trunk.objects.create(name="backup", host="127.0.0.3")
    return client


def outbound_form(**fields: str) -> dict[str, str]:
    return {
        "name": "national",
        "patterns_text": "8XXXXXXXXXX\n+7XXXXXXXXXX",
        "trunks_text": "carrier1, backup",
        "strip": "0",
        "prepend": "",
        "caller_id": "+74951234567",
        "order": "0",
        "enabled": "on",
        **fields,
    }


def test_outbound_route_added_in_the_admin_writes_its_rows(admin_client) -> None:
    response = admin_client.post("/admin/routes/outboundroute/add/", outbound_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    route = OutboundRoute.objects.get()
    assert route.trunk_names() == ["carrier1", "backup"]
    appdata = Extension.objects.using(realtime_db_alias()).get(exten="_8XXXXXXXXXX").appdata
    assert appdata.endswith(",+74951234567,0,0,carrier1/0/e&backup/0/e)")
    page = admin_client.get(f"/admin/routes/outboundroute/{route.pk}/change/").content.decode()
    assert "carrier1, backup" in page
    # Changing the trunk order in the form changes the row.
    response = admin_client.post(
        f"/admin/routes/outboundroute/{route.pk}/change/", outbound_form(trunks_text="backup, carrier1")
    )
    assert response.status_code == 302
    appdata = Extension.objects.using(realtime_db_alias()).get(exten="_8XXXXXXXXXX").appdata
    assert appdata.endswith("backup/0/e&carrier1/0/e)")


def test_outbound_errors_land_on_the_field(admin_client) -> None:
    response = admin_client.post("/admin/routes/outboundroute/add/", outbound_form(patterns_text="8XXXXXXXXXX\n00X."))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "patterns[1]" in errors["patterns_text"][0]
    response = admin_client.post("/admin/routes/outboundroute/add/", outbound_form(trunks_text="carier1"))
    assert "no trunk 'carier1'" in response.context["adminform"].form.errors["trunks_text"][0]
    assert not OutboundRoute.objects.exists()


def test_inbound_route_with_the_destination_picker(admin_client) -> None:
    user = get_user_model().objects.create(username="ivanov")
    InternalNumber.objects.create(user=user, number="1001", endpoint_id="1001")
    trunk = Trunk.objects.get(name="carrier1")
    form = {
        "trunk": str(trunk.pk),
        "did": "+74951234567",
        "destination_kind": "contact_owner",
        "owner_timeout": "15",
        "fallback_kind": "user",
        "fallback_target": "ivanov",
        "blocklist_text": "+79160000001",
    }
    response = admin_client.post("/admin/routes/inboundroute/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    route = InboundRoute.objects.get()
    assert route.destination == {"contact_owner": {"timeout": 15, "fallback": {"user": "ivanov"}}}
    assert Extension.objects.using(realtime_db_alias()).filter(exten="carrier1.74951234567").count() == 4
    response = admin_client.post("/admin/routes/inboundroute/add/", {**form, "did": "", "fallback_target": "ghost"})
    assert "no user 'ghost'" in response.context["adminform"].form.errors["fallback_target"][0]
    admin_client.post(f"/admin/routes/inboundroute/{route.pk}/delete/", {"post": "yes"})
    assert not Extension.objects.using(realtime_db_alias()).filter(exten="carrier1.74951234567").exists()


def test_staff_without_the_permission_cannot_add_routes(client) -> None:
    staff = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_outboundroute"))
    client.force_login(staff)
    assert client.get("/admin/routes/outboundroute/").status_code == 200
    assert client.post("/admin/routes/outboundroute/add/", outbound_form()).status_code == 403
    assert client.get("/admin/routes/inboundroute/").status_code == 403
