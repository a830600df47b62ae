"""``trunks:`` of the PBX file: SIP providers, through ``voip.trunks.services``.

The keys are the trunk service's arguments; their values are checked by the same
``trunk_check`` the admin uses, and each problem is reported under the item's path
(``trunks[0].host: ...``). The password is a secret: never exported, omitted = keep the stored one,
and compared with the stored one (not shown) to decide whether it changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voip.pbx.base import ItemResource
from voip.pbx.resources import PbxError, get_resource
from voip.pbx.schema import BOOLEAN, INTEGER, STRING, STRING_LIST, Field
from voip.realtime.escaping import encode_realtime_value
from voip.realtime.models import PsAuth
from voip.realtime.router import realtime_db_alias
from voip.trunks.models import TRUNK_NAME_PATTERN, DtmfMode, NumberFormat, Trunk
from voip.trunks.services import TrunkError, trunk_check, trunk_delete, trunk_save

# Every key but the password, in the file's order; each is a Trunk field of the same name.
_SETTINGS = (
    "host",
    "transport",
    "username",
    "register",
    "from_user",
    "from_domain",
    "match",
    "codecs",
    "max_channels",
    "number_format",
    "qualify_frequency",
    "external_address",
    "dtmf_mode",
    "enabled",
)


class TrunksResource(ItemResource):
    key = "trunks"
    order = 20
    what = "trunk"
    service_errors = (TrunkError,)
    fields = (
        Field("name", STRING, required=True, pattern=TRUNK_NAME_PATTERN.strip("^$"), pattern_hint="[a-z0-9_-]+"),
        Field("host", STRING, required=True),
        Field("transport", STRING, default=""),
        Field("username", STRING, default=""),
        Field("password", STRING, secret=True),
        Field("register", BOOLEAN, default=False),
        Field("from_user", STRING, default=""),
        Field("from_domain", STRING, default=""),
        Field("match", STRING_LIST, default=()),
        Field("codecs", STRING_LIST, default=()),
        Field("max_channels", INTEGER, nullable=True),
        Field("number_format", STRING, default=NumberFormat.E164.value, choices=tuple(NumberFormat.values)),
        Field("qualify_frequency", INTEGER, default=60),
        Field("external_address", STRING, default=""),
        Field("dtmf_mode", STRING, default=DtmfMode.RFC4733.value, choices=tuple(DtmfMode.values)),
        Field("enabled", BOOLEAN, default=True),
    )

    def current(self) -> dict[str, dict[str, Any]]:
        return {
            trunk.name: {"name": trunk.name, **{key: getattr(trunk, key) for key in _SETTINGS}}
            for trunk in Trunk.objects.order_by("name")
        }

    def _arguments(self, item: Mapping[str, Any]) -> dict[str, Any]:
        arguments = {key: item[key] for key in ("name", *_SETTINGS)}
        arguments["password"] = item.get("password")
        return arguments

    def check_references(self, path: str, item: Mapping[str, Any], document: Mapping[str, Any]) -> list[PbxError]:
        return [PbxError(f"{path}.{field}", message) for field, message in trunk_check(**self._arguments(item))]

    def check_delete(self, ident: str, document: Mapping[str, Any]) -> list[PbxError]:
        users = [
            user
            for key in ("outbound_routes", "inbound_routes")
            if (resource := get_resource(key)) is not None
            for user in resource.trunk_users(ident, document)  # type: ignore[attr-defined]
        ]
        if not users:
            return []
        return [PbxError(f"{self.key}[{ident}]", f"the file removes this trunk but {', '.join(users)} still use it")]

    def secret_differs(self, ident: str, name: str, value: Any) -> bool:
        stored = PsAuth.objects.using(realtime_db_alias()).filter(id=ident).values_list("password", flat=True).first()
        return stored != encode_realtime_value(value)

    def _save(self, item: Mapping[str, Any]) -> list[str]:
        arguments = self._arguments(item)
        if arguments["password"] is not None and not self.secret_differs(item["name"], "password", item["password"]):
            arguments["password"] = None  # the same password: the registration is not told again
        trunk_save(**arguments)
        return []

    def create(self, item: Mapping[str, Any]) -> list[str]:
        return self._save(item)

    def update(self, ident: str, item: Mapping[str, Any], before: Mapping[str, Any]) -> list[str]:
        return self._save(item)

    def delete(self, ident: str) -> list[str]:
        trunk_delete(name=ident)
        return []
