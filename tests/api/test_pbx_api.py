"""PBX objects through the API: the PBX file's items, the same validation and services as pbx apply."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.pbx.conftest import DATABASES, sent
from voip.audit.models import AuditEntry
from voip.realtime.models import PsAuth, PsRegistration
from voip.realtime.router import realtime_db_alias
from voip.routes.models import OutboundRoute
from voip.trunks.models import Trunk

pytestmark = pytest.mark.django_db(databases=DATABASES, transaction=True)

TRUNK = {
    "name": "carrier1",
    "host": "127.0.0.2:5060",
    "username": "acme",
    "password": "s3cret-Pass",
    "register": True,
    "match": ["127.0.0.2"],
    "codecs": ["ulaw", "alaw"],
    "max_channels": 10,
}
ROUTE = {"name": "national", "patterns": ["8XXXXXXXXXX", "+7XXXXXXXXXX"], "trunks": ["carrier1"]}


def _client(role: str) -> APIClient:
    user = get_user_model().objects.create_user(f"user-{role}".replace(" ", "-"))
    user.groups.add(Group.objects.get(name=role))
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["Agents", "Supervisors"])
def test_only_pbx_admins_reach_the_pbx(role):
    client = _client(role)
    assert client.get("/api/v1/pbx/").status_code == 403
    assert client.post("/api/v1/pbx/trunks/", TRUNK, format="json").status_code == 403
    assert not Trunk.objects.exists()


def test_a_trunk_is_created_read_changed_and_refused_like_in_the_file(pbx_ami):
    client = _client("PBX admins")
    created = client.post("/api/v1/pbx/trunks/", TRUNK, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["host"] == "127.0.0.2:5060" and "password" not in created.json()
    using = realtime_db_alias()
    assert PsRegistration.objects.using(using).filter(id="carrier1").exists()
    assert "s3cret-Pass" not in client.get("/api/v1/pbx/").content.decode()
    assert client.post("/api/v1/pbx/trunks/", TRUNK, format="json").status_code == 400  # exists: PUT changes it

    stored = list(PsAuth.objects.using(using).values_list("password", "md5_cred"))
    changed = client.put("/api/v1/pbx/trunks/carrier1/", {**TRUNK, "password": None, "max_channels": 15}, format="json")
    assert changed.status_code == 200 and changed.json()["max_channels"] == 15  # null keeps the password
    assert list(PsAuth.objects.using(using).values_list("password", "md5_cred")) == stored
    without_password = {key: value for key, value in TRUNK.items() if key != "password"}
    changed = client.put("/api/v1/pbx/trunks/carrier1/", {**without_password, "max_channels": 20}, format="json")
    assert changed.status_code == 200 and changed.json()["max_channels"] == 20
    assert Trunk.objects.get().max_channels == 20
    assert PsAuth.objects.using(using).filter(id__startswith="carrier1").exists()  # the password kept

    bad = client.put("/api/v1/pbx/trunks/carrier1/", {**without_password, "host": "bad host\r\n"}, format="json")
    assert bad.status_code == 400
    assert any(error["path"].startswith("trunks[") for error in bad.json()["errors"])
    assert Trunk.objects.get().host == "127.0.0.2:5060"  # nothing changed
    assert client.get("/api/v1/pbx/trunks/nosuch/").status_code == 404
    assert client.get("/api/v1/pbx/nosuchkey/").status_code == 404
    assert {entry.source for entry in AuditEntry.objects.filter(object_type="trunk")} == {"api"}
    assert any(action == "PJSIPRegister" or action == "Reload" for action, _ in sent(pbx_ami))


def test_routes_refer_to_trunks_and_a_used_trunk_cannot_go(pbx_ami):
    client = _client("PBX admins")
    refused = client.post("/api/v1/pbx/outbound_routes/", ROUTE, format="json")
    assert refused.status_code == 400 and "no trunk 'carrier1'" in str(refused.json()["errors"])
    assert client.post("/api/v1/pbx/trunks/", TRUNK, format="json").status_code == 201
    assert client.post("/api/v1/pbx/outbound_routes/", ROUTE, format="json").status_code == 201
    assert OutboundRoute.objects.get().name == "national"
    assert client.delete("/api/v1/pbx/trunks/carrier1/").status_code == 400  # the route still uses it
    assert client.delete("/api/v1/pbx/outbound_routes/national/").status_code == 204
    assert client.delete("/api/v1/pbx/trunks/carrier1/").status_code == 204
    assert not Trunk.objects.exists()


def test_a_whole_file_is_planned_or_applied(pbx_ami):
    client = _client("PBX admins")
    text = "version: 1\ntrunks:\n  - name: carrier2\n    host: 127.0.0.2\n"
    planned = client.post("/api/v1/pbx/apply/", {"text": text, "dry_run": True}, format="json")
    assert planned.status_code == 200 and planned.json()["applied"] is False
    assert [change["action"] for change in planned.json()["changes"]] == ["create"]
    assert not Trunk.objects.exists()
    applied = client.post("/api/v1/pbx/apply/", {"text": text}, format="json")
    assert applied.status_code == 200 and Trunk.objects.filter(name="carrier2").exists()
    broken = client.post("/api/v1/pbx/apply/", {"text": "trunks:\n  - name: Bad Name\n"}, format="json")
    assert broken.status_code == 400 and broken.json()["errors"][0]["path"].startswith("trunks[0]")
    incomplete = client.post("/api/v1/pbx/inbound_routes/", {"did": "+74951234567"}, format="json")
    assert incomplete.status_code == 400 and "trunk" in str(incomplete.json()["errors"])
    assert client.post("/api/v1/pbx/apply/", {}, format="json").json() == {
        "text": ["the PBX file, as YAML or JSON text"]
    }
