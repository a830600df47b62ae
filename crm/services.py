"""Writes of CRM data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from .models import Contact

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
