"""``crm_caller_owners``: the copy of "which user owns this caller" that the dialplan reads.

A contact's phone and mobile (E.164) map to its owner's active endpoint; a company's phone maps to
the owner of its first owned contact (by id). A contact's own number wins over a company's. The
copy is refreshed for the numbers a save touches (signals in ``voip.routes.signals``) and can be
rebuilt whole (``caller_owners_rebuild``, e.g. after a bulk import that bypassed signals).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from crm.models import Company, Contact
from voip.provisioning.models import InternalNumber
from voip.realtime.models import CallerOwner
from voip.realtime.router import realtime_db_alias

BATCH = 5000


def _owner_endpoints() -> dict[int, str]:
    return dict(InternalNumber.objects.filter(is_active=True).values_list("user_id", "endpoint_id"))


def caller_owners_for(*, numbers: Iterable[str]) -> dict[str, str]:
    """E.164 number -> owner endpoint, computed from the CRM (the rule in the module doc)."""
    wanted = {n for n in numbers if n}
    if not wanted:
        return {}
    endpoints = _owner_endpoints()
    found: dict[str, str] = {}
    companies = Company.objects.filter(phone_e164__in=wanted).values_list("id", "phone_e164")
    for company_id, phone in companies:
        owner = (
            Contact.objects.filter(company_id=company_id, owner__isnull=False)
            .order_by("id")
            .values_list("owner_id", flat=True)
            .first()
        )
        if owner in endpoints:
            found[phone] = endpoints[owner]
    contacts = (
        Contact.objects.filter(Q(phone_e164__in=wanted) | Q(mobile_e164__in=wanted), owner__isnull=False)
        .order_by("-id")  # the oldest contact written last wins
        .values_list("phone_e164", "mobile_e164", "owner_id")
    )
    for phone, mobile, owner in contacts:
        if owner not in endpoints:
            continue
        for number in (phone, mobile):
            if number in wanted:
                found[number] = endpoints[owner]
    return found


def caller_owners_refresh(*, numbers: Iterable[str]) -> None:
    """Rewrite the rows of these numbers from the CRM (deleting those that no longer have an owner)."""
    wanted = sorted({n for n in numbers if n})
    if not wanted:
        return
    found = caller_owners_for(numbers=wanted)
    alias = realtime_db_alias()
    with transaction.atomic(using=alias):
        CallerOwner.objects.using(alias).filter(id__in=wanted).exclude(id__in=list(found)).delete()
        for number, endpoint in found.items():
            CallerOwner.objects.using(alias).update_or_create(id=number, defaults={"endpoint": endpoint})


def caller_owners_rebuild() -> int:
    """The whole copy from the CRM in one transaction; returns the number of rows."""
    endpoints = _owner_endpoints()
    rows: dict[str, str] = {}
    company_owner: dict[int, str] = {}
    for company_id, owner in (
        Contact.objects.filter(company__isnull=False, owner__isnull=False)
        .order_by("-id")
        .values_list("company_id", "owner_id")
        .iterator(chunk_size=BATCH)
    ):
        if owner in endpoints:
            company_owner[company_id] = endpoints[owner]
    for company_id, phone in Company.objects.exclude(phone_e164="").values_list("id", "phone_e164"):
        if company_id in company_owner:
            rows[phone] = company_owner[company_id]
    for phone, mobile, owner in (
        Contact.objects.filter(owner__isnull=False)
        .order_by("-id")
        .values_list("phone_e164", "mobile_e164", "owner_id")
        .iterator(chunk_size=BATCH)
    ):
        if owner not in endpoints:
            continue
        for number in (phone, mobile):
            if number:
                rows[number] = endpoints[owner]
    alias = realtime_db_alias()
    with transaction.atomic(using=alias):
        CallerOwner.objects.using(alias).all().delete()
        CallerOwner.objects.using(alias).bulk_create(
            [CallerOwner(id=n, endpoint=e) for n, e in rows.items()], batch_size=BATCH
        )
    return len(rows)
