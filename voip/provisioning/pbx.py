"""The few things provisioning asks of the PBX over AMI, tolerant of AMI being down."""

from __future__ import annotations

import logging

from django.db.models import F

from voip.backends import get_backend
from voip.provisioning.models import PendingPjsipReload

logger = logging.getLogger(__name__)


def _reload_now() -> None:
    backend = get_backend()
    try:
        backend.reload_pjsip()
    finally:
        backend.close()


def _describe(exc: BaseException) -> str:
    return (str(exc) or exc.__class__.__name__)[:255]


def request_pjsip_reload(reason: str) -> bool:
    """Ask Asterisk to ``Reload res_pjsip.so`` now; if AMI is unreachable remember it as pending.

    Returns True when the reload was done, False when it is pending (a :class:`PendingPjsipReload`
    row is kept and retried by :func:`retry_pending_pjsip_reload`).
    """
    try:
        _reload_now()
    except Exception as exc:
        logger.warning("PJSIP reload pending (%s): %s", reason, _describe(exc))
        PendingPjsipReload.objects.create(reason=reason[:255], last_error=_describe(exc))
        return False
    PendingPjsipReload.objects.all().delete()  # this reload covers any earlier request too
    return True


def pending_pjsip_reload() -> PendingPjsipReload | None:
    return PendingPjsipReload.objects.order_by("requested_at").first()


def retry_pending_pjsip_reload() -> tuple[bool, str]:
    """Retry a pending reload. Returns (nothing pending any more, error text if it failed)."""
    if not PendingPjsipReload.objects.exists():
        return True, ""
    try:
        _reload_now()
    except Exception as exc:
        PendingPjsipReload.objects.update(attempts=F("attempts") + 1, last_error=_describe(exc))
        return False, _describe(exc)
    PendingPjsipReload.objects.all().delete()
    logger.info("pending PJSIP reload done")
    return True, ""


def load_transports(transport_ids: list[str]) -> str:
    """Make Asterisk bind realtime transports now; the reason when it could not be told ("" when done).

    A ``ps_transports`` row inserted while Asterisk runs is bound on its first lookup, not before
    (NOTES: realtime transports): until something asks for it, nothing listens and phones cannot
    register. Looking each one up by id is that first lookup.
    """
    if not transport_ids:
        return ""
    try:
        backend = get_backend()
        try:
            for transport_id in transport_ids:
                backend.command(f"pjsip show transport {transport_id}")
        finally:
            close = getattr(backend, "close", None)
            if callable(close):
                close()
    except Exception as exc:
        logger.warning("transports not loaded (Asterisk binds them on their first lookup): %s", _describe(exc))
        return _describe(exc)
    return ""
