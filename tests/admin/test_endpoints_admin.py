from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from voip.calls.models import EndpointPresence
from voip.provisioning import services
from voip.provisioning.models import InternalNumber
from voip.realtime.models import Extension, PsAor, PsAuth, PsContact, PsEndpoint

# Writes on both aliases: SQLite Option A allows one writing connection at a time, so commit for real.
pytestmark = pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)

CHANGELIST = "admin:realtime_psendpoint_changelist"


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def make_endpoints(count: int, start: int = 1000, with_users: bool = True) -> None:
    endpoints, aors, auths, contacts = [], [], [], []
    users = []
    for i in range(count):
        eid = str(start + i)
        endpoints.append(PsEndpoint(id=eid, aors=eid, auth=eid, context="from-internal", transport="transport-udp"))
        aors.append(PsAor(id=eid, max_contacts=1))
        auths.append(PsAuth(id=eid, auth_type="md5", username=eid, realm="asterisk", md5_cred="f" * 32))
        if i % 2 == 0:
            contacts.append(
                PsContact(
                    id=f"{eid};@abc{i}",
                    uri=f"sip:{eid}@10.0.0.{i % 250}:5060",
                    endpoint=eid,
                    user_agent="baresip",
                    expiration_time=2000000000,
                )
            )
        if with_users:
            users.append(get_user_model()(username=f"user{eid}", first_name="Agent", last_name=eid))
    PsEndpoint.objects.bulk_create(endpoints)
    PsAor.objects.bulk_create(aors)
    PsAuth.objects.bulk_create(auths)
    PsContact.objects.bulk_create(contacts)
    if with_users:
        get_user_model().objects.bulk_create(users)
        by_name = {u.username: u for u in get_user_model().objects.filter(username__startswith="user")}
        InternalNumber.objects.bulk_create(
            [InternalNumber(user=by_name[f"user{e.id}"], number=e.id, endpoint_id=e.id) for e in endpoints]
        )


def test_changelist_shows_users_status_contact_in_few_queries(admin_client, django_assert_max_num_queries):
    make_endpoints(300)
    EndpointPresence.objects.create(endpoint_id="1001", status="unreachable", contact_status="Unreachable")
    EndpointPresence.objects.create(endpoint_id="1002", status="in_call", user_agent="Zoiper")
    with django_assert_max_num_queries(6):
        response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Agent 1000 (user1000)" in html
    assert "sip:1000@10.0.0.0:5060" in html and "baresip" in html
    assert 'voip-status-registered">registered' in html  # 1000 has a contact
    assert 'voip-status-unreachable">unreachable' in html  # 1001: the listener says so
    assert 'voip-status-in_call">in a call' in html
    assert 'voip-status-unregistered">unregistered' in html  # 1003: no contact, no presence


def test_search_by_number_and_by_user(admin_client):
    make_endpoints(20)
    get_user_model().objects.filter(username="user1007").update(first_name="Zinaida", last_name="Petrova")
    by_number = admin_client.get(reverse(CHANGELIST), {"q": "1013"})
    assert by_number.context["cl"].result_count == 1
    by_user = admin_client.get(reverse(CHANGELIST), {"q": "zinaida"})
    assert [row.pk for row in by_user.context["cl"].result_list] == ["1007"]


def test_status_filters(admin_client):
    make_endpoints(10)
    EndpointPresence.objects.create(endpoint_id="1003", status="unreachable")
    PsAor.objects.filter(id="1005").update(max_contacts=0)

    def ids(status: str) -> set[str]:
        response = admin_client.get(reverse(CHANGELIST), {"status": status})
        return {row.pk for row in response.context["cl"].result_list}

    assert ids("registered") == {"1000", "1002", "1004", "1006", "1008"}
    assert ids("unregistered") == {"1001", "1003", "1005", "1007", "1009"}
    assert ids("unreachable") == {"1003"}
    assert ids("disabled") == {"1005"}


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_test_registration_asks_asterisk(admin_client, fake_ami, asterisk_at):
    asterisk_at(fake_ami.ami_options())
    make_endpoints(5, start=1001, with_users=False)  # 1001..1005 as in the recording
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "test_registration", "_selected_action": ["1001", "1003"]}, follow=True
    )
    assert response.status_code == 200
    texts = _messages(response)
    by_endpoint = {t.split(":", 1)[0]: t for t in texts}
    assert set(by_endpoint) >= {"1001", "1003"}
    # The recording (file 20) asked about 1003 during a call: device state "In use", contact Reachable.
    assert by_endpoint["1003"].startswith("1003: in a call — sip:1003")
    assert "Reachable" in by_endpoint["1003"]
    sent = [a.get("Action") for a in fake_ami.server.actions]
    assert "PJSIPQualify" in sent and "PJSIPShowEndpoint" in sent


def test_test_registration_with_asterisk_down_says_unknown(admin_client, asterisk_at, closed_port):
    asterisk_at({"AMI_PORT": closed_port, "AMI_CONNECT_TIMEOUT": 1.0})
    make_endpoints(2, with_users=False)
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "test_registration", "_selected_action": ["1000", "1001"]}, follow=True
    )
    assert response.status_code == 200
    texts = _messages(response)
    assert any(t.startswith("Registration status unknown: Asterisk is unreachable (127.0.0.1:") for t in texts)
    assert "1000: unknown" in texts and "1001: unknown" in texts


def test_changelist_renders_when_asterisk_is_down(admin_client, asterisk_at, closed_port):
    asterisk_at({"AMI_PORT": closed_port})
    make_endpoints(3)
    response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert "user1000" in response.content.decode()


def test_reload_pjsip_shows_asterisks_answer(admin_client, fake_ami, asterisk_at):
    asterisk_at(fake_ami.ami_options())
    make_endpoints(1, with_users=False)
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "reload_pjsip_config", "_selected_action": ["1000"]}, follow=True
    )
    assert "Asterisk answered: Module Reloaded" in _messages(response)
    reload_actions = [a for a in fake_ami.server.actions if a.get("Action") == "Reload"]
    assert [a.get("Module") for a in reload_actions] == ["res_pjsip.so"]


def test_reload_pjsip_with_asterisk_down(admin_client, asterisk_at, closed_port):
    asterisk_at({"AMI_PORT": closed_port})
    make_endpoints(1, with_users=False)
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "reload_pjsip_config", "_selected_action": ["1000"]}, follow=True
    )
    assert response.status_code == 200
    assert any("nothing was reloaded" in t for t in _messages(response))


def test_reset_password_shows_it_once_and_stores_only_the_hash(admin_client):
    user = get_user_model().objects.create_user("alice")
    result = services.provision_extension(user)
    before = PsAuth.objects.get(id=result.endpoint_id).md5_cred
    chosen = {"action": "reset_passwords", "_selected_action": [result.endpoint_id]}
    # First the action asks: nothing is reset yet.
    asked = admin_client.post(reverse(CHANGELIST), chosen)
    assert asked.status_code == 200 and asked.context["endpoint_ids"] == [result.endpoint_id]
    assert 'name="confirmed" value="yes"' in asked.content.decode()
    assert PsAuth.objects.get(id=result.endpoint_id).md5_cred == before
    # Confirmed: reset, then a redirect to the page that shows the password (post/redirect/get).
    confirmed = admin_client.post(reverse(CHANGELIST), {**chosen, "confirmed": "yes"})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("admin:realtime_psendpoint_new_passwords")
    response = admin_client.get(confirmed["Location"])
    assert "no-store" in response["Cache-Control"]
    ((endpoint_id, password),) = response.context["passwords"]
    assert endpoint_id == result.endpoint_id and password in response.content.decode()
    auth = PsAuth.objects.get(id=endpoint_id)
    assert auth.md5_cred != before
    # shown once: not in the session, and reloading neither shows it again nor resets again
    session = admin_client.session
    assert all(password not in str(value) for value in session.values())
    reloaded = admin_client.get(confirmed["Location"])
    assert password not in reloaded.content.decode() and "shown only once" in reloaded.content.decode()
    assert PsAuth.objects.get(id=endpoint_id).md5_cred == auth.md5_cred


def test_disable_and_enable_use_the_service(admin_client):
    user = get_user_model().objects.create_user("bob")
    endpoint_id = services.provision_extension(user).endpoint_id
    admin_client.post(reverse(CHANGELIST), {"action": "disable_extensions", "_selected_action": [endpoint_id]})
    assert PsAor.objects.get(id=endpoint_id).max_contacts == 0
    assert InternalNumber.objects.get(endpoint_id=endpoint_id).is_active is False
    admin_client.post(reverse(CHANGELIST), {"action": "enable_extensions", "_selected_action": [endpoint_id]})
    assert PsAor.objects.get(id=endpoint_id).max_contacts >= 1
    assert InternalNumber.objects.get(endpoint_id=endpoint_id).is_active is True


def test_actions_need_their_permissions(client):
    make_endpoints(1, with_users=False)
    viewer = get_user_model().objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_psendpoint"))
    client.force_login(viewer)
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    form = page.context["action_form"]
    actions = [value for value, _label in form.fields["action"].choices] if form is not None else []
    assert "test_registration" not in actions and "reset_passwords" not in actions
    before = PsAuth.objects.get(id="1000").md5_cred
    client.post(reverse(CHANGELIST), {"action": "reset_passwords", "_selected_action": ["1000"], "confirmed": "yes"})
    client.post(reverse(CHANGELIST), {"action": "disable_extensions", "_selected_action": ["1000"]})
    assert PsAuth.objects.get(id="1000").md5_cred == before
    assert PsAor.objects.get(id="1000").max_contacts == 1

    provisioner = get_user_model().objects.create_user("prov", is_staff=True)
    provisioner.user_permissions.add(
        Permission.objects.get(codename="view_psendpoint"), Permission.objects.get(codename="provision_extensions")
    )
    client.force_login(provisioner)
    actions = [v for v, _l in client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices]
    assert "reset_passwords" in actions and "disable_extensions" in actions
    assert "reload_pjsip_config" not in actions  # needs voip.configure_pbx


def test_auth_pages_never_show_secrets(admin_client):
    user = get_user_model().objects.create_user("carol")
    endpoint_id = services.provision_extension(user).endpoint_id
    PsAuth.objects.filter(id=endpoint_id).update(password="plain-secret-123")
    md5 = PsAuth.objects.get(id=endpoint_id).md5_cred
    for url in (
        reverse("admin:realtime_psauth_changelist"),
        reverse("admin:realtime_psauth_change", args=[endpoint_id]),
    ):
        html = admin_client.get(url).content.decode()
        assert "plain-secret-123" not in html
        assert md5 not in html
        assert endpoint_id in html


def test_contacts_are_read_only(admin_client):
    make_endpoints(2, with_users=False)
    assert admin_client.get(reverse("admin:realtime_pscontact_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:realtime_pscontact_add")).status_code == 403


def test_dialplan_rows_show_decoded_values_and_save_encoded(admin_client):
    row = Extension.objects.create(
        context="from-internal", exten="700", priority=1, app="Set", appdata="GREETING=a^3Bb^5Ec"
    )
    html = admin_client.get(reverse("admin:realtime_extension_changelist")).content.decode()
    assert "GREETING=a;b^c" in html
    change = admin_client.get(reverse("admin:realtime_extension_change", args=[row.pk]))
    assert change.context["adminform"].form.initial["appdata"] == "GREETING=a;b^c"
    admin_client.post(
        reverse("admin:realtime_extension_change", args=[row.pk]),
        {"context": "from-internal", "exten": "700", "priority": 1, "app": "Set", "appdata": "X=1;2"},
    )
    assert Extension.objects.get(pk=row.pk).appdata == "X=1^3B2"
    from django.contrib.admin.models import CHANGE, LogEntry

    # history is written after the realtime commit (one SQLite file behind both aliases would lock)
    assert LogEntry.objects.filter(object_id=str(row.pk), action_flag=CHANGE).count() == 1


def test_other_realtime_pages_render(admin_client):
    make_endpoints(2, with_users=False)
    for name in ("psaor", "pstransport", "psendpointidip", "queue", "queuemember"):
        assert admin_client.get(reverse(f"admin:realtime_{name}_changelist")).status_code == 200, name
