"""Telephony backends named in ``settings.VOIP`` (``BACKEND`` + ``OPTIONS``)."""

from __future__ import annotations

__all__ = ["ValidationError"]


class ValidationError(ValueError):
    """Bad input to a backend method, refused before anything is sent to the PBX.

    ``field`` names the offending argument, so views can attach the message to a form field.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
