"""Reads of CRM data for the telephony side (screen pop, call logging)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from .models import Company, Contact
from .phones import to_e164


def contact_by_number(number: str | None) -> Contact | None:
    """The contact whose phone or mobile is ``number`` (any format), through the E.164 indexes."""
    e164 = number if number and number.startswith("+") and number[1:].isdigit() else to_e164(number)
    if not e164:
        return None
    return (
        Contact.objects.select_related("company")
        .filter(Q(phone_e164=e164) | Q(mobile_e164=e164))
        .order_by("pk")
        .first()
    )


def company_by_number(number: str | None) -> Company | None:
    e164 = to_e164(number)
    if not e164:
        return None
    return Company.objects.filter(phone_e164=e164).order_by("pk").first()


def contacts_visible_to(user: AbstractBaseUser) -> QuerySet[Contact]:
    """Supervisors and PBX admins see every contact; agents the ones they own or that have no owner."""
    contacts = Contact.objects.select_related("company")
    if user.has_perm("voip.view_all_calls") or user.is_superuser:
        return contacts
    return contacts.filter(Q(owner=user) | Q(owner__isnull=True))
