"""Writes of CRM data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from .models import Company, Contact

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@transaction.atomic
def contact_create(*, created_by: User | AnonymousUser | None, **fields: Any) -> Contact:
    """Create a contact; the user who creates it becomes its owner (so an agent keeps seeing it)."""
    contact = Contact(**fields)
    if created_by is not None and created_by.is_authenticated and contact.owner_id is None:
        contact.owner = created_by
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, **fields: Any) -> Contact:
    """Change a contact's fields, validated as a whole."""
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def company_save(*, company: Company | None = None, **fields: Any) -> Company:
    """Create (``company`` None) or change a company, validated as a whole."""
    company = company or Company()
    for name, value in fields.items():
        setattr(company, name, value)
    company.full_clean()
    company.save()
    return company
