"""The short path: ``setup_asterisk_realtime --install`` takes an Asterisk running on its site's own
files to our configuration, a registered phone and a first call, with no Asterisk file edited."""

from __future__ import annotations

import re
import shlex

import pytest
from django.contrib.auth import get_user_model

from tests.integration.asterisk import BINARY
from tests.integration.conftest import run_command
from tests.integration.phones import wait_until
from voip.asterisk_config.writer import render_asterisk_config

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]


def test_install_configures_a_running_asterisk_registers_a_phone_and_places_a_first_call(live_pbx, phone_factory):
    etc = live_pbx.asterisk.etc
    rendered = render_asterisk_config()
    replaced = [name for name in rendered if name != "modules.conf"]
    # The site's own files, as a fresh Asterisk has them: no manager, no realtime.
    for name in replaced:
        (etc / name).write_text(f"; the site's own {name}\n")
    live_pbx.asterisk.restart_now()
    assert live_pbx.api().test_connection()["ami_ok"] is False
    get_user_model().objects.create_superuser("admin", "admin@example.com", "x-Admin-12345")

    cli = f"{shlex.quote(str(BINARY))} -C {shlex.quote(str(live_pbx.asterisk.config_file))}"
    status, out, err = run_command("--install", str(etc), "--asterisk-cli", cli)

    assert status == 0, out + err
    for name in replaced:
        assert (etc / name).read_text() == rendered[name]
        [backup] = etc.glob(f"{name}.*.bak")
        assert backup.read_text() == f"; the site's own {name}\n"
        assert f"✓ Installed {etc / name} (the previous one is kept as {backup})" in out
    assert f"✓ Kept {etc / 'modules.conf'}" in out
    assert re.search(r"✓ AMI connection OK \(Asterisk 22\.10\.1\)", out)
    assert "✓ Created transport transport-udp" in out
    extension, password = re.search(r"✓ Created extension (\d+) for admin \(password: (\S+)\)", out).groups()
    assert "    Server:   127.0.0.1\n" in out and f"    Port:     {live_pbx.sip_port} (UDP)\n" in out
    assert f"    Username: {extension}\n" in out and f"    Password: {password}\n" in out

    # The softphone, configured with what was printed, registers; a first call connects.
    admin_phone = phone_factory(extension, password)
    status, created, _ = run_command("--create-test-endpoints", "1")
    other, other_password = re.search(r"Created test endpoint (\d+) \(password: (\S+)\)", created).groups()
    other_phone = phone_factory(other, other_password)
    since = admin_phone.mark()
    admin_phone.dial(other)
    admin_phone.wait_event("CALL_ESTABLISHED", since=since)
    other_phone.wait_event("CALL_ESTABLISHED")
    wait_until(lambda: len(live_pbx.channels()) == 2, what="both legs of the first call")


def test_install_twice_changes_nothing_the_second_time(live_pbx):
    etc = live_pbx.asterisk.etc
    get_user_model().objects.create_superuser("admin", "admin@example.com", "x-Admin-12345")
    cli = f"{shlex.quote(str(BINARY))} -C {shlex.quote(str(live_pbx.asterisk.config_file))}"
    backups_before = sorted(etc.glob("*.bak"))

    status, out, err = run_command("--install", str(etc), "--asterisk-cli", cli)

    assert status == 0, out + err
    assert sorted(etc.glob("*.bak")) == backups_before  # every file was up to date: nothing replaced
    assert f"✓ {etc / 'pjsip.conf'} is already up to date" in out
    assert live_pbx.api().test_connection()["ok"] is True


def test_install_refuses_a_missing_directory_and_changes_nothing(live_pbx, tmp_path):
    get_user_model().objects.create_superuser("admin", "admin@example.com", "x-Admin-12345")

    status, _out, err = run_command("--install", str(tmp_path / "nowhere"))

    assert status == 1
    assert "✗ Installing the configuration failed:" in err and "is not a directory" in err
    assert not (tmp_path / "nowhere").exists()
