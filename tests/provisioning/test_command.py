"""``setup_asterisk_realtime``: every flag and every output line, failures included."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from tests.provisioning.conftest import DATABASES
from voip.models import InternalNumber, PsAuth, PsTransport
from voip.provisioning import services
from voip.realtime.router import realtime_db_alias

pytestmark = pytest.mark.django_db(databases=DATABASES)

CREATED_RE = re.compile(r"^✓ Created test endpoint (\d+) \(password: ([^)\s]+)\)$")


def rt(model):
    return model.objects.using(realtime_db_alias())


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("setup_asterisk_realtime", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("setup_asterisk_realtime", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# The SQLite test run: Asterisk's SQLite driver cannot read the realtime tables, so
# --test-connection adds a ✗ line (stderr) and exits non-zero; stdout keeps the guide's lines.
SQLITE_REALTIME = connections.settings["asterisk"]["ENGINE"].endswith("sqlite3")
SQLITE_REFUSAL_START = "✗ The realtime database is SQLite, and Asterisk's SQLite driver (res_config_sqlite3)"


def run_test_connection(*args: str) -> tuple[str, str]:
    """``run`` for --test-connection commands that succeed on PostgreSQL."""
    if not SQLITE_REALTIME:
        return run(*args)
    out, err = run_failing(*args)
    assert err.splitlines()[0].startswith(SQLITE_REFUSAL_START)
    return out, "\n".join(err.splitlines()[1:])


def test_no_flag_prints_help(capsys) -> None:
    out, _err = run()
    printed = out + capsys.readouterr().out
    assert "--test-connection" in printed
    assert "--create-test-endpoints" in printed


def test_test_connection_ok(fake_ami, ami_at) -> None:
    ami_at(**fake_ami.ami_options())
    services.create_test_endpoints(2)
    out, err = run_test_connection("--test-connection")
    assert out.splitlines() == [
        "✓ Database connection OK (2 endpoints found)",
        "✓ AMI connection OK (Asterisk 22.10.1)",
    ]
    assert err == ""
    assert "CoreSettings" in fake_ami.server.action_names()


def test_test_connection_zero_endpoints(fake_ami, ami_at) -> None:
    ami_at(**fake_ami.ami_options())
    out, _err = run_test_connection("--test-connection")
    assert "✓ Database connection OK (0 endpoints found)" in out.splitlines()


def test_test_connection_refuses_a_sqlite_realtime_database(fake_ami, ami_at, monkeypatch) -> None:
    ami_at(**fake_ami.ami_options())
    monkeypatch.setitem(connections.settings[realtime_db_alias()], "ENGINE", "django.db.backends.sqlite3")
    out, err = run_failing("--test-connection")
    # Django reads the tables and AMI answers: the guide's lines stay; Asterisk could not use them.
    assert out.splitlines() == [
        "✓ Database connection OK (0 endpoints found)",
        "✓ AMI connection OK (Asterisk 22.10.1)",
    ]
    [line] = err.splitlines()
    assert line.startswith(SQLITE_REFUSAL_START)
    assert (
        line.endswith("then python manage.py migrate --database=asterisk (docs/asterisk-config.md).")
        and "ASTERISK_DB_NAME, ASTERISK_DB_USER, ASTERISK_DB_PASSWORD, ASTERISK_DB_HOST, ASTERISK_DB_PORT" in line
    )


def test_test_connection_ami_refused(ami_at, closed_port) -> None:
    ami_at(AMI_HOST="127.0.0.1", AMI_PORT=closed_port, AMI_CONNECT_TIMEOUT=1.0)
    out, err = run_failing("--test-connection")
    assert out.splitlines() == ["✓ Database connection OK (0 endpoints found)"]
    assert err.splitlines()[-1].startswith(f"✗ AMI connection failed: connection refused at 127.0.0.1:{closed_port}")


def test_test_connection_wrong_secret(fake_ami, ami_at) -> None:
    ami_at(**fake_ami.ami_options(AMI_SECRET="not-the-secret"))
    _out, err = run_failing("--test-connection")
    assert err.splitlines()[-1].startswith("✗ AMI connection failed: authentication failed for user 'admin'")
    assert "not-the-secret" not in err


def test_test_connection_timeout(fake_ami_factory, ami_at) -> None:
    silent = fake_ami_factory(send_greeting=False)
    ami_at(**silent.ami_options(AMI_CONNECT_TIMEOUT=0.5, AMI_ACTION_TIMEOUT=0.5))
    _out, err = run_failing("--test-connection")
    assert err.splitlines()[-1].startswith("✗ AMI connection failed: timeout at")


def test_test_connection_missing_table(fake_ami, ami_at) -> None:
    ami_at(**fake_ami.ami_options())
    alias = realtime_db_alias()
    # Dropped inside the test's transaction: rolled back afterwards (DDL is transactional here).
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name('ps_endpoints')}")
    out, err = run_failing("--test-connection")
    assert err.splitlines()[0] == (
        "✗ Database connection failed: table ps_endpoints is missing — run python manage.py migrate --database=asterisk"
    )
    assert "✓ AMI connection OK (Asterisk 22.10.1)" in out


@pytest.mark.django_db(databases=DATABASES, transaction=True)  # AMI is told after a real commit
def test_create_transports_lines_and_idempotency(provisioning, fake_ami, ami_at) -> None:
    provisioning(TRANSPORT_BIND="0.0.0.0:5060")
    ami_at(**fake_ami.ami_options())
    out, _ = run("--create-transports")
    assert out.splitlines()[:2] == [
        "✓ Created transport transport-udp (udp, bind 0.0.0.0:5060)",
        "✓ Created transport transport-tcp (tcp, bind 0.0.0.0:5060)",
    ]
    out, _ = run("--create-transports")
    assert out.splitlines()[:2] == [
        "✓ Transport transport-udp already present (udp, bind 0.0.0.0:5060)",
        "✓ Transport transport-tcp already present (tcp, bind 0.0.0.0:5060)",
    ]
    assert set(rt(PsTransport).values_list("id", flat=True)) == {"transport-udp", "transport-tcp"}
    # A realtime transport is bound on its first lookup: each run looks each one up (the fake server
    # knows no such CLI command and answers with an error; tests/integration has the real Asterisk
    # binding them).
    looked_up = [a.get("Command") for a in fake_ami.server.actions if a.get("Action") == "Command"]
    assert looked_up == ["pjsip show transport transport-udp", "pjsip show transport transport-tcp"] * 2


@pytest.mark.django_db(databases=DATABASES, transaction=True)  # AMI is told after a real commit
def test_create_transports_with_ami_down_says_how_to_bind_them(provisioning, ami_at, closed_port) -> None:
    provisioning(TRANSPORT_BIND="0.0.0.0:5060")
    ami_at(AMI_PORT=closed_port)
    out, _ = run("--create-transports")
    assert out.splitlines()[:2] == [
        "✓ Created transport transport-udp (udp, bind 0.0.0.0:5060)",
        "✓ Created transport transport-tcp (tcp, bind 0.0.0.0:5060)",
    ]
    assert out.splitlines()[2].startswith("⚠ Asterisk was not told to bind the transports (AMI 127.0.0.1:")
    assert "connection refused" in out.splitlines()[2]
    assert set(rt(PsTransport).values_list("id", flat=True)) == {"transport-udp", "transport-tcp"}


def test_create_test_endpoints_lines_and_credentials(provisioning) -> None:
    provisioning(SIP_REALM="asterisk")
    out, _ = run("--create-test-endpoints", "5")
    lines = out.splitlines()
    assert len(lines) == 5
    numbers = []
    for line in lines:
        match = CREATED_RE.match(line)
        assert match, line
        number, password = match.groups()
        numbers.append(number)
        expected = hashlib.md5(f"{number}:asterisk:{password}".encode()).hexdigest()
        auth = rt(PsAuth).get(id=number)
        assert (auth.auth_type, auth.md5_cred, auth.password) == ("md5", expected, None)
    assert numbers == ["1000", "1001", "1002", "1003", "1004"]
    out, _ = run("--create-test-endpoints", "2")
    assert [CREATED_RE.match(line).group(1) for line in out.splitlines()] == ["1005", "1006"]


def test_create_test_endpoints_rejects_zero() -> None:
    with pytest.raises(CommandError):
        run("--create-test-endpoints", "0")


def test_provision_users_lines_and_summary(make_user, provisioning) -> None:
    provisioning(USER_EXTENSION_RANGE=(2000, 2999))
    make_user("ann")
    make_user("ben")
    make_user("old", is_active=False)
    services.provision_extension(make_user("has"))
    out, err = run("--provision-users")
    lines = out.splitlines()
    created = [re.match(r"^✓ Created extension (\d+) for (\w+) \(password: (\S+)\)$", line) for line in lines[:-1]]
    assert all(created), lines
    assert {(m.group(1), m.group(2)) for m in created} == {("2001", "ann"), ("2002", "ben")}
    for match in created:
        auth = rt(PsAuth).get(id=match.group(1))
        assert auth.md5_cred == hashlib.md5(f"{match.group(1)}:asterisk:{match.group(3)}".encode()).hexdigest()
    assert lines[-1] == "✓ Provisioned 2 users (0 failed; users with an extension already are not touched)"
    assert err == ""
    assert not InternalNumber.objects.filter(user__username="old").exists()
    out, _ = run("--provision-users")
    assert out.splitlines() == ["✓ Provisioned 0 users (0 failed; users with an extension already are not touched)"]


def test_provision_users_failure_exits_non_zero(make_user, provisioning) -> None:
    provisioning(USER_EXTENSION_RANGE=(2000, 2000))
    make_user("a1")
    make_user("a2")
    out, err = run_failing("--provision-users")
    assert "✗ No extension for a2: no free extension left in 2000-2000" in err.splitlines()
    assert "✓ Provisioned 1 users (1 failed; users with an extension already are not touched)" in out


def test_provision_users_passwords_file(make_user, tmp_path) -> None:
    make_user("zed")
    target = tmp_path / "passwords.csv"
    out, _ = run("--provision-users", "--passwords-file", str(target))
    assert "password:" not in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    rows = list(csv.DictReader(target.open()))
    assert [(r["username"], r["extension"]) for r in rows] == [("zed", "1000")]
    expected = hashlib.md5(f"1000:asterisk:{rows[0]['password']}".encode()).hexdigest()
    assert rt(PsAuth).get(id="1000").md5_cred == expected


def test_progress_bar_only_on_a_terminal(make_user) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for _ in range(3):
        make_user()
    terminal = Terminal()
    call_command("setup_asterisk_realtime", "--provision-users", stdout=terminal, stderr=io.StringIO())
    assert "\r[" in terminal.getvalue()
    assert "] 3/3" in terminal.getvalue()
    make_user()
    plain, _ = run("--provision-users")
    assert "\r" not in plain


@pytest.mark.django_db(databases=DATABASES, transaction=True)  # AMI is told after a real commit
def test_pending_reload_warning_when_ami_down(provisioning, ami_at, closed_port) -> None:
    provisioning(QUALIFY_FREQUENCY=0)
    ami_at(AMI_HOST="127.0.0.1", AMI_PORT=closed_port, AMI_CONNECT_TIMEOUT=0.5)
    out, _ = run("--create-test-endpoints", "1")
    assert CREATED_RE.match(out.splitlines()[0])
    assert out.splitlines()[1].startswith("⚠ PJSIP reload pending")
    _out, err = run_failing("--reload-pjsip")
    assert err.startswith("✗ PJSIP reload failed")


def test_reload_pjsip_ok(fake_ami, ami_at) -> None:
    ami_at(**fake_ami.ami_options())
    out, _ = run("--reload-pjsip")
    assert out.splitlines() == ["✓ PJSIP reloaded (res_pjsip.so)"]
    assert "Reload" in fake_ami.server.action_names()


def test_write_config_lines(tmp_path, ami_at) -> None:
    ami_at(AMI_SECRET="a-generated-secret")
    if SQLITE_REALTIME:  # refused where the user first meets it, with the way to PostgreSQL
        _out, err = run_failing("--write-config", str(tmp_path))
        [line] = err.splitlines()
        assert line.startswith("✗ Writing the configuration failed: The realtime database is SQLite")
        assert "DATABASE_URL=postgres://" in line and "ASTERISK_DB_NAME" in line
        assert not any(tmp_path.iterdir())
        return
    out, _ = run("--write-config", str(tmp_path))
    written = [line for line in out.splitlines() if line.startswith("✓ Wrote ")]
    assert written
    for line in written:
        path = line.removeprefix("✓ Wrote ")
        assert (tmp_path / path.rsplit("/", 1)[-1]).is_file()
    assert (tmp_path / "extconfig.conf").is_file()
    again, _ = run("--write-config", str(tmp_path))
    assert all(not line.startswith("✓ Wrote ") for line in again.splitlines())
    assert sum(line.startswith("⚠ Skipped ") for line in again.splitlines()) == len(written)
    forced, _ = run("--write-config", str(tmp_path), "--force")
    assert sum(line.startswith("✓ Wrote ") for line in forced.splitlines()) == len(written)


def test_flags_combine(fake_ami, ami_at) -> None:
    ami_at(**fake_ami.ami_options())
    out, _ = run_test_connection("--test-connection", "--create-transports", "--create-test-endpoints", "1")
    lines = out.splitlines()
    assert lines[0] == "✓ Database connection OK (0 endpoints found)"
    assert lines[1] == "✓ AMI connection OK (Asterisk 22.10.1)"
    assert lines[2].startswith("✓ Created transport transport-udp")
    assert [line for line in lines if CREATED_RE.match(line)] == [lines[-1]]


def test_write_config_failure_is_a_cross_line(tmp_path, ami_at) -> None:
    ami_at(AMI_SECRET="")
    _out, err = run_failing("--write-config", str(tmp_path / "conf"))
    assert err.startswith("✗ Writing the configuration failed: ")
    assert not (tmp_path / "conf").exists() or not any((tmp_path / "conf").iterdir())
