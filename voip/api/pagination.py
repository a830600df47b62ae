from __future__ import annotations

from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    """Stable pages however many rows arrive meanwhile (no OFFSET scans on a large table)."""

    ordering: str | tuple[str, ...] = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class CallsCursorPagination(NewestFirstCursorPagination):
    ordering = ("-started_at", "-pk")
