"""Reads of CRM data: contact search, and lookups by number for the telephony side (screen pop, call logging)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from .models import Company, Contact
from .phones import to_e164

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def contact_by_number(number: str | None, *, visible_to: User | None = None) -> Contact | None:
    """The contact whose phone or mobile is ``number`` (any format), through the E.164 indexes.

    With ``visible_to``, only among the contacts that user may open (the screen pop's rule).
    """
    e164 = number if number and number.startswith("+") and number[1:].isdigit() else to_e164(number)
    if not e164:
        return None
    contacts = Contact.objects.select_related("company") if visible_to is None else contacts_visible_to(visible_to)
    return contacts.filter(Q(phone_e164=e164) | Q(mobile_e164=e164)).order_by("pk").first()


def company_by_number(number: str | None) -> Company | None:
    e164 = to_e164(number)
    if not e164:
        return None
    return Company.objects.filter(phone_e164=e164).order_by("pk").first()


def may_view_contacts(user: User | AnonymousUser) -> bool:
    """The contact pages need a role: ``crm.view_contact`` (agents, supervisors) or ``voip.view_all_calls``
    ("Can see every call and contact": supervisors, PBX admins). A user with neither sees none."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm("crm.view_contact") or user.has_perm("voip.view_all_calls")


def contacts_visible_to(user: User | AnonymousUser) -> QuerySet[Contact]:
    """Supervisors and PBX admins see every contact; agents the ones they own or that have no owner."""
    contacts = Contact.objects.select_related("company")
    if not may_view_contacts(user):
        return contacts.none()
    if user.has_perm("voip.view_all_calls"):
        return contacts
    return contacts.filter(Q(owner=user) | Q(owner__isnull=True))


# What a person types as a phone number: digits, a leading +, spaces and the usual punctuation.
_NUMBER_LIKE_RE = re.compile(r"^\+?[0-9 ()\-./]+$")
MAX_SEARCH_WORDS = 5


def contact_search(*, user: User | AnonymousUser, query: str) -> QuerySet[Contact]:
    """The contacts ``user`` may see that match ``query``.

    A query that looks like a phone number is normalised to E.164 and matched on the indexed
    ``phone_e164``/``mobile_e164`` copies, so ``4951234567``, ``8 (495) 123-45-67`` and
    ``+7 495 123-45-67`` find the same contact. Otherwise every word must appear in the first name,
    last name, company or email ("Ivan Petrov", "petrov romashka").
    """
    contacts = contacts_visible_to(user)
    text = query.strip()
    if not text:
        return contacts
    if _NUMBER_LIKE_RE.match(text):
        e164 = to_e164(text)
        if not e164:
            return contacts.none()
        return contacts.filter(Q(phone_e164=e164) | Q(mobile_e164=e164))
    for word in text.split()[:MAX_SEARCH_WORDS]:
        contacts = contacts.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(company__name__icontains=word)
            | Q(email__icontains=word)
        )
    return contacts
