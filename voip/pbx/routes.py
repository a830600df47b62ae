"""``outbound_routes:`` and ``inbound_routes:`` of the PBX file, through ``voip.routes.services``.

References are resolved against the PBX as it will be after the apply: a route's trunk must be in
the file's ``trunks`` when the file has that key, else among the saved trunks; an inbound route's
``{extension: ...}`` or ``{user: ...}`` destination likewise against the file's ``extensions``.
The route services then check everything else (patterns, toll-fraud rules, caller IDs, groups)
and their first error is reported under the item's path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from crm.phones import to_e164
from voip.pbx.base import ItemResource
from voip.pbx.document import child_path
from voip.pbx.resources import PbxError, PbxInvalid, get_resource
from voip.pbx.schema import BOOLEAN, INTEGER, MAPPING, STRING, STRING_LIST, Field
from voip.routes import dialplan
from voip.routes.destinations import DestinationError
from voip.routes.destinations import parse as parse_destination
from voip.routes.models import ROUTE_NAME_PATTERN, InboundRoute, OutboundRoute
from voip.routes.patterns import PatternError, normalise_pattern
from voip.routes.services import (
    RouteError,
    inbound_route_delete,
    inbound_route_save,
    inbound_route_validate,
    outbound_route_delete,
    outbound_route_save,
    outbound_route_validate,
)
from voip.trunks.models import Trunk

# The route service's clash with another saved route; the file's own routes are checked here instead,
# because the other route may be one the same file changes or removes.
_CLASH = re.compile(r"is already a pattern of route '(?P<route>[a-z0-9_-]+)'$")


def _trunks_after(document: Mapping[str, Any]) -> dict[str, Trunk]:
    """The trunks once the file is applied, as (unsaved, for the file's) Trunk objects by name."""
    resource = get_resource("trunks")
    if resource is None or "trunks" not in document:
        return {trunk.name: trunk for trunk in Trunk.objects.all()}
    result: dict[str, Trunk] = {}
    for _path, item in resource.checked(document["trunks"])[0]:  # type: ignore[attr-defined]
        values = {key: value for key, value in item.items() if key != "password"}
        result[item["name"]] = Trunk(**values)
    return result


def _route_error(path: str, exc: RouteError) -> PbxError:
    return PbxError(child_path(path, exc.path) if exc.path else path, exc.message)


class OutboundRoutesResource(ItemResource):
    key = "outbound_routes"
    order = 30
    what = "outbound route"
    service_errors = (RouteError,)
    fields = (
        Field("name", STRING, required=True, pattern=ROUTE_NAME_PATTERN.strip("^$"), pattern_hint="[a-z0-9_-]+"),
        Field("patterns", STRING_LIST, required=True),
        Field("strip", INTEGER, default=0, minimum=0),
        Field("prepend", STRING, default=""),
        Field("trunks", STRING_LIST, required=True),
        Field("caller_id", STRING, default=""),
        Field("international", BOOLEAN, default=False),
        Field("premium", BOOLEAN, default=False),
        Field("groups", STRING_LIST, default=()),
        Field("caller_ids", MAPPING, default={}),
        Field("order", INTEGER, default=0, minimum=0),
        Field("enabled", BOOLEAN, default=True),
    )

    def current(self) -> dict[str, dict[str, Any]]:
        routes = OutboundRoute.objects.prefetch_related("trunk_links__trunk", "groups", "caller_ids__user")
        result: dict[str, dict[str, Any]] = {}
        for route in routes.order_by("name"):
            result[route.name] = {
                "name": route.name,
                "patterns": list(route.patterns),
                "strip": route.strip,
                "prepend": route.prepend,
                "trunks": [link.trunk.name for link in sorted(route.trunk_links.all(), key=lambda link: link.position)],
                "caller_id": route.caller_id,
                "international": route.international,
                "premium": route.premium,
                "groups": sorted(group.name for group in route.groups.all()),
                "caller_ids": {c.user.get_username(): c.caller_id for c in sorted(route.caller_ids.all(), key=str)},
                "order": route.order,
                "enabled": route.enabled,
            }
        return result

    def normalise(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            **item,
            "patterns": [normalise_pattern(pattern) for pattern in item["patterns"]],
            "groups": sorted(item["groups"]),
            "caller_ids": dict(sorted(item["caller_ids"].items())),
        }

    def _arguments(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {spec.name: item[spec.name] for spec in self.fields}

    def check_references(self, path: str, item: Mapping[str, Any], document: Mapping[str, Any]) -> list[PbxError]:
        trunks = _trunks_after(document)
        errors = [
            PbxError(f"{path}.trunks[{index}]", f"no trunk {name!r}")
            for index, name in enumerate(item["trunks"])
            if name not in trunks
        ]
        for username, value in item["caller_ids"].items():
            if not isinstance(value, str):
                errors.append(PbxError(f"{path}.caller_ids.{username}", "expected a string"))
        errors.extend(self._clashes(path, item, document))
        if errors:
            return errors
        try:
            outbound_route_validate(**self._arguments(item), known_trunks=trunks)
        except RouteError as exc:
            # Every saved route is rewritten or removed by a file with this key: only the file's
            # own clashes (above) count.
            if _CLASH.search(exc.message) is None:
                return [_route_error(path, exc)]
        return []

    def _clashes(self, path: str, item: Mapping[str, Any], document: Mapping[str, Any]) -> list[PbxError]:
        """A pattern an earlier route of the same file (enabled, both) already has."""
        if not item["enabled"]:
            return []
        mine = self._patterns(item)
        for other_path, other in self.checked(document.get(self.key, []))[0]:
            if other_path == path:
                return []
            if not other["enabled"]:
                continue
            for index, pattern in enumerate(mine):
                if pattern is not None and pattern in self._patterns(other):
                    return [PbxError(f"{path}.patterns[{index}]", f"{pattern!r} is already a pattern of {other_path}")]
        return []

    def _patterns(self, item: Mapping[str, Any]) -> list[str | None]:
        result: list[str | None] = []
        for pattern in item["patterns"]:
            try:
                result.append(normalise_pattern(pattern))
            except PatternError:
                result.append(None)
        return result

    def trunk_users(self, trunk: str, document: Mapping[str, Any]) -> list[str]:
        """The routes that will still name ``trunk`` once the file is applied."""
        if self.key in document:
            return [
                f"{self.key}[{item['name']}]"
                for _path, item in self.checked(document[self.key])[0]
                if trunk in item["trunks"]
            ]
        current = self.current()
        return [
            f"{self.key}[{name}]" for name in sorted(current, key=self.sort_key) if trunk in current[name]["trunks"]
        ]

    def apply(self, items: Any) -> list[str]:
        # Nothing refers to a route: the ones the file drops go first, so that their patterns are free.
        self.prune(items)
        pending = [(ident, item) for action, ident, item, _details in self.changes(items) if item is not None]
        # A pattern moving between two routes of the file: the route giving it up is saved first.
        while pending:
            deferred: list[tuple[str, dict[str, Any]]] = []
            failure: RouteError | None = None
            for ident, item in pending:
                try:
                    outbound_route_save(**self._arguments(item))
                except RouteError as exc:
                    if _CLASH.search(exc.message) is None:
                        raise PbxInvalid([PbxError(f"{self.key}[{ident}]", str(exc))]) from exc
                    deferred.append((ident, item))
                    failure = exc
            if len(deferred) == len(pending):
                ident = deferred[0][0]
                raise PbxInvalid([PbxError(f"{self.key}[{ident}]", str(failure))])
            pending = deferred
        return []

    def delete(self, ident: str) -> list[str]:
        outbound_route_delete(name=ident)
        return []


def _did(value: str) -> str:
    """The DID as stored: E.164, or "" for any number of the trunk."""
    if value == dialplan.ANY_DID:
        return ""
    return to_e164(value) or value


class InboundRoutesResource(ItemResource):
    key = "inbound_routes"
    order = 40
    what = "inbound route"
    service_errors = (RouteError,)
    fields = (
        Field("did", STRING, required=True),
        Field("trunk", STRING, required=True),
        Field("destination", MAPPING, required=True),
        Field("blocklist", STRING_LIST, default=()),
    )

    def identity(self, item: Mapping[str, Any]) -> str:
        return f"{item['trunk']}:{_did(item['did']) or dialplan.ANY_DID}"

    def sort_key(self, ident: str) -> Any:
        trunk, _sep, did = ident.partition(":")
        return (trunk, did == dialplan.ANY_DID, did)

    def current(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        for route in InboundRoute.objects.select_related("trunk"):
            item = {
                "did": route.did or dialplan.ANY_DID,
                "trunk": route.trunk.name,
                "destination": route.destination,
                "blocklist": list(route.blocklist),
            }
            result[self.identity(item)] = item
        return result

    def normalise(self, item: dict[str, Any]) -> dict[str, Any]:
        blocklist = list(dict.fromkeys(to_e164(number) or number for number in item["blocklist"]))
        return {**item, "did": _did(item["did"]) or dialplan.ANY_DID, "blocklist": blocklist}

    def check_references(self, path: str, item: Mapping[str, Any], document: Mapping[str, Any]) -> list[PbxError]:
        trunks = _trunks_after(document)
        if item["trunk"] not in trunks:
            return [PbxError(f"{path}.trunk", f"no trunk {item['trunk']!r}")]
        errors = self._destination_errors(item["destination"], f"{path}.destination", document)
        if errors:
            return errors
        try:
            # The destination is checked above against the file; here a stand-in that always passes.
            inbound_route_validate(
                trunk=item["trunk"],
                did=item["did"],
                destination={"hangup": True},
                blocklist=item["blocklist"],
                known_trunks=trunks,
            )
        except RouteError as exc:
            return [_route_error(path, exc)]
        return []

    def _destination_errors(self, value: Any, path: str, document: Mapping[str, Any]) -> list[PbxError]:
        if "extensions" in document and isinstance(value, Mapping) and len(value) == 1:
            ((kind, inner),) = value.items()
            if kind in ("extension", "user"):
                return self._extension_errors(kind, inner, f"{path}.{kind}", document)
            if kind == "contact_owner" and isinstance(inner, Mapping) and "fallback" in inner:
                # The owner part checked by its kind with a stand-in fallback; the fallback against the file.
                errors = self._parsed({kind: {**inner, "fallback": {"hangup": True}}}, path)
                fallback = inner["fallback"]
                if isinstance(fallback, Mapping) and "contact_owner" in fallback:
                    errors.append(
                        PbxError(
                            f"{path}.{kind}.fallback.contact_owner", "the fallback cannot be another contact owner"
                        )
                    )
                    return errors
                return errors + self._destination_errors(fallback, f"{path}.{kind}.fallback", document)
        return self._parsed(value, path)

    def _parsed(self, value: Any, path: str) -> list[PbxError]:
        try:
            parse_destination(value, path=path)
        except DestinationError as exc:
            return [PbxError(exc.path, exc.message)]
        return []

    def _extension_errors(self, kind: str, value: Any, path: str, document: Mapping[str, Any]) -> list[PbxError]:
        """``{extension: N}`` / ``{user: U}`` against the file's extensions: it must ring a user's enabled one."""
        extensions = get_resource("extensions")
        if not isinstance(value, str):
            return [PbxError(path, f"expected a string, not {type(value).__name__}")]
        items = [item for _p, item in extensions.checked(document["extensions"])[0]]  # type: ignore[union-attr]
        if kind == "extension":
            found = [item for item in items if item["number"] == value]
            if not found or not found[0]["enabled"] or found[0]["user"] is None:
                return [PbxError(path, f"no active extension {value!r} (the file's extensions)")]
        else:
            found = [item for item in items if item["user"] == value]
            if not found or not found[0]["enabled"]:
                return [PbxError(path, f"user {value!r} has no active extension (the file's extensions)")]
        return []

    def trunk_users(self, trunk: str, document: Mapping[str, Any]) -> list[str]:
        if self.key in document:
            return [
                f"{self.key}[{self.identity(item)}]"
                for _path, item in self.checked(document[self.key])[0]
                if item["trunk"] == trunk
            ]
        current = self.current()
        return [f"{self.key}[{i}]" for i in sorted(current, key=self.sort_key) if current[i]["trunk"] == trunk]

    def create(self, item: Mapping[str, Any]) -> list[str]:
        inbound_route_save(
            trunk=item["trunk"], did=item["did"], destination=item["destination"], blocklist=item["blocklist"]
        )
        return []

    def update(self, ident: str, item: Mapping[str, Any], before: Mapping[str, Any]) -> list[str]:
        return self.create(item)

    def delete(self, ident: str) -> list[str]:
        trunk, _sep, did = ident.partition(":")
        inbound_route_delete(trunk=trunk, did="" if did == dialplan.ANY_DID else did)
        return []
