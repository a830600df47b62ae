"""``extensions:`` of the PBX file: the CRM's extensions, through ``voip.provisioning.services``.

An extension is a number with an optional CRM user (none: an endpoint of its own, like the set-up
command's test endpoints) and whether it is enabled. Passwords are never in the file: a new
extension gets a generated one, shown once by ``pbx apply``; an existing one keeps its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model

from voip.pbx.base import ItemResource
from voip.pbx.resources import PbxError
from voip.pbx.schema import BOOLEAN, STRING, Field
from voip.provisioning import services
from voip.provisioning.errors import ProvisioningError
from voip.provisioning.models import InternalNumber
from voip.provisioning.numbering import NUMBER_RE
from voip.realtime.models import PsAor, PsEndpoint
from voip.realtime.router import realtime_db_alias
from voip.trunks.models import Trunk

USERNAME_PATTERN = r"[\w.@+-]{1,150}"


class ExtensionsResource(ItemResource):
    key = "extensions"
    order = 10
    what = "extension"
    service_errors = (ProvisioningError, ValueError)
    fields = (
        Field("number", STRING, required=True, pattern=NUMBER_RE.pattern.strip("^$"), pattern_hint="2 to 20 digits"),
        Field("user", STRING, pattern=USERNAME_PATTERN, pattern_hint="a CRM username"),
        Field("enabled", BOOLEAN, default=True),
    )

    def identity(self, item: Mapping[str, Any]) -> str:
        return str(item["number"])

    def sort_key(self, ident: str) -> Any:
        return (len(ident), ident)  # numeric order for numbers of any length

    def current(self) -> dict[str, dict[str, Any]]:
        using = realtime_db_alias()
        owned = {
            number.endpoint_id: number
            for number in InternalNumber.objects.using("default").select_related("user").order_by("number")
        }
        trunks = set(Trunk.objects.values_list("name", flat=True))
        endpoint_ids = [
            endpoint_id
            for endpoint_id in PsEndpoint.objects.using(using).values_list("id", flat=True)
            if NUMBER_RE.match(endpoint_id) and endpoint_id not in trunks
        ]
        enabled = dict(PsAor.objects.using(using).filter(id__in=endpoint_ids).values_list("id", "max_contacts"))
        result: dict[str, dict[str, Any]] = {}
        for endpoint_id in endpoint_ids:
            number = owned.get(endpoint_id)
            result[endpoint_id] = {
                "number": number.number if number is not None else endpoint_id,
                "user": number.user.get_username() if number is not None else None,
                "enabled": bool(enabled.get(endpoint_id)),
            }
        return result

    def check_references(self, path: str, item: Mapping[str, Any], document: Mapping[str, Any]) -> list[PbxError]:
        username = item.get("user")
        if username is None:
            return []
        user = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()
        if user is None:
            return [PbxError(f"{path}.user", f"no user {username!r}")]
        errors: list[PbxError] = []
        if item["enabled"] and not user.is_active:
            errors.append(PbxError(f"{path}.enabled", f"user {username!r} is inactive: their extension stays disabled"))
        others = [
            index
            for index, other in enumerate(document.get(self.key) or [])
            if isinstance(other, Mapping) and other.get("user") == username
        ]
        if len(others) > 1 and f"{self.key}[{others[0]}]" != path:
            errors.append(PbxError(f"{path}.user", f"user {username!r} already has {self.key}[{others[0]}]"))
        return errors

    def _user(self, username: str) -> Any:
        model = get_user_model()
        return model._default_manager.get(**{model.USERNAME_FIELD: username})

    def _created(self, result: services.ProvisionResult, owner: str) -> list[str]:
        return [f"extension {result.endpoint_id}{owner} created; its password, shown only this once: {result.password}"]

    def create(self, item: Mapping[str, Any]) -> list[str]:
        number = str(item["number"])
        username = item.get("user")
        if username is not None:
            user = self._user(username)
            moved = InternalNumber.objects.filter(user=user).exclude(number=number).first()
            if moved is not None:  # the user's extension changes number: the old one goes first
                services.delete_extension(moved)
            result = services.provision_extension(user, number=number)
            owner = f" for {username}"
        else:
            result = services.create_test_endpoint(number)
            owner = ""
        if not item["enabled"]:
            services.disable_extension(number)
        return self._created(result, owner)

    def update(self, ident: str, item: Mapping[str, Any], before: Mapping[str, Any]) -> list[str]:
        if item.get("user") != before.get("user"):
            # Another owner is another extension: new rows, a new password.
            services.delete_extension(ident)
            return self.create(item)
        if item["enabled"] != before.get("enabled"):
            (services.enable_extension if item["enabled"] else services.disable_extension)(ident)
        return []

    def delete(self, ident: str) -> list[str]:
        services.delete_extension(ident)
        return []
