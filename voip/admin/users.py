"""Users: each one's extension, and "Give an extension" for PBX admins (the provisioning service)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from voip.calls.models import PresenceStatus
from voip.calls.presence_selectors import presence_of, registration_status
from voip.provisioning import services
from voip.provisioning.errors import ProvisioningError
from voip.realtime.models import PsContact

from .common import NewPasswordsPageMixin, ProvisioningPermissionsMixin, show_new_passwords

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

logger = logging.getLogger(__name__)
STATUS_LABELS = dict(PresenceStatus.choices)
User = get_user_model()


class UserWithExtensionAdmin(NewPasswordsPageMixin, ProvisioningPermissionsMixin, UserAdmin):
    # The stubs type list_display per model admin instance; UserAdmin's own is a tuple of names.
    list_display = (*UserAdmin.list_display, "extension")  # type: ignore[misc]
    list_select_related = ("internal_number",)
    actions = ["give_extensions"]
    readonly_fields = (*UserAdmin.readonly_fields, "extension", "extension_status")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:  # the add page: no extension yet
            return fieldsets
        return [*fieldsets, (_("Phone"), {"fields": ("extension", "extension_status")})]

    @admin.display(description=_("registration status"))
    def extension_status(self, user: Any) -> str:
        internal = getattr(user, "internal_number", None)
        if internal is None:
            return gettext('No extension: select the user in the list and choose "Give an extension".')
        if not internal.is_active:
            return gettext("disabled")
        presence = presence_of([internal.endpoint_id]).get(internal.endpoint_id)
        contacts = PsContact.objects.filter(endpoint=internal.endpoint_id).count()
        return str(STATUS_LABELS[registration_status(presence, contacts)])

    @admin.display(description=_("extension"), ordering="internal_number__number")
    def extension(self, user: AbstractUser) -> str:
        internal = getattr(user, "internal_number", None)
        if internal is None:
            return "—"
        return internal.number if internal.is_active else gettext("%(n)s (disabled)") % {"n": internal.number}

    @admin.action(description=_("Give an extension"), permissions=["provision"])
    def give_extensions(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        created: list[tuple[str, str]] = []
        for user in queryset.order_by("username"):
            try:
                result = services.provision_extension(user)
            except ProvisioningError as exc:
                messages.error(
                    request, gettext("%(u)s: no extension (%(err)s)") % {"u": user.get_username(), "err": exc}
                )
                continue
            if result.password is None:
                messages.info(
                    request,
                    gettext("%(u)s already has extension %(n)s") % {"u": user.get_username(), "n": result.number},
                )
            else:
                created.append((f"{result.number} ({user.get_username()})", result.password))
        return show_new_passwords(request, self, created) if created else None


admin.site.unregister(User)
admin.site.register(User, UserWithExtensionAdmin)
