"""Keep the routing dialplan following the CRM: trunks, users' groups and extensions, contacts.

Thin: each receiver calls a service of ``voip.routes``. The copy of callers' owners is refreshed
after the CRM's transaction commits (it is derived data; in Option B it lives in the other
database), so saving a contact never waits on or fails with the realtime database.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from crm.models import Company, Contact
from voip.provisioning.models import InternalNumber
from voip.routes.owners import caller_owners_refresh
from voip.routes.services import routes_sync_trunks, routes_sync_user
from voip.trunks.models import Trunk


@receiver(post_save, sender=Trunk, dispatch_uid="routes_trunk_saved")
@receiver(post_delete, sender=Trunk, dispatch_uid="routes_trunk_deleted")
def _trunk_changed(sender: type, instance: Trunk, **kwargs: Any) -> None:
    routes_sync_trunks()


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="routes_user_groups")
def _user_groups_changed(sender: type, instance: Any, action: str, pk_set: set[int] | None, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, get_user_model()):
        routes_sync_user(user_id=instance.pk)
    else:  # group.user_set changed
        for user_id in pk_set or ():
            routes_sync_user(user_id=user_id)


def _owned_numbers(user_id: int) -> list[str]:
    numbers: list[str] = []
    for phone, mobile, company_phone in Contact.objects.filter(owner_id=user_id).values_list(
        "phone_e164", "mobile_e164", "company__phone_e164"
    ):
        numbers += [phone, mobile, company_phone or ""]
    return numbers


@receiver(post_save, sender=InternalNumber, dispatch_uid="routes_internal_number_saved")
@receiver(post_delete, sender=InternalNumber, dispatch_uid="routes_internal_number_deleted")
def _internal_number_changed(sender: type, instance: InternalNumber, **kwargs: Any) -> None:
    routes_sync_user(user_id=instance.user_id)
    numbers = _owned_numbers(instance.user_id)
    transaction.on_commit(lambda: caller_owners_refresh(numbers=numbers))


@receiver(pre_save, sender=Contact, dispatch_uid="routes_contact_before")
def _contact_before(sender: type, instance: Contact, **kwargs: Any) -> None:
    old = (
        Contact.objects.filter(pk=instance.pk).values_list("phone_e164", "mobile_e164").first() if instance.pk else None
    )
    instance._routes_old_numbers = list(old or ())  # type: ignore[attr-defined]


@receiver(post_save, sender=Contact, dispatch_uid="routes_contact_saved")
@receiver(post_delete, sender=Contact, dispatch_uid="routes_contact_deleted")
def _contact_changed(sender: type, instance: Contact, **kwargs: Any) -> None:
    company_phone = instance.company.phone_e164 if instance.company_id and instance.company else ""
    old = getattr(instance, "_routes_old_numbers", [])
    numbers = [instance.phone_e164, instance.mobile_e164, company_phone, *old]
    transaction.on_commit(lambda: caller_owners_refresh(numbers=numbers))


@receiver(post_save, sender=Company, dispatch_uid="routes_company_saved")
@receiver(post_delete, sender=Company, dispatch_uid="routes_company_deleted")
def _company_changed(sender: type, instance: Company, **kwargs: Any) -> None:
    numbers = [instance.phone_e164]
    transaction.on_commit(lambda: caller_owners_refresh(numbers=numbers))
