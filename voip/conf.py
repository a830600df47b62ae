"""The one gateway to the telephony settings: typed, read when asked (tests override settings).

Nothing else in the product reads ``settings.VOIP``. The Asterisk entry is the one whose
``PROVIDER`` is ``Asterisk`` (or the provider named); its ``OPTIONS`` follow one key rule:
case-insensitive, with or without the ``AMI_`` prefix (``AMI_HOST``, ``host`` and ``Host`` are
the same option; ``user``/``password`` are accepted as the guide's aliases). Unknown keys are
ignored, so a settings file written for the guide keeps working.

:func:`ami_client` and :func:`async_ami_client` are the only places an AMI client is built from
settings: the backend, the listener, the setup command and diagnostics all go through them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypedDict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from voip.ami.aio import AsyncAMIClient
from voip.ami.client import AMIClient

__all__ = [
    "DEFAULT_BACKEND",
    "AsteriskSettings",
    "RecordingRetention",
    "TelephonyNotConfigured",
    "ami_client",
    "asterisk_settings",
    "async_ami_client",
    "calls_settings",
    "configured_realtime_alias",
    "normalise_options",
    "pbx_time_zone",
    "recording_retention",
    "recordings_root",
    "reports_settings",
    "routing_settings",
    "sorcery_memory_cache_enabled",
]

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "voip.backends.asteriskbackend.AsteriskRealtimeAPI"
DEFAULT_REALTIME_ALIAS = "asterisk"

# Option name as written (lowercase, ``ami_`` removed) -> AsteriskSettings field.
_OPTION_NAMES: dict[str, str] = {
    "host": "host",
    "port": "port",
    "username": "username",
    "user": "username",
    "secret": "secret",
    "password": "secret",
    "connect_timeout": "connect_timeout",
    "action_timeout": "action_timeout",
    "auth": "auth",
    "db_alias": "db_alias",
    "context": "context",
    "outbound_context": "outbound_context",
    "originate_timeout": "originate_timeout",
    "recordings_dir": "recordings_dir",
}


class TelephonyNotConfigured(ImproperlyConfigured, LookupError):
    """``settings.VOIP`` has no entry for the provider asked for."""


def normalise_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """OPTIONS keyed by :class:`AsteriskSettings` field names, by the one key rule above."""
    normalised: dict[str, Any] = {}
    for key, value in options.items():
        name = str(key).lower()
        field_name = _OPTION_NAMES.get(name) or _OPTION_NAMES.get(name.removeprefix("ami_"))
        if field_name is None:
            logger.debug("Asterisk OPTIONS: unknown option %r ignored", key)
            continue
        normalised[field_name] = value
    return normalised


@dataclass(frozen=True)
class AsteriskSettings:
    """One Asterisk's OPTIONS, typed, plus the backend class that drives it."""

    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "admin"
    secret: str = field(default="", repr=False)
    auth: Literal["plain", "md5"] = "plain"
    connect_timeout: float = 5.0
    action_timeout: float = 10.0
    db_alias: str = DEFAULT_REALTIME_ALIAS
    context: str = "from-internal"
    outbound_context: str = "from-internal"
    originate_timeout: float = 30.0
    # Where Asterisk writes MixMonitor files, as Asterisk sees the path ("" = its default).
    recordings_dir: str = ""
    backend: str = DEFAULT_BACKEND
    provider: str = "Asterisk"
    # OPTIONS as written, for a custom BACKEND class that takes its own options.
    options: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], *, backend: str = DEFAULT_BACKEND, provider: str = "Asterisk"
    ) -> AsteriskSettings:
        values = normalise_options(options)
        auth = str(values.get("auth", "plain")).lower()
        if auth not in ("plain", "md5"):
            raise ValueError(f"AMI_AUTH must be 'plain' or 'md5', not {auth!r}")
        context = str(values.get("context") or "from-internal")
        return cls(
            host=str(values.get("host") or "127.0.0.1"),
            port=int(values.get("port") or 5038),
            username=str(values.get("username", "admin")),
            secret=str(values.get("secret") or ""),
            auth="md5" if auth == "md5" else "plain",
            connect_timeout=float(values.get("connect_timeout") or 5.0),
            action_timeout=float(values.get("action_timeout") or 10.0),
            db_alias=str(values.get("db_alias") or configured_realtime_alias()),
            context=context,
            outbound_context=str(values.get("outbound_context") or context),
            originate_timeout=float(values.get("originate_timeout") or 30),
            recordings_dir=str(values.get("recordings_dir") or "").rstrip("/"),
            backend=backend or DEFAULT_BACKEND,
            provider=provider,
            options=dict(options),
        )

    def with_timeouts(self, *, at_most: float) -> AsteriskSettings:
        """The same settings with both AMI timeouts capped (pages that must answer quickly)."""
        return replace(
            self, connect_timeout=min(self.connect_timeout, at_most), action_timeout=min(self.action_timeout, at_most)
        )

    @property
    def recordings_path(self) -> PurePosixPath | None:
        return PurePosixPath(self.recordings_dir) if self.recordings_dir else None


def _entries() -> list[Mapping[str, Any]]:
    entries = getattr(settings, "VOIP", None) or []
    return [entry for entry in entries if isinstance(entry, Mapping)]


def asterisk_settings(provider: str | None = None) -> AsteriskSettings:
    """The entry whose PROVIDER is ``provider`` (case-insensitive; default ``Asterisk``).

    Raises :class:`TelephonyNotConfigured` when there is none.
    """
    wanted = (provider or "Asterisk").lower()
    for entry in _entries():
        name = str(entry.get("PROVIDER", ""))
        if name.lower() == wanted:
            return AsteriskSettings.from_options(
                entry.get("OPTIONS") or {}, backend=str(entry.get("BACKEND") or DEFAULT_BACKEND), provider=name
            )
    raise TelephonyNotConfigured(f"settings.VOIP has no entry with PROVIDER {provider or 'Asterisk'!r}")


def ami_client(config: AsteriskSettings | None = None, *, events: str | bool = False) -> AMIClient:
    """A blocking AMI client for ``config`` (default: the configured Asterisk), not yet connected."""
    config = config or asterisk_settings()
    return AMIClient(*_client_arguments(config), events=events, **_client_options(config))


def async_ami_client(
    config: AsteriskSettings | None = None, *, events: str | bool = True, **client_options: Any
) -> AsyncAMIClient:
    """An asyncio AMI client for ``config``; ``client_options`` go to :class:`AsyncAMIClient`."""
    config = config or asterisk_settings()
    return AsyncAMIClient(*_client_arguments(config), events=events, **_client_options(config), **client_options)


def _client_arguments(config: AsteriskSettings) -> tuple[str, int, str, str]:
    """Where and as whom both clients log in."""
    return config.host, config.port, config.username, config.secret


class _ClientOptions(TypedDict):
    connect_timeout: float
    action_timeout: float
    auth: Literal["plain", "md5"]


def _client_options(config: AsteriskSettings) -> _ClientOptions:
    return {"connect_timeout": config.connect_timeout, "action_timeout": config.action_timeout, "auth": config.auth}


def configured_realtime_alias() -> str:
    """The alias the settings name for Asterisk's database (``VOIP_REALTIME_DB_ALIAS``).

    Which connection realtime queries actually use (``default`` in Option A) is the router's
    :func:`voip.realtime.router.realtime_db_alias`.
    """
    return str(getattr(settings, "VOIP_REALTIME_DB_ALIAS", None) or DEFAULT_REALTIME_ALIAS)


def pbx_time_zone() -> ZoneInfo:
    """The zone the PBX's clock runs in (``VOIP_PBX_TIME_ZONE``; default the CRM's ``TIME_ZONE``).

    Asterisk writes cdr times and event timestamps as local wall-clock time with no zone.
    """
    return ZoneInfo(getattr(settings, "VOIP_PBX_TIME_ZONE", None) or settings.TIME_ZONE)


def calls_settings() -> dict[str, Any]:
    """``VOIP_CALLS`` (click-to-call dialling, rate limit, recordings root, embedded listener)."""
    return dict(getattr(settings, "VOIP_CALLS", None) or {})


def reports_settings() -> dict[str, Any]:
    """``VOIP_REPORTS``: ``SERVICE_LEVEL_SECONDS`` (default for every queue) and
    ``QUEUE_SERVICE_LEVEL_SECONDS`` (per queue name), used when a queue's realtime row sets none."""
    configured = dict(getattr(settings, "VOIP_REPORTS", None) or {})
    return {
        "SERVICE_LEVEL_SECONDS": int(configured.get("SERVICE_LEVEL_SECONDS", 20)),
        "QUEUE_SERVICE_LEVEL_SECONDS": {
            str(name): int(seconds)
            for name, seconds in dict(configured.get("QUEUE_SERVICE_LEVEL_SECONDS") or {}).items()
        },
    }


def recordings_root() -> Path:
    """Where the CRM sees Asterisk's recordings (``VOIP_CALLS['RECORDINGS_ROOT']``)."""
    return Path(calls_settings().get("RECORDINGS_ROOT") or Path(settings.VAR_DIR) / "recordings")


@dataclass(frozen=True)
class RecordingRetention:
    days: int | None  # every recording; None keeps them
    by_queue: dict[str, int]  # queue name -> days, whatever ``days`` says


def recording_retention() -> RecordingRetention:
    """``VOIP_CALLS['RECORDING_RETENTION_DAYS']`` and ``['RECORDING_RETENTION_BY_QUEUE']``, checked."""
    options = calls_settings()
    days = options.get("RECORDING_RETENTION_DAYS")
    by_queue = dict(options.get("RECORDING_RETENTION_BY_QUEUE") or {})
    for name, value in [("RECORDING_RETENTION_DAYS", days), *by_queue.items()]:
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ImproperlyConfigured(f"VOIP_CALLS recording retention {name!r}: a whole number of days >= 1")
    return RecordingRetention(days=days, by_queue=by_queue)


def sorcery_memory_cache_enabled() -> bool:
    """Whether Asterisk's sorcery.conf caches endpoints, AORs and auths in memory
    (``VOIP_ASTERISK_CONFIG['SORCERY_MEMORY_CACHE']``, env ``ASTERISK_SORCERY_CACHE``; off by default).

    ``--write-config`` writes the cache from it and the provisioning notifier expires cached
    objects when it is on: both must agree with what the running Asterisk loaded.
    """
    return bool((getattr(settings, "VOIP_ASTERISK_CONFIG", None) or {}).get("SORCERY_MEMORY_CACHE", False))


@dataclass(frozen=True)
class RoutingSettings:
    """``VOIP_ROUTES``: what the routing dialplan refuses or always allows."""

    # Routable from every extension through every trunk (112 is always one of them).
    emergency_numbers: tuple[str, ...] = ("112",)
    # Number prefixes (as dialled and as E.164) that only a route marked "premium" may carry.
    premium_prefixes: tuple[str, ...] = ("+7809", "8809", "+1900", "1900", "+44909", "0909")


def routing_settings() -> RoutingSettings:
    values = dict(getattr(settings, "VOIP_ROUTES", None) or {})
    extra = [str(n).strip() for n in values.get("EMERGENCY_NUMBERS", ()) or ()]
    emergency = tuple(dict.fromkeys(["112", *extra]))
    for number in emergency:
        if not number.isdigit() or len(number) > 10:
            raise ImproperlyConfigured(f"VOIP_ROUTES EMERGENCY_NUMBERS: {number!r} is not a short number of digits")
    premium = values.get("PREMIUM_PREFIXES")
    if premium is None:
        return RoutingSettings(emergency_numbers=emergency)
    prefixes = tuple(str(p).strip() for p in premium)
    for prefix in prefixes:
        if not prefix or not prefix.lstrip("+").isdigit():
            raise ImproperlyConfigured(f"VOIP_ROUTES PREMIUM_PREFIXES: {prefix!r} is not a number prefix")
    return RoutingSettings(emergency_numbers=emergency, premium_prefixes=prefixes)
