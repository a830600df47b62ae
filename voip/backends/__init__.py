"""Telephony backends named in ``settings.VOIP`` (``BACKEND`` + ``OPTIONS``).

:func:`get_backend` is how product code gets one: it honours ``BACKEND`` and passes ``OPTIONS``
as the guide does (``AsteriskRealtimeAPI(**config['OPTIONS'])``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from voip.ami.errors import AMIInjectionError

if TYPE_CHECKING:
    from voip.backends.asteriskbackend import AsteriskRealtimeAPI

__all__ = ["ValidationError", "get_backend"]


class ValidationError(AMIInjectionError):
    """Bad input to a backend method, refused before anything is sent to the PBX.

    ``field`` names the offending argument, so views can attach the message to a form field.
    It is a ``ValueError`` and an :class:`AMIInjectionError` (hence an ``AMIError``), so code
    that catches either family also catches refused input.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def get_backend(provider: str | None = None, *, timeout: float | None = None) -> AsteriskRealtimeAPI:
    """The configured backend (``BACKEND``, default :class:`AsteriskRealtimeAPI`) built from ``OPTIONS``.

    ``timeout`` caps the AMI connect and action timeouts (pages that must answer quickly).
    Raises :class:`voip.conf.TelephonyNotConfigured` when ``settings.VOIP`` has no such entry.
    """
    from voip.conf import asterisk_settings

    config = asterisk_settings(provider)
    if timeout is not None:
        config = config.with_timeouts(at_most=timeout)
    backend_class: Any = import_string(config.backend)
    if hasattr(backend_class, "from_settings"):
        return backend_class.from_settings(config)
    return backend_class(**config.options)
