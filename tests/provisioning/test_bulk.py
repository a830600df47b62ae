"""insert_rows refuses a name that is not a column before it touches the database."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crm.models import Company, Contact
from voip.provisioning.bulk import insert_rows


@pytest.mark.django_db
def test_a_reverse_relation_is_refused_not_inserted() -> None:
    with pytest.raises(ValueError, match=r"Company\.contacts is not a column"):
        insert_rows("default", Company, [{"name": "Romashka", "contacts": None}])
    assert not Company.objects.exists()


@pytest.mark.django_db
def test_a_foreign_key_is_inserted_into_its_column() -> None:
    company = Company.objects.create(name="Romashka")
    blank = dict.fromkeys(("last_name", "email", "phone", "mobile", "phone_e164", "mobile_e164", "notes"), "")
    row = {"first_name": "Ivan", **blank, "company": company.pk, "created_at": timezone.now()}
    insert_rows("default", Contact, [row])
    assert Contact.objects.get(first_name="Ivan").company == company
