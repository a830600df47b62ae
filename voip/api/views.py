"""The telephony half of the REST API: calls, extensions, click-to-call, the user's own tokens.

Thin: every read goes through the selectors the pages use and every write through the services
the admin uses, so the API allows exactly what the pages allow.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from voip.calls.click_to_call import ClickToCallError, place_call
from voip.calls.models import CallLog
from voip.calls.selectors import calls_visible_to, may_listen, recording_path
from voip.provisioning import services as provisioning
from voip.provisioning.errors import ProvisioningError
from voip.provisioning.models import InternalNumber

from .models import ApiToken
from .pagination import CallsCursorPagination, NewestFirstCursorPagination
from .tokens import api_token_create, api_token_revoke


class HasPermission(permissions.BasePermission):
    """``permission_required = "app.codename"`` on the view."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_active and request.user.has_perm(view.permission_required))


# --- calls ---------------------------------------------------------------------------------------


class CallSerializer(serializers.ModelSerializer):
    agent: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    has_recording = serializers.SerializerMethodField()

    class Meta:
        model = CallLog
        fields = [
            "id",
            "linkedid",
            "direction",
            "caller_number",
            "caller_name",
            "callee_number",
            "agent",
            "agent_extension",
            "contact",
            "company",
            "started_at",
            "answered_at",
            "ended_at",
            "duration",
            "billsec",
            "disposition",
            "hangup_cause",
            "trunk",
            "did",
            "dialled_number",
            "sent_number",
            "queue",
            "wait_seconds",
            "has_recording",
        ]
        read_only_fields = fields

    def get_has_recording(self, call: CallLog) -> bool:
        return bool(call.recording_file)


class CallFilter(filters.FilterSet):
    started_after = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    agent = filters.CharFilter(field_name="agent__username")

    class Meta:
        model = CallLog
        fields = ["direction", "disposition", "contact", "company", "queue", "trunk", "did"]


class CallViewSet(viewsets.ReadOnlyModelViewSet):
    """Calls as the CRM logged them, one per call: agents see their own, supervisors all."""

    serializer_class = CallSerializer
    pagination_class = CallsCursorPagination
    filterset_class = CallFilter

    def get_queryset(self) -> QuerySet[CallLog]:
        return calls_visible_to(self.request.user).select_related("agent")

    @extend_schema(responses={(200, "audio/*"): OpenApiResponse(description="the recording file")})
    @action(detail=True, methods=["get"])
    def recording(self, request: Request, pk: str | None = None) -> FileResponse:
        call = self.get_object()
        if not may_listen(request.user, call):
            raise exceptions.PermissionDenied(_("You may not listen to this call."))
        path = recording_path(call)
        if path is None:
            raise exceptions.NotFound(_("This call has no recording."))
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


# --- extensions ----------------------------------------------------------------------------------


class ExtensionSerializer(serializers.ModelSerializer):
    user: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = InternalNumber
        fields = ["endpoint_id", "number", "user", "is_active", "created_at"]
        read_only_fields = fields


class GiveExtensionSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all())
    number = serializers.RegexField(r"^[0-9]{2,10}$", required=False)


class NewPasswordSerializer(serializers.Serializer):
    endpoint_id = serializers.CharField()
    number = serializers.CharField()
    password = serializers.CharField(help_text="shown this once")


class ExtensionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Extensions (PBX admins): give one to a user, disable, enable, reset its SIP password."""

    serializer_class = ExtensionSerializer
    permission_classes = [HasPermission]
    permission_required = "voip.provision_extensions"
    pagination_class = NewestFirstCursorPagination
    lookup_field = "endpoint_id"
    queryset = InternalNumber.objects.select_related("user")

    @extend_schema(request=GiveExtensionSerializer, responses={201: NewPasswordSerializer})
    def create(self, request: Request) -> Response:
        given = GiveExtensionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        user = given.validated_data["user"]
        if InternalNumber.objects.filter(user=user).exists():
            raise serializers.ValidationError({"user": [_("This user already has an extension.")]})
        try:
            result = provisioning.provision_extension(user, number=given.validated_data.get("number"))
        except ProvisioningError as exc:
            raise serializers.ValidationError({"number": [str(exc)]}) from exc
        body = {"endpoint_id": result.endpoint_id, "number": result.number, "password": result.password}
        return _no_store(Response(body, status=status.HTTP_201_CREATED))

    @extend_schema(request=None, responses={200: ExtensionSerializer})
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, endpoint_id: str | None = None) -> Response:
        extension = self.get_object()
        provisioning.disable_extension(extension)
        extension.refresh_from_db()
        return Response(ExtensionSerializer(extension).data)

    @extend_schema(request=None, responses={200: ExtensionSerializer})
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, endpoint_id: str | None = None) -> Response:
        extension = self.get_object()
        provisioning.enable_extension(extension)
        extension.refresh_from_db()
        return Response(ExtensionSerializer(extension).data)

    @extend_schema(request=None, responses={200: NewPasswordSerializer})
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request: Request, endpoint_id: str | None = None) -> Response:
        extension = self.get_object()
        password = provisioning.reset_password(extension)
        body = {"endpoint_id": extension.endpoint_id, "number": extension.number, "password": password}
        return _no_store(Response(body))


def _logged_in(request: Request) -> User:
    """The request's user, which the view's permission classes have already required to be logged in."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user


def _no_store(response: Response) -> Response:
    response["Cache-Control"] = "no-store"
    return response


# --- click-to-call -------------------------------------------------------------------------------


class ClickToCallSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)


class ClickToCallView(APIView):
    """Ring the user's own phone, then the number (the page's click-to-call)."""

    permission_classes = [HasPermission]
    permission_required = "voip.place_calls"
    throttle_scope = "click_to_call"

    @extend_schema(
        request=ClickToCallSerializer,
        responses={
            202: inline_serializer(
                "PlacedCall", {"channel_id": serializers.CharField(), "dialled": serializers.CharField()}
            )
        },
    )
    def post(self, request: Request) -> Response:
        given = ClickToCallSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            placed = place_call(user=_logged_in(request), number=given.validated_data["number"])
        except ClickToCallError as exc:
            return Response({"code": exc.code, "detail": exc.message}, status=exc.status)
        return Response({"channel_id": placed.channel_id, "dialled": placed.dialled}, status=status.HTTP_202_ACCEPTED)


# --- tokens --------------------------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]


class SessionOnly(permissions.BasePermission):
    """A token is made in the browser session, never with another token (a leaked token makes none)."""

    message = "API tokens are made from a logged-in browser session."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS or request.method == "DELETE":
            return True
        return isinstance(request.successful_authenticator, SessionAuthentication)


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The user's own API tokens: made (shown once), listed (never shown again), revoked."""

    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated, SessionOnly]
    pagination_class = NewestFirstCursorPagination

    queryset = ApiToken.objects.none()  # for the schema; requests get get_queryset()

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=_logged_in(self.request))

    @extend_schema(
        responses={
            201: inline_serializer("NewApiToken", {"id": serializers.IntegerField(), "token": serializers.CharField()})
        }
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        token, raw = api_token_create(user=_logged_in(request), name=given.validated_data["name"])
        return _no_store(Response({**ApiTokenSerializer(token).data, "token": raw}, status=status.HTTP_201_CREATED))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        api_token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
