from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .models import AuditSource
from .services import audit_context


class AuditContextMiddleware:
    """Every request names its actor for the audit log: the logged-in user, and where from."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/admin/"):
            source = AuditSource.ADMIN
        elif request.path.startswith("/api/"):
            source = AuditSource.API
        else:
            source = AuditSource.WEB
        user = request.user if getattr(request, "user", None) is not None and request.user.is_authenticated else None
        with audit_context(source=source, user=user):
            return self.get_response(request)
