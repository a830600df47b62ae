"""The PBX objects in the REST API (``/api/v1/pbx/<key>/``): trunks, routes, extensions and every
other key of the PBX file, through the very validation and services ``pbx apply`` uses.

An object is the PBX file's item for it (docs/pbx-as-code.md), as JSON. Writing one object applies
that file key with the object created, replaced or removed and every other object as it is (their
secrets, never exported, are kept), so the API and ``pbx apply`` cannot disagree about what is
valid. ``GET /api/v1/pbx/`` is the whole file; ``POST /api/v1/pbx/apply/`` applies a whole file
(YAML or JSON text), or only plans it with ``"dry_run": true``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import yaml
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from voip.audit.models import AuditSource
from voip.audit.services import audit_context
from voip.pbx.resources import PbxInvalid, Resource, get_resource
from voip.pbx.selectors import pbx_document
from voip.pbx.services import FORMAT_VERSION, pbx_apply, pbx_plan

from .views import HasPermission, _logged_in

KEY_PARAMETER = OpenApiParameter("key", str, OpenApiParameter.PATH, description="a key of the PBX file: trunks, ...")
ITEM = OpenApiTypes.OBJECT


def _resource(key: str) -> Resource:
    resource = get_resource(key)
    if resource is None:
        raise exceptions.NotFound(f"no PBX key {key!r}")
    return resource


def _identity(resource: Resource, item: Any) -> str:
    """The item's identity, or "" for one that lacks it (validation then names what is missing)."""
    identity = getattr(resource, "identity", None)
    try:
        return str(identity(item)) if identity is not None else str(item.get("name", ""))
    except (KeyError, TypeError, AttributeError, ValueError):
        return ""


def _invalid(exc: PbxInvalid) -> Response:
    errors = [{"path": error.path, "message": error.message} for error in exc.errors]
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _apply(request: Request, key: str, items: list[Any]) -> Response | None:
    text = yaml.safe_dump({"version": FORMAT_VERSION, key: items}, allow_unicode=True, sort_keys=False)
    with audit_context(source=AuditSource.API, user=_logged_in(request)):
        try:
            pbx_apply(text=text, environ={})
        except PbxInvalid as exc:
            return _invalid(exc)
    return None


class PbxView(APIView):
    permission_classes = [HasPermission]
    permission_required = "voip.configure_pbx"


class PbxDocumentView(PbxView):
    @extend_schema(
        operation_id="pbx_document",
        responses={200: ITEM},
        summary="the whole PBX in the PBX file's format, without secrets",
    )
    def get(self, request: Request) -> Response:
        return Response(pbx_document())


class PbxApplyView(PbxView):
    @extend_schema(
        request=inline_serializer(
            "PbxApply", {"text": serializers.CharField(), "dry_run": serializers.BooleanField(default=False)}
        ),
        responses={200: ITEM, 400: ITEM},
        operation_id="pbx_apply",
        summary="apply a whole PBX file (YAML or JSON), or plan it",
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            raise serializers.ValidationError({"text": ["the PBX file, as YAML or JSON text"]})
        dry_run = data.get("dry_run", False) in (True, "true", "1")
        with audit_context(source=AuditSource.API, user=_logged_in(request)):
            try:
                changes = pbx_plan(text=text, environ={}) if dry_run else pbx_apply(text=text, environ={}).changes
            except PbxInvalid as exc:
                return _invalid(exc)
        return Response({"applied": not dry_run, "changes": [asdict(change) for change in changes]})


class PbxItemsView(PbxView):
    @extend_schema(operation_id="pbx_items_list", parameters=[KEY_PARAMETER], responses={200: ITEM})
    def get(self, request: Request, key: str) -> Response:
        return Response(_resource(key).export())

    @extend_schema(
        operation_id="pbx_item_create", parameters=[KEY_PARAMETER], request=ITEM, responses={201: ITEM, 400: ITEM}
    )
    def post(self, request: Request, key: str) -> Response:
        resource = _resource(key)
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"detail": ["one object of the PBX file, as JSON"]})
        current = resource.export()
        ident = _identity(resource, request.data)
        if any(_identity(resource, item) == ident for item in current):
            return Response({"errors": [{"path": key, "message": f"{ident!r} exists; PUT changes it"}]}, status=400)
        refused = _apply(request, key, [*current, request.data])
        return refused or Response(_one(resource, ident), status=status.HTTP_201_CREATED)


class PbxItemView(PbxView):
    @extend_schema(operation_id="pbx_item_retrieve", parameters=[KEY_PARAMETER], responses={200: ITEM})
    def get(self, request: Request, key: str, ident: str) -> Response:
        return Response(_one(_resource(key), ident))

    @extend_schema(
        operation_id="pbx_item_replace", parameters=[KEY_PARAMETER], request=ITEM, responses={200: ITEM, 400: ITEM}
    )
    def put(self, request: Request, key: str, ident: str) -> Response:
        resource = _resource(key)
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"detail": ["one object of the PBX file, as JSON"]})
        if _identity(resource, request.data) != ident:
            return Response(
                {"errors": [{"path": key, "message": "the object names another identity than the URL"}]}, status=400
            )
        current = resource.export()
        _one(resource, ident, current)  # 404 for an unknown one: POST creates
        items = [request.data if _identity(resource, item) == ident else item for item in current]
        refused = _apply(request, key, items)
        return refused or Response(_one(resource, ident))

    @extend_schema(operation_id="pbx_item_delete", parameters=[KEY_PARAMETER], responses={204: None, 400: ITEM})
    def delete(self, request: Request, key: str, ident: str) -> Response:
        resource = _resource(key)
        current = resource.export()
        _one(resource, ident, current)
        refused = _apply(request, key, [item for item in current if _identity(resource, item) != ident])
        return refused or Response(status=status.HTTP_204_NO_CONTENT)


def _one(resource: Resource, ident: str, current: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    for item in resource.export() if current is None else current:
        if _identity(resource, item) == ident:
            return item
    raise exceptions.NotFound(f"no {resource.key} item {ident!r}")
