"""``first_run --demo`` (what ``./scripts/run`` calls): login lines as the README prints them, then the phone."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from voip.provisioning.models import InternalNumber
from voip.realtime.models import PsAuth, PsEndpoint

pytestmark = pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)


def run(settings, tmp_path) -> list[str]:
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("first_run", "--demo", "--address", "127.0.0.1:8000", stdout=out, stderr=out)
    return out.getvalue().splitlines()


def test_the_admin_gets_an_extension_and_the_softphone_settings_once(settings, tmp_path):
    first = run(settings, tmp_path)
    admin = get_user_model().objects.get(username="admin")
    internal = InternalNumber.objects.get(user=admin)
    assert PsEndpoint.objects.filter(id=internal.endpoint_id).exists()

    # The README's four lines, exactly, then the phone.
    stored = (tmp_path / "admin-password").read_text().strip()
    assert first[1:5] == [
        "  Admin:    http://127.0.0.1:8000/admin/",
        "  CRM:      http://127.0.0.1:8000/crm/contacts/",
        "  Username: admin",
        f"  Password: {stored}   (kept in {tmp_path / 'admin-password'})",
    ]
    assert first[5] == f"  Phone:    extension {internal.number}, settings on http://127.0.0.1:8000/voip/phone/"
    sip = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in first[7:11]}
    assert sip["Server"] == "127.0.0.1" and sip["Port"] == "5060 (UDP)" and sip["Username"] == internal.endpoint_id
    auth = PsAuth.objects.get(id=internal.endpoint_id)
    assert auth.md5_cred == hashlib.md5(f"{auth.username}:{auth.realm}:{sip['Password']}".encode()).hexdigest()

    again = run(settings, tmp_path)
    assert again[5] == first[5]
    assert not any(sip["Password"] in line for line in again)  # shown once
    assert InternalNumber.objects.filter(user=admin).count() == 1
