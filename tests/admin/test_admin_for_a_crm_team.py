"""The admin as a CRM team sees it: one VOIP section, the endpoint page, filters in people's words."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.admin.test_endpoints_admin import make_endpoints
from voip.calls.models import CallLog
from voip.provisioning import services
from voip.realtime.models import PsAor

pytestmark = pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("app_label", ["realtime", "calls"])
def test_every_voip_page_belongs_to_one_voip_section(admin_client, language, app_label):
    admin_client.cookies["django_language"] = language
    section = admin_client.get(f"/admin/{app_label}/")
    assert section.status_code == 200
    [app] = section.context["app_list"]
    assert app["name"] == "VOIP"
    names = {m["object_name"] for m in app["models"]}
    assert {"PsEndpoint", "PsAuth", "CallLog"} <= names  # the realtime and calls apps together
    for url in ("/admin/realtime/psendpoint/", "/admin/calls/calllog/"):
        html = admin_client.get(url).content.decode()
        crumbs = html[html.index('class="breadcrumbs"') :][:400]
        assert ">VOIP</a>" in crumbs, crumbs
        assert "Телефония" not in html


def test_endpoint_page_shows_what_people_change_first_and_folds_the_rest(admin_client):
    user = get_user_model().objects.create_user("ivan", first_name="Ivan", last_name="Petrov")
    number = services.provision_extension(user).endpoint_id
    page = admin_client.get(reverse("admin:realtime_psendpoint_change", args=[number]))
    assert page.status_code == 200
    main, advanced = page.context["adminform"].fieldsets
    assert main[1]["fields"][:7] == (
        "id",
        "extension_user",
        "callerid",
        "allow",
        "context",
        "transport",
        "max_contacts",
    )
    assert "collapse" in advanced[1]["classes"] and "direct_media" in advanced[1]["fields"]
    assert len(advanced[1]["fields"]) > 100 and advanced[1]["description"]
    html = page.content.decode()
    assert "Ivan Petrov (ivan)" in html


def test_boolean_filters_offer_yes_and_no(admin_client):
    make_endpoints(3, with_users=False)
    PsAor.objects.filter(id="1000").update(remove_existing="yes")
    PsAor.objects.filter(id="1001").update(remove_existing="1")
    PsAor.objects.filter(id="1002").update(remove_existing="off")
    page = admin_client.get(reverse("admin:realtime_psaor_changelist"))
    [spec] = page.context["cl"].filter_specs
    assert [c["display"] for c in spec.choices(page.context["cl"])] == ["All", "Yes", "No"]
    yes = admin_client.get(reverse("admin:realtime_psaor_changelist"), {"remove_existing__yesno": "yes"})
    assert sorted(a.pk for a in yes.context["cl"].result_list) == ["1000", "1001"]
    no = admin_client.get(reverse("admin:realtime_psaor_changelist"), {"remove_existing__yesno": "no"})
    assert [a.pk for a in no.context["cl"].result_list] == ["1002"]


def test_calls_by_agent_lists_agents_only(admin_client):
    agent = get_user_model().objects.create_user("alice", first_name="Alice", last_name="Smith")
    services.provision_extension(agent)
    get_user_model().objects.create_user("accountant")  # no extension: not an agent
    CallLog.objects.create(linkedid="1", direction="inbound", started_at=timezone.now(), agent=agent)
    page = admin_client.get(reverse("admin:calls_calllog_changelist"))
    [agent_filter] = [f for f in page.context["cl"].filter_specs if getattr(f, "parameter_name", "") == "agent"]
    assert [label for _value, label in agent_filter.lookup_choices] == ["Alice Smith"]
    only = admin_client.get(reverse("admin:calls_calllog_changelist"), {"agent": str(agent.pk)})
    assert only.context["cl"].result_count == 1


def test_user_page_shows_the_extension_and_its_status(admin_client):
    user = get_user_model().objects.create_user("ivan")
    number = services.provision_extension(user).number
    html = admin_client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert number in html and "unregistered" in html
    other = get_user_model().objects.create_user("olga")
    html = admin_client.get(reverse("admin:auth_user_change", args=[other.pk])).content.decode()
    assert "Give an extension" in html


def test_an_empty_endpoints_list_says_where_extensions_come_from(admin_client):
    html = admin_client.get(reverse("admin:realtime_psendpoint_changelist")).content.decode()
    assert "Extensions are given to people from" in html and reverse("admin:auth_user_changelist") in html


@pytest.mark.parametrize(("count", "shown"), [(1, "1 звонок"), (3, "3 звонка"), (5, "5 звонков"), (21, "21 звонок")])
def test_list_counts_use_russian_plural_forms(admin_client, count, shown):
    for i in range(count):
        CallLog.objects.create(linkedid=f"c{i}", direction="inbound", started_at=timezone.now())
    admin_client.cookies["django_language"] = "ru"
    html = admin_client.get(reverse("admin:calls_calllog_changelist")).content.decode()
    paginator = html[html.index('class="paginator"') :][:200]
    assert shown in paginator, paginator
