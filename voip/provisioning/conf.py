"""Provisioning settings with their defaults (``settings.VOIP_PROVISIONING``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

MIN_PASSWORD_LENGTH = 16


@dataclass(frozen=True)
class ProvisioningSettings:
    auto_provision: bool = False
    user_extension_range: tuple[int, int] = (1000, 1999)
    test_extension_start: int = 1000
    endpoint_context: str = "from-internal"
    disabled_context: str = "crm-disabled"
    codecs: tuple[str, ...] = ("ulaw", "alaw", "g722")
    endpoint_transport: str = "transport-udp"
    sip_realm: str = "asterisk"
    store_plaintext_passwords: bool = False
    password_length: int = 20
    max_contacts: int = 1
    qualify_frequency: int = 60
    sip_server: str = "127.0.0.1"
    sip_port: int = 5060
    transport_bind: str = "0.0.0.0:5060"
    enable_websocket_transports: bool = False
    extra: dict = field(default_factory=dict)


def provisioning_settings() -> ProvisioningSettings:
    """Read ``settings.VOIP_PROVISIONING`` now (tests override it), filling in defaults."""
    raw = dict(getattr(settings, "VOIP_PROVISIONING", {}) or {})
    defaults = ProvisioningSettings()
    low, high = raw.get("USER_EXTENSION_RANGE", defaults.user_extension_range)
    codecs = raw.get("CODECS", defaults.codecs)
    if isinstance(codecs, str):
        codecs = [c for c in codecs.split(",")]
    return ProvisioningSettings(
        auto_provision=bool(raw.get("AUTO_PROVISION", defaults.auto_provision)),
        user_extension_range=(int(low), int(high)),
        test_extension_start=int(raw.get("TEST_EXTENSION_START", defaults.test_extension_start)),
        endpoint_context=str(raw.get("ENDPOINT_CONTEXT", defaults.endpoint_context)),
        disabled_context=str(raw.get("DISABLED_CONTEXT", defaults.disabled_context)),
        codecs=tuple(str(c).strip() for c in codecs if str(c).strip()),
        endpoint_transport=str(raw.get("ENDPOINT_TRANSPORT", defaults.endpoint_transport)),
        sip_realm=str(raw.get("SIP_REALM", defaults.sip_realm)),
        store_plaintext_passwords=bool(raw.get("STORE_PLAINTEXT_PASSWORDS", defaults.store_plaintext_passwords)),
        password_length=max(MIN_PASSWORD_LENGTH, int(raw.get("PASSWORD_LENGTH", defaults.password_length))),
        max_contacts=max(1, int(raw.get("MAX_CONTACTS", defaults.max_contacts))),
        qualify_frequency=max(0, int(raw.get("QUALIFY_FREQUENCY", defaults.qualify_frequency))),
        sip_server=str(raw.get("SIP_SERVER", defaults.sip_server)),
        sip_port=int(raw.get("SIP_PORT", defaults.sip_port)),
        transport_bind=str(raw.get("TRANSPORT_BIND", defaults.transport_bind)),
        enable_websocket_transports=bool(raw.get("ENABLE_WEBSOCKET_TRANSPORTS", defaults.enable_websocket_transports)),
    )
