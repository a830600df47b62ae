"""What one extension looks like in Asterisk's realtime tables (pure functions, no database).

Every value that may contain ``;`` or ``^`` goes through :func:`encode_realtime_value`, the way
Asterisk's own realtime writer stores them.
"""

from __future__ import annotations

from typing import Any

from voip.callerid import clean_callerid_name
from voip.provisioning.conf import ProvisioningSettings
from voip.provisioning.passwords import md5_cred
from voip.realtime.escaping import encode_realtime_value

CALLERID_MAX_LENGTH = 40  # ps_endpoints.callerid is varchar(40)


def format_callerid(name: str, number: str, *, max_length: int = CALLERID_MAX_LENGTH) -> str:
    """``"Full Name" <number>`` as stored (escaped), at most ``max_length`` characters.

    The name is shortened (never the number); with no room or no name left it is ``<number>``.
    """
    name = clean_callerid_name(name)
    while name:
        value = encode_realtime_value(f'"{name}" <{number}>')
        if len(value) <= max_length:
            return value
        name = name[:-1].rstrip()
    return encode_realtime_value(f"<{number}>")


def endpoint_row(
    endpoint_id: str, callerid: str, conf: ProvisioningSettings, *, enabled: bool = True, **overrides: Any
) -> dict[str, Any]:
    """Column values of the ``ps_endpoints`` row (``callerid`` already formatted).

    A disabled extension's endpoint sits in ``DISABLED_CONTEXT``, where every call is refused.
    """
    row: dict[str, Any] = {
        "id": endpoint_id,
        "transport": encode_realtime_value(conf.endpoint_transport),
        "aors": endpoint_id,
        "auth": endpoint_id,
        "context": endpoint_context(conf, enabled=enabled),
        "disallow": "all",
        "allow": encode_realtime_value(",".join(conf.codecs)),
        "direct_media": "no",
        "rtp_symmetric": "yes",
        "force_rport": "yes",
        "rewrite_contact": "yes",
        "callerid": callerid,
    }
    row.update(overrides)
    return row


def endpoint_context(conf: ProvisioningSettings, *, enabled: bool = True) -> str:
    """The stored ``context`` of an enabled or a disabled extension's endpoint."""
    return encode_realtime_value(conf.endpoint_context if enabled else conf.disabled_context)


def auth_row(endpoint_id: str, password: str, conf: ProvisioningSettings) -> dict[str, Any]:
    """Column values of the ``ps_auths`` row: md5 (default) or userpass (STORE_PLAINTEXT_PASSWORDS)."""
    realm = conf.sip_realm
    row: dict[str, Any] = {
        "id": endpoint_id,
        "username": endpoint_id,
        "realm": encode_realtime_value(realm),
        "md5_cred": None,
        "password": None,
    }
    if conf.store_plaintext_passwords:
        row.update(auth_type="userpass", password=encode_realtime_value(password))
    else:
        row.update(auth_type="md5", md5_cred=md5_cred(endpoint_id, realm, password))
    return row


def aor_row(endpoint_id: str, conf: ProvisioningSettings, *, enabled: bool = True) -> dict[str, Any]:
    """Column values of the ``ps_aors`` row. A disabled extension has ``max_contacts=0`` (REGISTER → 403)."""
    max_contacts = conf.max_contacts if enabled else 0
    return {
        "id": endpoint_id,
        "max_contacts": max_contacts,
        "remove_existing": "yes" if conf.max_contacts == 1 else "no",
        "qualify_frequency": conf.qualify_frequency,
    }
