"""``auto_provision_endpoint(user)``, as the user's guide calls it: a thin wrapper over the service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voip.provisioning.services import provision_extension

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def auto_provision_endpoint(
    user: User, *, reset_password: bool = False, number: str | int | None = None
) -> dict[str, Any]:
    """Give ``user`` an extension if it has none (idempotent) and describe it.

    Keys: ``endpoint_id``, ``password`` (the new password; ``None`` for an existing extension unless
    ``reset_password``), ``sip_uri`` (``sip:<ext>@<SIP_SERVER>``), ``number``, ``created``,
    ``username``, ``server``, ``port``, ``transport``.
    """
    result = provision_extension(user, number=number, reset_password=reset_password)
    return {
        "endpoint_id": result.endpoint_id,
        "password": result.password,
        "sip_uri": result.sip_uri,
        "number": result.number,
        "created": result.created,
        "username": result.username,
        "server": result.server,
        "port": result.port,
        "transport": result.transport,
    }
