"""Contacts CSV: a dry run that writes nothing, row-level errors, E.164 duplicates, a lossless round trip."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm import contacts_csv
from crm.contacts_csv import RowAction
from crm.models import Company, Contact

pytestmark = pytest.mark.django_db

HEADER = "first_name,last_name,company,email,phone,mobile,owner,notes\n"


def _user(username: str, role: str = "Supervisors"):
    user = get_user_model().objects.create_user(username)
    user.groups.add(Group.objects.get(name=role))
    return user


def _export_text(user) -> str:
    rows = contacts_csv.contacts_export_rows(contacts=contacts_csv.contacts_visible_to(user))
    return "".join(contacts_csv.csv_lines(rows))


def _snapshot() -> list[tuple]:
    return list(
        Contact.objects.order_by("pk").values_list(
            "pk", "first_name", "last_name", "company__name", "email", "phone", "mobile", "owner__username", "notes"
        )
    )


def test_export_then_import_changes_nothing():
    boss = _user("boss")
    acme = Company.objects.create(name="ООО «Ромашка», Москва")
    Contact.objects.create(first_name="Иван", last_name="Петров", company=acme, phone="+74951234567", owner=boss)
    Contact.objects.create(first_name="Formula", phone="8 (495) 123-45-68", notes='=HYPERLINK("http://x")\nline two')
    Contact.objects.create(first_name="Minus", mobile="+7 916 000-00-01", notes="-5 degrees; @home")
    before, companies = _snapshot(), Company.objects.count()

    text = _export_text(boss)
    assert "'=HYPERLINK" in text and "'-5 degrees" in text  # a spreadsheet does not run it
    assert "'+7" not in text  # numbers stay numbers
    plan = contacts_csv.contacts_import_plan(text="\ufeff" + text, user=boss)
    assert not plan.has_errors
    assert [row.action for row in plan.rows] == [RowAction.SKIP] * 3
    result = contacts_csv.contacts_import_apply(plan=plan, imported_by=boss)
    assert (result.created, result.updated, result.skipped) == (0, 0, 3)
    assert _snapshot() == before and Company.objects.count() == companies


def test_the_dry_run_plans_by_e164_and_writes_nothing():
    boss = _user("boss")
    known = Contact.objects.create(first_name="Known", phone="+74951234567")
    text = HEADER + (
        "Known,Renamed,,,8 (495) 123-45-67,,,\n"  # the same number typed another way: an update
        "New,Person,Acme,new@example.com,+7 495 765-43-21,,boss,\n"
        "Twice,Again,,,74957654321,,,\n"  # the number of the row above: skipped
        "\n"
    )
    plan = contacts_csv.contacts_import_plan(text=text, user=boss)
    assert [(row.row, row.action) for row in plan.rows] == [
        (2, RowAction.UPDATE),
        (3, RowAction.CREATE),
        (4, RowAction.SKIP),
    ]
    assert plan.rows[0].contact_id == known.pk and plan.rows[0].changes == ("last_name", "phone")  # as typed
    assert "row 3" in plan.rows[2].reason
    assert Contact.objects.count() == 1 and not Company.objects.exists()  # nothing written

    result = contacts_csv.contacts_import_apply(plan=plan, imported_by=boss)
    assert (result.created, result.updated, result.skipped) == (1, 1, 1)
    known.refresh_from_db()
    assert known.last_name == "Renamed"
    new = Contact.objects.get(first_name="New")
    assert new.company.name == "Acme" and new.owner == boss and new.phone_e164 == "+74957654321"


def test_row_errors_name_row_and_column_and_stop_the_import_unless_asked():
    boss = _user("boss")
    text = HEADER + (
        "Good,Row,,,+74951111111,,,\n"
        ",Nameless,,,,,,\n"
        "Bad,Phone,,,12ab,,,\n"
        "Bad,Mail,,not-an-email,,,,\n"
        "Bad,Owner,,,,,nosuchuser,\n"
        "Short,Row\n"
    )
    plan = contacts_csv.contacts_import_plan(text=text, user=boss)
    assert [(error.row, error.column) for error in plan.errors] == [
        (3, "first_name"),
        (4, "phone"),
        (5, "email"),
        (6, "owner"),
        (7, ""),
    ]
    assert str(plan.errors[1]) == "row 4, column phone: not a phone number: 12ab"
    with pytest.raises(contacts_csv.ImportRefused):
        contacts_csv.contacts_import_apply(plan=plan, imported_by=boss)
    assert not Contact.objects.exists()
    result = contacts_csv.contacts_import_apply(plan=plan, imported_by=boss, valid_rows_only=True)
    assert result.created == 1 and list(Contact.objects.values_list("first_name", flat=True)) == ["Good"]


def test_file_errors_and_semicolons():
    boss = _user("boss")
    plan = contacts_csv.contacts_import_plan(text="name,phone\nIvan,+74951234567\n", user=boss)
    assert plan.file_errors and "Unknown columns: name" in plan.file_errors[0]
    assert any("first_name" in error for error in plan.file_errors)
    # Russian spreadsheets save with ";": read as such, and a BOM is dropped.
    plan = contacts_csv.contacts_import_plan(text="\ufefffirst_name;phone\nИван;+7 495 123-45-67\n", user=boss)
    assert not plan.has_errors and plan.rows[0].values["phone"] == "+7 495 123-45-67"


def test_an_agent_cannot_change_a_contact_it_may_not_see_nor_add_companies():
    owner = _user("owner", "Agents")
    agent = _user("agent", "Agents")
    Contact.objects.create(first_name="Olga", phone="+74951234568", owner=owner)
    text = HEADER + "Olga,Hijacked,,,+74951234568,,,\nNew,Firm,Unknown Ltd,,,,,\n"
    plan = contacts_csv.contacts_import_plan(text=text, user=agent)
    assert [(error.row, error.column) for error in plan.errors] == [(2, ""), (3, "company")]
    assert "may not change" in plan.errors[0].message
    assert "Olga" not in _export_text(agent)  # nor export it


def test_the_pages_preview_then_import_after_the_redirect(client):
    boss = _user("boss")
    client.force_login(boss)
    assert client.get(reverse("crm:contact_import")).status_code == 200
    upload = SimpleUploadedFile("c.csv", (HEADER + "Anna,Smirnova,,,+74950000001,,,\n").encode(), "text/csv")
    preview = client.post(reverse("crm:contact_import"), {"file": upload})
    assert preview.status_code == 200 and preview.context["plan_counts"]["create"] == 1
    assert not Contact.objects.exists()  # the preview is a dry run
    done = client.post(reverse("crm:contact_import"), {"rows": "all"})
    assert done.status_code == 302 and done["Location"] == reverse("crm:contact_list")
    assert Contact.objects.filter(first_name="Anna", owner=boss).exists()
    again = client.post(reverse("crm:contact_import"), {"rows": "all"})  # a resubmitted form imports nothing
    assert again.status_code == 302 and Contact.objects.count() == 1

    exported = client.get(reverse("crm:contact_export"))
    body = b"".join(exported.streaming_content).decode()
    assert exported["Content-Type"].startswith("text/csv") and "Anna,Smirnova" in body


def test_the_pages_refuse_without_permission(client):
    client.force_login(get_user_model().objects.create_user("norole"))
    assert client.get(reverse("crm:contact_import")).status_code == 403
    assert client.get(reverse("crm:contact_export")).status_code == 403
    client.force_login(_user("pbx", "PBX admins"))  # no contact permissions
    assert client.get(reverse("crm:contact_import")).status_code == 403
