"""Extensions follow their users (connected in ``ProvisioningConfig.ready``).

* new active user, with ``VOIP_PROVISIONING['AUTO_PROVISION']`` on: provisioned after commit;
* deactivated: extension disabled (AOR ``max_contacts=0``, contacts removed), not deleted;
  reactivated: enabled again (and, with AUTO_PROVISION, provisioned if it never had one);
* name changed: caller id rebuilt;
* deleted (its InternalNumber goes by cascade): the realtime rows are removed after commit.

Disable/enable/rename/delete happen whatever AUTO_PROVISION says: a deactivated user's phone must
stop even when extensions are created by hand.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from voip.provisioning.conf import provisioning_settings
from voip.provisioning.models import InternalNumber

logger = logging.getLogger(__name__)

_WATCHED_FIELDS = ("is_active", "first_name", "last_name")
_DISPATCH_PREFIX = "voip.provisioning.signals."


def _remember_previous(sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    instance._voip_previous = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(_WATCHED_FIELDS):
        return  # e.g. update_last_login: nothing of ours changes
    fields = [f for f in _WATCHED_FIELDS if hasattr(instance, f)]
    instance._voip_previous = sender._default_manager.filter(pk=instance.pk).values(*fields).first()


def _run_safely(description: str, function: Any, *args: Any) -> None:
    try:
        function(*args)
    except Exception:
        # A PBX-side problem must not break saving a user; it is logged (never with a password).
        logger.exception("provisioning: %s failed", description)


def _user_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from voip.provisioning import services

    user_pk = instance.pk
    previous = getattr(instance, "_voip_previous", None)
    auto = provisioning_settings().auto_provision
    has_extension = InternalNumber.objects.filter(user_id=user_pk).exists()

    def on_commit(description: str, function: Any, *, only_if_active: bool = False) -> None:
        """Run ``function`` on the user as committed (re-read: the transaction may have changed it)."""

        def run() -> None:
            user = sender._default_manager.filter(pk=user_pk).first()
            if user is not None and (user.is_active or not only_if_active):
                _run_safely(description, function, user)

        transaction.on_commit(run)

    if not has_extension:
        became_active = created or (previous is not None and not previous.get("is_active") and instance.is_active)
        if auto and instance.is_active and became_active:
            on_commit("provision", services.provision_extension, only_if_active=True)
        return
    if created or previous is None:
        return
    if previous.get("is_active") and not instance.is_active:
        on_commit("disable", services.disable_extension)
    elif not previous.get("is_active") and instance.is_active:
        on_commit("enable", services.enable_extension)
    if any(previous.get(f) != getattr(instance, f, None) for f in ("first_name", "last_name") if f in previous):
        on_commit("rename", services.update_extension)


def _internal_number_deleted(sender: Any, instance: InternalNumber, **kwargs: Any) -> None:
    from voip.provisioning import services

    endpoint_id = instance.endpoint_id
    transaction.on_commit(
        lambda: _run_safely("remove realtime rows", services.delete_realtime_rows, endpoint_id),
        using=kwargs.get("using") or "default",
    )


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_remember_previous, sender=user_model, dispatch_uid=_DISPATCH_PREFIX + "pre_save")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid=_DISPATCH_PREFIX + "post_save")
    post_delete.connect(
        _internal_number_deleted, sender=InternalNumber, dispatch_uid=_DISPATCH_PREFIX + "number_deleted"
    )
