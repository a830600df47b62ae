"""The settings gateway (voip.conf) and get_backend(): one key rule, one lookup, one client factory."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from voip.ami.aio import AsyncAMIClient
from voip.ami.client import AMIClient
from voip.backends import get_backend
from voip.backends.asteriskbackend import AsteriskRealtimeAPI
from voip.calls.listener import CallEventListener
from voip.conf import (
    AsteriskSettings,
    TelephonyNotConfigured,
    ami_client,
    asterisk_settings,
    async_ami_client,
    pbx_time_zone,
)

REPO = Path(__file__).resolve().parents[2]
PRODUCT_DIRS = ("config", "crm", "voip")


class RecordingBackend:
    """A BACKEND of one's own: get_backend() must build it from OPTIONS as the guide does."""

    def __init__(self, **options: Any) -> None:
        self.options = options


def voip_entry(provider: str = "Asterisk", backend: str | None = None, **options: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"PROVIDER": provider, "OPTIONS": options}
    if backend:
        entry["BACKEND"] = backend
    return entry


def product_sources() -> list[Path]:
    return [path for folder in PRODUCT_DIRS for path in (REPO / folder).rglob("*.py") if "migrations" not in path.parts]


def test_one_key_rule_for_every_option() -> None:
    spelled = [
        {"AMI_HOST": "10.0.0.5", "AMI_PORT": "5039", "AMI_USERNAME": "u", "AMI_SECRET": "s", "AMI_AUTH": "MD5"},
        {"host": "10.0.0.5", "port": 5039, "user": "u", "password": "s", "auth": "md5"},
        {"Ami_Host": "10.0.0.5", "PORT": 5039, "Username": "u", "Secret": "s", "ami_auth": "md5", "unknown": 1},
    ]
    configs = {AsteriskSettings.from_options(options) for options in spelled}
    assert len(configs) == 1
    (config,) = configs
    assert (config.host, config.port, config.username, config.secret, config.auth) == (
        "10.0.0.5",
        5039,
        "u",
        "s",
        "md5",
    )
    assert "s3cr3t-value" not in repr(AsteriskSettings.from_options({"secret": "s3cr3t-value"}))
    with pytest.raises(ValueError, match="AMI_AUTH"):
        AsteriskSettings.from_options({"AMI_AUTH": "kerberos"})


def test_outbound_context_defaults_to_context() -> None:
    assert AsteriskSettings.from_options({"CONTEXT": "office"}).outbound_context == "office"
    assert AsteriskSettings.from_options({"CONTEXT": "office", "OUTBOUND_CONTEXT": "out"}).outbound_context == "out"


def test_the_provider_is_looked_up_by_name(settings) -> None:
    settings.VOIP = [voip_entry("Other", AMI_HOST="10.9.9.9"), voip_entry("Asterisk", AMI_HOST="10.0.0.1")]
    assert asterisk_settings().host == "10.0.0.1"  # not simply the first entry
    assert asterisk_settings("other").host == "10.9.9.9"
    with pytest.raises(TelephonyNotConfigured, match="'Nope'"):
        asterisk_settings("Nope")
    settings.VOIP = []
    with pytest.raises(TelephonyNotConfigured):
        asterisk_settings()


def test_the_listener_uses_the_asterisk_entry_not_the_first(settings) -> None:
    settings.VOIP = [voip_entry("Other", AMI_HOST="10.9.9.9"), voip_entry("Asterisk", AMI_HOST="10.0.0.1")]
    assert CallEventListener(push=False).client.host == "10.0.0.1"


def test_get_backend_honours_backend(settings) -> None:
    settings.VOIP = [voip_entry(backend=f"{__name__}.RecordingBackend", AMI_HOST="10.0.0.7", EXTRA="kept")]
    backend = get_backend()
    assert isinstance(backend, RecordingBackend)
    assert backend.options == {"AMI_HOST": "10.0.0.7", "EXTRA": "kept"}


def test_get_backend_default_and_timeout_cap(settings) -> None:
    settings.VOIP = [voip_entry(AMI_HOST="10.0.0.7", AMI_CONNECT_TIMEOUT=5, AMI_ACTION_TIMEOUT=10)]
    backend = get_backend(timeout=2)
    assert isinstance(backend, AsteriskRealtimeAPI)
    assert (backend.host, backend.connect_timeout, backend.action_timeout) == ("10.0.0.7", 2, 2)


def test_the_client_factories_carry_every_option() -> None:
    config = AsteriskSettings.from_options(
        {
            "host": "h",
            "port": 1,
            "username": "u",
            "secret": "s",
            "auth": "md5",
            "connect_timeout": 3,
            "action_timeout": 4,
        }
    )
    blocking = ami_client(config, events="call")
    assert isinstance(blocking, AMIClient)
    assert (blocking.host, blocking.port, blocking.username, blocking.secret, blocking.auth, blocking.events) == (
        "h",
        1,
        "u",
        "s",
        "md5",
        "call",
    )
    assert (blocking.connect_timeout, blocking.action_timeout) == (3, 4)
    asynchronous = async_ami_client(config, events="call,system", keepalive_interval=None)
    assert isinstance(asynchronous, AsyncAMIClient)
    assert (asynchronous.host, asynchronous.auth, asynchronous.events_mask, asynchronous.keepalive_interval) == (
        "h",
        "md5",
        "call,system",
        None,
    )


def test_pbx_time_zone_falls_back_to_the_crm_time_zone(settings) -> None:
    settings.TIME_ZONE = "Asia/Tokyo"
    settings.VOIP_PBX_TIME_ZONE = ""
    assert pbx_time_zone() == ZoneInfo("Asia/Tokyo")
    settings.VOIP_PBX_TIME_ZONE = "Europe/Moscow"
    assert pbx_time_zone() == ZoneInfo("Europe/Moscow")


def test_asterisk_events_refuses_an_unknown_provider(settings) -> None:
    from django.core.management.base import CommandError

    settings.VOIP = [voip_entry(AMI_SECRET="x")]
    with pytest.raises(CommandError, match="'Nope'"):
        call_command("asterisk_events", "--provider", "Nope")


def _reads_of_settings_voip(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr == "VOIP") or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "VOIP"
        ):
            lines.append(node.lineno)
    return lines


def test_no_module_but_the_gateway_reads_settings_voip() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{line}"
        for path in product_sources()
        if path not in (REPO / "voip" / "conf.py", REPO / "config" / "settings.py")
        for line in _reads_of_settings_voip(ast.parse(path.read_text()))
    ]
    assert offenders == []


def test_ami_clients_are_built_only_by_the_factory() -> None:
    pattern = re.compile(r"\b(?:Async)?AMIClient\(")
    allowed = {REPO / "voip" / "conf.py"}
    offenders = [
        f"{path.relative_to(REPO)}: {line.strip()}"
        for path in product_sources()
        if path not in allowed and "ami" not in path.relative_to(REPO).parts[:2]
        for line in path.read_text().splitlines()
        if pattern.search(line) and not line.lstrip().startswith(("#", "class "))
    ]
    assert offenders == []
