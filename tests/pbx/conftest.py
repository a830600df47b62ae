"""Fixtures for the PBX-as-code tests: users, a fake AMI server behind the notifier, row snapshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.provisioning.conftest import DATABASES, ami_at, make_user, provisioning  # noqa: F401
from voip.provisioning.models import InternalNumber
from voip.realtime.models import PsAor, PsAuth, PsEndpoint
from voip.realtime.router import realtime_db_alias

FILES = Path(__file__).parent / "files"
__all__ = ["DATABASES", "FILES"]


def snapshot() -> dict[str, Any]:
    """Every row the PBX resources write, to prove a refused or dry-run apply wrote nothing."""
    using = realtime_db_alias()
    return {
        "endpoints": sorted(PsEndpoint.objects.using(using).values_list("id", "context", "callerid")),
        "auths": sorted(PsAuth.objects.using(using).values_list("id", "password", "md5_cred")),
        "aors": sorted(PsAor.objects.using(using).values_list("id", "max_contacts")),
        "numbers": sorted(InternalNumber.objects.values_list("number", "user__username", "is_active")),
    }


@pytest.fixture
def users(make_user: Callable[..., Any]) -> dict[str, Any]:  # noqa: F811
    return {
        name: make_user(name, first_name=first, last_name=last)
        for name, first, last in (("ivanov", "Ivan", "Ivanov"), ("petrova", "Anna", "Petrova"))
    }


@pytest.fixture
def pbx_ami(fake_ami: Any, ami_at: Callable[..., None], provisioning: Callable[..., dict]) -> Any:  # noqa: F811
    """The notifier talks to a fake AMI server; qualifying AORs, so a new extension needs no reload."""
    provisioning(QUALIFY_FREQUENCY=60)
    ami_at(**fake_ami.ami_options())
    fake_ami.server.sorcery_caches.update({"crm_endpoint", "crm_aor", "crm_auth"})
    return fake_ami


SENT = ("Reload", "SorceryMemoryCacheExpireObject", "SorceryMemoryCacheExpire", "Command", "PJSIPRegister")


def sent(fake_ami: Any) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    return [
        (a.get("Action"), tuple((k, v) for k, v in a.headers if k not in ("Action", "ActionID")))
        for a in fake_ami.server.actions
        if a.get("Action") in SENT
    ]


@pytest.fixture
def pbx_file(tmp_path: Path) -> Callable[[str], str]:
    def write(text: str, name: str = "pbx.yaml") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def run_pbx(*args: str) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("pbx", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def user_named(name: str) -> Any:
    return get_user_model().objects.get(username=name)
