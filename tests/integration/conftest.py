"""Fixtures of the real-Asterisk tests: one private Asterisk per run, softphones, the listener.

The tests run whenever Asterisk is installed at build.sh's prefix (``ASTERISK_PREFIX``, default
``/opt/asterisk``) and the realtime database is PostgreSQL; elsewhere they skip saying why, except
with ``CI`` set, where a missing Asterisk or softphone is an error. Asterisk's realtime driver reads
the very test databases pytest-django created, so every test here commits its rows
(``transaction=True``) and the databases are flushed after it.

A failing run keeps Asterisk's and the phones' logs under ``var/integration/`` (the path is printed).
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration import asterisk as asterisk_module
from tests.integration import phones as phones_module
from tests.integration.asterisk import PrivateAsterisk, free_port
from tests.integration.phones import Phone, wait_until
from tests.integration.provider import Provider
from voip.backends.asteriskbackend import AsteriskRealtimeAPI

REPO_ROOT = Path(__file__).resolve().parents[2]
KEPT_LOGS = REPO_ROOT / "var" / "integration"
AMI_USERNAME = "crm"
ASTERISK_RTP = (34000, 34999)
PHONE_RTP_BASE = 36000

_failed: list[str] = []
_kept_logs: list[Path] = []


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (the real-Asterisk tests must run in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        _failed.append(item.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for path in _kept_logs:
        terminalreporter.write_line(f"real-Asterisk test failed: Asterisk's and the phones' logs are in {path}")


@dataclass
class Pbx:
    """The private Asterisk as the tests see it: the process, its ports and the CRM's settings for it."""

    asterisk: PrivateAsterisk
    sip_port: int
    ami_port: int
    ami_secret: str
    voip: list[dict[str, Any]]
    phones_root: Path
    _next_phone_rtp: int = PHONE_RTP_BASE
    _phones_started: int = 0

    @property
    def ami_options(self) -> dict[str, Any]:
        return dict(self.voip[0]["OPTIONS"])

    def api(self) -> AsteriskRealtimeAPI:
        """Built as the guide's step 9 builds it."""
        from django.conf import settings

        config = next(b for b in settings.VOIP if b["PROVIDER"] == "Asterisk")
        return AsteriskRealtimeAPI(**config["OPTIONS"])

    def cli(self, command: str) -> str:
        return self.asterisk.cli(command)

    def next_phone_dir(self, username: str) -> Path:
        self._phones_started += 1
        return self.phones_root / f"{self._phones_started:03d}-{username}"

    def next_rtp_range(self) -> tuple[int, int]:
        start = self._next_phone_rtp
        self._next_phone_rtp += 20
        return start, start + 19

    def channels(self) -> list[str]:
        output = self.cli("core show channels concise")
        return [line.split("!")[0] for line in output.splitlines() if "!" in line]

    def contacts_of(self, endpoint: str) -> bool:
        """``pjsip show contacts`` lists a contact of ``endpoint`` (registered)."""
        output = self.cli("pjsip show contacts")
        return bool(re.search(rf"Contact:\s+{re.escape(endpoint)}/sip:", output))


@pytest.fixture(scope="package")
def pbx(django_db_setup, django_db_blocker) -> Iterator[Pbx]:
    if not asterisk_module.installed():
        _unavailable(
            f"Asterisk is not installed at {asterisk_module.PREFIX} (run ../shared/asterisk/src/build.sh, or set"
            " ASTERISK_PREFIX)"
        )
    if not phones_module.installed():
        _unavailable("baresip with ctrl_tcp is not installed (../shared/asterisk/src/build.sh installs it)")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import override_settings

    from voip.realtime.router import realtime_db_alias

    realtime = connections.settings[realtime_db_alias()]
    if "postgresql" not in realtime["ENGINE"]:
        _unavailable(
            "the realtime database is not PostgreSQL: Asterisk's SQLite realtime driver cannot read these tables"
            " (docs/testing.md)"
        )

    root = Path(tempfile.mkdtemp(prefix="crm-asterisk-"))
    ami_port = free_port()
    sip_port = free_port()
    secret = secrets.token_hex(16)
    options = {
        **settings.VOIP[0]["OPTIONS"],
        "AMI_HOST": "127.0.0.1",
        "AMI_PORT": ami_port,
        "AMI_USERNAME": AMI_USERNAME,
        "AMI_SECRET": secret,
        "AMI_AUTH": "plain",
    }
    voip = [{**settings.VOIP[0], "OPTIONS": options}, *settings.VOIP[1:]]
    asterisk = PrivateAsterisk(root / "asterisk", rtp_range=ASTERISK_RTP)
    host = str(realtime.get("HOST") or realtime.get("OPTIONS", {}).get("host") or "")
    overrides = override_settings(
        VOIP=voip,
        VOIP_PROVISIONING={
            **settings.VOIP_PROVISIONING,
            "TRANSPORT_BIND": f"127.0.0.1:{sip_port}",
            "SIP_SERVER": "127.0.0.1",
            "SIP_PORT": sip_port,
        },
        VOIP_ASTERISK_CONFIG={
            **settings.VOIP_ASTERISK_CONFIG,
            "AMI_BIND_ADDRESS": "127.0.0.1",
            # The embedded test server listens on a Unix socket only; libpq takes its directory as host.
            "DB_HOST_FOR_ASTERISK": host if host.startswith("/") else "",
        },
        VOIP_CALLS={**settings.VOIP_CALLS, "RECORDINGS_ROOT": str(asterisk.monitor_dir)},
    )
    overrides.enable()
    booted = False
    try:
        generated = root / "generated"
        with django_db_blocker.unblock():
            call_command("setup_asterisk_realtime", "--write-config", str(generated), stdout=io.StringIO())
        asterisk.configure(generated)
        asterisk.start()
        booted = True
        yield Pbx(
            asterisk=asterisk,
            sip_port=sip_port,
            ami_port=ami_port,
            ami_secret=secret,
            voip=voip,
            phones_root=root / "phones",
        )
    finally:
        asterisk.stop()
        overrides.disable()
        if _failed or not booted:
            kept = KEPT_LOGS / time.strftime("failed-%Y%m%d-%H%M%S")
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(root, kept, ignore=shutil.ignore_patterns("*.ctl", "*.sqlite3"), dirs_exist_ok=True)
            _kept_logs.append(kept)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def live_pbx(pbx: Pbx, transactional_db, django_db_blocker) -> Iterator[Pbx]:
    """The PBX with committed database rows; after the test, no call is left up."""
    yield pbx
    try:
        if pbx.channels():
            pbx.cli("channel request hangup all")
            wait_until(lambda: not pbx.channels(), timeout=10, what="every channel hung up")
    except Exception:  # cleaning up after a failure must not hide it
        pass


@pytest.fixture
def phone_factory(live_pbx: Pbx) -> Iterator[Callable[..., Phone]]:
    """``phone_factory(username, password, answer="auto")``: a started baresip registering as that user."""
    started: list[Phone] = []

    def make(
        username: str,
        password: str,
        *,
        answer: str = "auto",
        register: bool = True,
        also_answers: tuple[str, ...] = (),
    ) -> Phone:
        phone = Phone(
            live_pbx.next_phone_dir(username),
            username=username,
            password=password,
            asterisk_sip=("127.0.0.1", live_pbx.sip_port),
            sip_port=_free_port_pair(),
            ctrl_port=free_port(),
            rtp_range=live_pbx.next_rtp_range(),
            answer=answer,
            also_answers=also_answers,
        )
        started.append(phone)
        phone.start()
        if register:
            # Asterisk's side: baresip registers before its control socket is connected, so its own
            # REGISTER_OK event is usually gone by the time a test could read it.
            wait_until(lambda: live_pbx.contacts_of(username), timeout=15, what=f"{username} in pjsip show contacts")
        return phone

    yield make
    for phone in started:
        phone.stop()


def _free_port_pair() -> int:
    """baresip listens on PORT and PORT+1."""
    import socket

    for _ in range(50):
        port = free_port(socket.SOCK_DGRAM)
        try:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                with socket.socket(socket.AF_INET, kind) as probe:
                    probe.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair")


def run_command(*args: str) -> tuple[int, str, str]:
    """``manage.py setup_asterisk_realtime ARGS`` in this process: (exit status, stdout, stderr)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("setup_asterisk_realtime", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as exc:
        err.write(str(exc))
        status = 1
    return status, out.getvalue(), err.getvalue()


PASSWORD_LINE = re.compile(r"✓ Created test endpoint (\d+) \(password: (\S+)\)")


@pytest.fixture
def two_extensions(live_pbx: Pbx) -> dict[str, str]:
    """The guide's steps 6-7: transports, then two test endpoints; {extension: printed password}."""
    status, out, err = run_command("--create-transports")
    assert status == 0, err
    status, out, err = run_command("--create-test-endpoints", "2")
    assert status == 0, err
    passwords = dict(PASSWORD_LINE.findall(out))
    assert len(passwords) == 2, out
    return passwords


class ListenerThread:
    """The project's own AMI event listener (voip.calls.listener) in a thread, on the real Asterisk."""

    def __init__(self, options: dict[str, Any]) -> None:
        from voip.calls.listener import CallEventListener

        self.listener = CallEventListener(options=options, keepalive_interval=5.0, reconnect_initial_delay=0.2)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="integration-listener", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.listener.run())

    def start(self) -> ListenerThread:
        self.thread.start()
        wait_until(lambda: self.listener.stats.connects >= 1, timeout=15, what="the listener logged in")
        self.listener.wait_idle(10)
        return self

    def stop(self) -> None:
        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.listener.stop(), self.loop).result(15)
            self.thread.join(15)


@pytest.fixture
def listener(live_pbx: Pbx) -> Iterator[ListenerThread]:
    thread = ListenerThread(live_pbx.ami_options).start()
    yield thread
    thread.stop()


@dataclass
class Agent:
    user: Any
    extension: str
    password: str


@pytest.fixture
def agents(live_pbx: Pbx) -> dict[str, Agent]:
    """Transports, then CRM users alice and bob with extensions given by the guide's step 10 function."""
    from django.contrib.auth import get_user_model

    from tests.calls.ui_support import AGENT_PERMS, make_user
    from voip.utils.asterisk_realtime import auto_provision_endpoint

    assert run_command("--create-transports")[0] == 0
    made = {}
    for username, first, last in (("alice", "Alice", "Smith"), ("bob", "Bob", "Jones")):
        user = make_user(username, *AGENT_PERMS, first_name=first, last_name=last)
        result = auto_provision_endpoint(user)
        made[username] = Agent(get_user_model().objects.get(pk=user.pk), result["endpoint_id"], result["password"])
    return made


@pytest.fixture(scope="package")
def provider_instance(pbx: Pbx) -> Iterator[Provider]:
    """The provider Asterisk of the run (tests/integration/provider.py), started once."""
    root = Path(tempfile.mkdtemp(prefix="crm-provider-"))
    instance = Provider(
        root / "asterisk",
        port=free_port(host=Provider.host),
        password=secrets.token_hex(12),
        crm_sip=f"127.0.0.1:{pbx.sip_port}",
    )
    try:
        instance.configure()
        instance.start()
        yield instance
    finally:
        instance.stop()
        if _failed:
            kept = KEPT_LOGS / time.strftime("failed-%Y%m%d-%H%M%S-provider")
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(root, kept, ignore=shutil.ignore_patterns("*.ctl"), dirs_exist_ok=True)
            _kept_logs.append(kept)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def provider(provider_instance: Provider, live_pbx: Pbx) -> Iterator[Provider]:
    """The provider, running, with the calls of earlier tests forgotten (see provider.py for its API)."""
    if not provider_instance.running():
        provider_instance.start()
    provider_instance.reset()
    yield provider_instance
    if not provider_instance.running():
        provider_instance.start()
