from __future__ import annotations

import socket

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from voip.ami.protocol import AMIParser
from voip.backends.asteriskbackend import AsteriskRealtimeAPI, allowed_actions
from voip.diagnostics import CheckResult, run_validation
from voip.diagnostics.checks import (
    check_asterisk,
    check_database,
    check_privileges,
    check_rows,
    check_schema,
)
from voip.provisioning.models import InternalNumber
from voip.realtime.models import PsAor, PsAuth, PsEndpoint, PsTransport
from voip.realtime.router import realtime_db_alias

BOTH = pytest.mark.django_db(databases=["default", "asterisk"])
# Writes on both aliases: with SQLite (Option A, one shared-cache test database) only one connection may
# hold a write transaction, so these tests commit for real (transaction=True) and are flushed afterwards.
BOTH_COMMIT = pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)


def lines(results: list[CheckResult]) -> list[str]:
    return [r.line() for r in results]


def test_check_result_line_format():
    assert CheckResult("ok", "Database reachable (asterisk)").line() == "✓ Database reachable (asterisk)"
    bad = CheckResult("error", "ps_endpoints.callerid: varchar(40) expected, found varchar(20)", "run x")
    assert bad.symbol == "✗"
    assert bad.line() == "✗ ps_endpoints.callerid: varchar(40) expected, found varchar(20) — hint: run x"
    assert CheckResult("warning", "w").symbol == "⚠"


@BOTH
def test_database_reachable():
    assert check_database().line() == "✓ Database reachable (asterisk)"


@BOTH
def test_fresh_schema_matches_models():
    results = check_schema()
    assert [r.status for r in results] == ["ok"], lines(results)
    assert results[0].message.startswith("Realtime schema matches (")


@BOTH
def test_expected_schema_drift_against_live_catalogue(monkeypatch):
    """Every engine: the live catalogue is read for real; the expectation is moved away from it."""
    from voip.diagnostics import checks

    real = checks.expected_schema

    def drifted(connection):
        tables = real(connection)
        endpoints = tables["ps_endpoints"]
        endpoints.columns["callerid"] = checks.ColumnSpec("varchar(60)", null=True)
        endpoints.columns["not_a_column"] = checks.ColumnSpec("integer", null=True)
        endpoints.columns["context"] = checks.ColumnSpec("varchar(40)", null=False)
        tables["ps_not_a_table"] = checks.TableSpec("ps_not_a_table", {"id": checks.ColumnSpec("integer", False)})
        return tables

    monkeypatch.setattr(checks, "expected_schema", drifted)
    found = lines(check_schema())
    hint = " — hint: run python manage.py migrate --database=asterisk"
    assert "✗ ps_endpoints.callerid: varchar(60) expected, found varchar(40)" + hint in found
    assert "✗ ps_endpoints.not_a_column: column missing" + hint in found
    assert "✗ ps_endpoints.context: NOT NULL expected, found NULL" + hint in found
    assert "✗ ps_not_a_table: table missing" + hint in found
    assert len(found) == 4


def _postgres_only():
    if connections["asterisk"].vendor != "postgresql":
        pytest.skip("transactional DDL on the shared test database needs PostgreSQL; see the drift test above")


@BOTH
def test_missing_column_is_reported_postgres():
    _postgres_only()
    with connections[realtime_db_alias()].cursor() as cursor:  # the test transaction's connection
        cursor.execute("ALTER TABLE ps_endpoints DROP COLUMN callerid")
        cursor.execute("DROP TABLE ps_domain_aliases")
    found = lines(check_schema())
    assert "✗ ps_endpoints.callerid: column missing — hint: run python manage.py migrate --database=asterisk" in found
    assert "✗ ps_domain_aliases: table missing — hint: run python manage.py migrate --database=asterisk" in found


@BOTH
def test_type_and_nullability_mismatch_postgres():
    _postgres_only()
    with connections[realtime_db_alias()].cursor() as cursor:  # the test transaction's connection
        cursor.execute("ALTER TABLE ps_endpoints ALTER COLUMN callerid TYPE varchar(20)")
        cursor.execute("ALTER TABLE ps_aors ALTER COLUMN contact SET NOT NULL")
    found = lines(check_schema())
    assert (
        "✗ ps_endpoints.callerid: varchar(40) expected, found varchar(20)"
        " — hint: run python manage.py migrate --database=asterisk"
    ) in found
    assert any(line.startswith("✗ ps_aors.contact: NULL expected, found NOT NULL") for line in found)


@BOTH_COMMIT
def test_rows_consistent():
    PsAuth.objects.create(id="1001", auth_type="md5", username="1001", realm="asterisk", md5_cred="0" * 32)
    PsAor.objects.create(id="1001", max_contacts=1)
    PsTransport.objects.create(id="transport-udp", protocol="udp", bind="0.0.0.0:5060")
    PsEndpoint.objects.create(id="1001", auth="1001", aors="1001", transport="transport-udp")
    user = get_user_model().objects.create_user("alice")
    InternalNumber.objects.create(user=user, number="1001", endpoint_id="1001")
    results = check_rows()
    assert lines(results) == ["✓ Realtime rows consistent (1 endpoints)"]


@BOTH_COMMIT
def test_rows_broken_references():
    PsAor.objects.create(id="1002", max_contacts=0)
    PsEndpoint.objects.create(id="1002", auth="gone", aors="1002,nope", transport="transport-tls")
    PsEndpoint.objects.create(id="2000", auth="", aors="")
    alice = get_user_model().objects.create_user("alice")
    bob = get_user_model().objects.create_user("bob")
    InternalNumber.objects.create(user=alice, number="2000", endpoint_id="alice-phone")  # clashes with 2000
    InternalNumber.objects.create(user=bob, number="1003", endpoint_id="1003")  # no endpoint row
    found = lines(check_rows())
    assert any(line.startswith("✗ Endpoint 1002: auth gone does not exist in ps_auths") for line in found)
    assert any(line.startswith("✗ Endpoint 1002: AOR nope does not exist in ps_aors") for line in found)
    assert any(line.startswith("✗ Endpoint 2000 has no AOR") for line in found)
    assert any(line.startswith("✗ AOR 1002: max_contacts=0 — Asterisk answers REGISTER with 403") for line in found)
    assert any(line.startswith("⚠ Endpoint 1002 uses transport transport-tls") for line in found)
    assert any(line.startswith("✗ Extension 2000 of user alice is endpoint alice-phone") for line in found)
    assert any(line.startswith("⚠ Extension 1003 of user bob has no endpoint row 1003") for line in found)
    assert not any(line.startswith("✓") for line in found)


@BOTH_COMMIT
def test_disabled_extension_is_not_reported_as_broken():
    """A disabled extension's AOR has max_contacts=0 on purpose; one that still registers is not."""
    from voip.provisioning.services import create_transports, disable_extension, provision_extension

    create_transports()
    alice = get_user_model().objects.create_user("alice", first_name="Alice")
    bob = get_user_model().objects.create_user("bob", first_name="Bob")
    provision_extension(alice)
    bob_number = provision_extension(bob).endpoint_id
    disable_extension(alice)
    assert lines(check_rows()) == ["✓ Realtime rows consistent (2 endpoints)"]
    InternalNumber.objects.filter(user=bob).update(is_active=False)  # marked disabled, AOR left open
    assert lines(check_rows())[0].startswith(f"⚠ Extension {bob_number} is disabled but its AOR still accepts")


def test_privileges_from_recorded_listcommands_of_restricted_user(asterisk_facts_dir):
    """Transcript 21 session B: user crm (write=call) -- ListCommands lists only what it may run."""
    from tests.ami import transcripts as tr

    session = tr.load("21")[1]
    reply = next(received for sent, received in session.exchanges() if sent.startswith(b"Action: ListCommands"))
    message = AMIParser(expect_greeting=False).feed(b"".join(reply))[0]
    allowed = allowed_actions(message)
    assert "Hangup" in allowed and "Originate" not in allowed
    found = lines(check_privileges(allowed, "crm"))
    assert any(line.startswith("⚠ AMI user crm may not run Originate (needs write class originate)") for line in found)
    assert any(line.startswith("⚠ AMI user crm may not run ModuleCheck (needs write class system)") for line in found)
    assert any(line.startswith("⚠ AMI user crm may not run QueueAdd (needs write class agent)") for line in found)
    assert not any("may not run Hangup" in line for line in found)  # call is enough for Hangup


def test_privileges_of_full_admin_warns_about_config(asterisk_facts_dir):
    from tests.ami import transcripts as tr

    session = tr.load("21")[0]
    reply = next(received for sent, received in session.exchanges() if sent.startswith(b"Action: ListCommands"))
    message = AMIParser(expect_greeting=False).feed(b"".join(reply))[0]
    found = lines(check_privileges(allowed_actions(message), "admin"))
    assert not any("may not run" in line for line in found)
    assert any(line.startswith("⚠ AMI user admin has write class config") for line in found)


@BOTH
def test_asterisk_checks_against_fake_ami_admin(fake_ami):
    found = lines(check_asterisk(AsteriskRealtimeAPI(**fake_ami.ami_options())))
    assert found[0].startswith("✓ AMI login OK (user admin, Asterisk 22.")
    assert "✓ Module res_pjsip.so loaded" in found
    assert "✓ Module res_sorcery_realtime.so loaded" in found
    assert "✓ Module app_queue.so loaded" in found
    if connections["asterisk"].vendor == "postgresql":
        assert "✓ Module res_config_pgsql.so loaded" in found
        # The recording's Asterisk is connected to database "asterisk"; the test database has another name.
        db = connections.settings["asterisk"]
        if db["NAME"] == "asterisk" and db.get("USER") in ("", None, "asterisk"):
            assert any(line.startswith("✓ Asterisk connected to PostgreSQL (Connected to asterisk@") for line in found)
        else:
            expected = "⚠ Asterisk is connected to asterisk as asterisk, Django uses"
            assert any(line.startswith(expected) for line in found)
    # The recorded Asterisk has no sorcery.conf/extconfig.conf that GetConfig could read.
    assert any(line.startswith("✗ Asterisk cannot read sorcery.conf: Config file not found") for line in found)
    assert any(line.startswith("✗ Asterisk cannot read extconfig.conf") for line in found)
    actions = [a.get("Action") for a in fake_ami.server.actions]
    assert {"ListCommands", "ModuleCheck", "GetConfig"} <= set(actions)


@BOTH
def test_asterisk_checks_with_restricted_user_name_the_missing_class(fake_ami):
    options = fake_ami.ami_options(AMI_USERNAME="crm", AMI_SECRET=fake_ami.server.users["crm"].secret)
    found = lines(check_asterisk(AsteriskRealtimeAPI(**options)))
    assert found[0] == "✓ AMI login OK (user crm)"  # CoreSettings refused: no version, no guess
    assert any(
        line.startswith("⚠ Module res_pjsip.so not checked: the AMI user lacks write class system") for line in found
    )
    assert any(
        line.startswith("⚠ sorcery.conf mappings not checked: the AMI user lacks write class system or config")
        for line in found
    )
    if connections["asterisk"].vendor == "postgresql":
        assert any(
            line.startswith("⚠ Asterisk's PostgreSQL connection not checked: the AMI user lacks write class command")
            for line in found
        )
    assert not any(line.startswith("✓ Module") for line in found)


def test_asterisk_down_is_an_error_not_a_crash():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    found = lines(
        check_asterisk(
            AsteriskRealtimeAPI(
                AMI_HOST="127.0.0.1", AMI_PORT=port, AMI_USERNAME="x", AMI_SECRET="y", AMI_CONNECT_TIMEOUT=1
            ),
            alias="asterisk",
        )
    )
    assert len(found) == 1 and found[0].startswith(f"✗ AMI unreachable at 127.0.0.1:{port}")


def test_wrong_secret_is_reported(fake_ami):
    found = lines(check_asterisk(AsteriskRealtimeAPI(**fake_ami.ami_options(AMI_SECRET="wrong")), alias="asterisk"))
    assert len(found) == 1 and found[0].startswith("✗ AMI login refused for user admin")


@BOTH
def test_run_validation_all_sections(fake_ami):
    results = run_validation(backend=AsteriskRealtimeAPI(**fake_ami.ami_options()))
    found = lines(results)
    assert found[0] == "✓ Database reachable (asterisk)"
    if connections[realtime_db_alias()].vendor == "sqlite":  # said right after the database line
        assert found.pop(1).startswith("✗ The realtime database is SQLite, and Asterisk's SQLite driver")
    assert found[1].startswith("✓ Realtime schema matches")
    assert found[2] == "✓ Realtime rows consistent (0 endpoints)"
    assert any(line.startswith("✓ AMI login OK") for line in found)
    assert all(isinstance(r, CheckResult) and r.status in ("ok", "warning", "error") for r in results)


@BOTH
def test_sqlite_realtime_is_an_error_with_the_way_to_postgresql(monkeypatch):
    from voip.diagnostics.checks import check_realtime_engine

    alias = realtime_db_alias()
    if connections[alias].vendor != "sqlite":
        assert check_realtime_engine(alias) == []
        monkeypatch.setattr(type(connections[alias]), "vendor", "sqlite")
    [result] = check_realtime_engine(alias)
    assert result.status == "error"
    assert result.message.startswith("The realtime database is SQLite, and Asterisk's SQLite driver")
    assert "DATABASE_URL=postgres://" in result.hint and "ASTERISK_DB_HOST" in result.hint
