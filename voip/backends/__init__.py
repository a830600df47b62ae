"""Telephony backends named in ``settings.VOIP`` (``BACKEND`` + ``OPTIONS``)."""

from __future__ import annotations

from voip.ami.errors import AMIInjectionError

__all__ = ["ValidationError"]


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
