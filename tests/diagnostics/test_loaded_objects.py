"""``--validate`` compares what Asterisk has loaded with the realtime rows, from real Asterisk bytes.

The transcripts in ``tests/diagnostics/transcripts`` were recorded from a private Asterisk 22.10.1
(built by ../shared/asterisk/src/build.sh) configured by ``setup_asterisk_realtime --write-config``:

* 01: realtime on Django's SQLite file (res_config_sqlite3): the rows for transport-udp,
  transport-tcp, endpoints 1000 and 1001 were there, and Asterisk listed nothing;
* 02: the same rows on PostgreSQL: everything listed;
* 03: PostgreSQL plus a transport on an address already bound: Asterisk does not list it
  (only ``pjsip show transports`` recorded; the endpoints are 02's).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from tests.fixtures_ami import FakeAMIHandle
from voip.asterisk_config.writer import MOVE_TO_POSTGRESQL
from voip.backends.asteriskbackend import AsteriskRealtimeAPI
from voip.diagnostics.checks import CheckResult, check_asterisk, check_loaded_objects, loaded_transports
from voip.realtime.models import PsEndpoint, PsTransport
from voip.realtime.router import realtime_db_alias

pytestmark = pytest.mark.django_db(databases=["default", "asterisk"])

TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"
SQLITE_RECORDING = TRANSCRIPTS / "01-sqlite-realtime-nothing-listed.txt"
POSTGRES_RECORDING = TRANSCRIPTS / "02-postgresql-realtime-all-listed.txt"
CLASH_RECORDING = TRANSCRIPTS / "03-postgresql-realtime-transport-not-bound.txt"


def store(endpoints: list[str], transports: dict[str, tuple[str, str]]) -> None:
    alias = realtime_db_alias()
    for endpoint_id in endpoints:
        PsEndpoint.objects.using(alias).create(id=endpoint_id, context="from-internal", transport="transport-udp")
    for transport_id, (protocol, bind) in transports.items():
        PsTransport.objects.using(alias).create(id=transport_id, protocol=protocol, bind=bind)


RECORDED_TRANSPORTS = {"transport-udp": ("udp", "127.0.0.1:25060"), "transport-tcp": ("tcp", "127.0.0.1:25060")}


@pytest.fixture
def client_for(fake_ami: FakeAMIHandle) -> Iterator:
    """A backend on the fake server replaying the recordings (later ones answer first), in one session."""
    backends: list[AsteriskRealtimeAPI] = []

    def connect(*recordings: Path, **overrides: str) -> AsteriskRealtimeAPI:
        for recording in recordings:
            fake_ami.server.replay_transcript(recording)
        backend = AsteriskRealtimeAPI(**fake_ami.ami_options(**overrides))
        backends.append(backend)
        return backend

    yield connect
    for backend in backends:
        backend.close()


def lines(results: list[CheckResult]) -> list[str]:
    return [result.line() for result in results]


def test_everything_listed(client_for) -> None:
    store(["1000", "1001"], RECORDED_TRANSPORTS)
    assert lines(check_loaded_objects(client_for(POSTGRES_RECORDING))) == [
        "✓ Asterisk lists every endpoint in ps_endpoints (2)",
        "✓ Asterisk lists every transport in ps_transports (transport-tcp, transport-udp)",
    ]


def test_sqlite_realtime_lists_nothing(client_for) -> None:
    store(["1000", "1001"], RECORDED_TRANSPORTS)
    results = check_loaded_objects(client_for(SQLITE_RECORDING))
    assert [r.status for r in results] == ["error", "error", "error"]
    assert results[0].message == (
        "Asterisk lists 0 of the 2 endpoints in ps_endpoints (PJSIPShowEndpoints); not loaded: 1000, 1001"
    )
    assert [r.message for r in results[1:]] == [
        "Transport transport-tcp (tcp 127.0.0.1:25060) is in ps_transports but Asterisk does not list it"
        " (pjsip show transports)",
        "Transport transport-udp (udp 127.0.0.1:25060) is in ps_transports but Asterisk does not list it"
        " (pjsip show transports)",
    ]
    if connections[realtime_db_alias()].vendor == "sqlite":
        assert all(r.hint == MOVE_TO_POSTGRESQL for r in results)


def test_an_endpoint_asterisk_does_not_list(client_for) -> None:
    store(["1000", "1001", "1002"], RECORDED_TRANSPORTS)
    results = check_loaded_objects(client_for(POSTGRES_RECORDING))
    assert results[0].status == "error"
    assert results[0].message == (
        "Asterisk lists 2 of the 3 endpoints in ps_endpoints (PJSIPShowEndpoints); not loaded: 1002"
    )


def test_an_endpoint_that_is_not_in_the_database(client_for) -> None:
    store(["1000"], RECORDED_TRANSPORTS)
    results = check_loaded_objects(client_for(POSTGRES_RECORDING))
    assert lines(results)[:2] == [
        "✓ Asterisk lists every endpoint in ps_endpoints (1)",
        "⚠ Asterisk lists endpoints that are not in ps_endpoints: 1001"
        " — hint: they come from another source (pjsip.conf?); the CRM does not manage them",
    ]


def test_a_transport_that_could_not_bind(client_for) -> None:
    store(["1000", "1001"], {**RECORDED_TRANSPORTS, "transport-clash": ("udp", "127.0.0.1:25060")})
    results = check_loaded_objects(client_for(POSTGRES_RECORDING, CLASH_RECORDING))
    assert [r.status for r in results] == ["ok", "error"]
    assert results[1].message == (
        "Transport transport-clash (udp 127.0.0.1:25060) is in ps_transports but Asterisk does not list it"
        " (pjsip show transports)"
    )


def test_a_user_without_the_classes_gets_warnings_not_guesses(client_for, fake_ami: FakeAMIHandle) -> None:
    store(["1000"], RECORDED_TRANSPORTS)
    client = client_for(POSTGRES_RECORDING, AMI_USERNAME="crm", AMI_SECRET=fake_ami.server.users["crm"].secret)
    assert [r.line().split(" — ")[0] for r in check_loaded_objects(client)] == [
        "⚠ Endpoints loaded by Asterisk not checked: the AMI user lacks write class system",
        "⚠ Transports loaded by Asterisk not checked: the AMI user lacks write class command",
    ]


def test_validate_runs_the_comparison(fake_ami: FakeAMIHandle) -> None:
    store(["1000", "1001", "1002"], RECORDED_TRANSPORTS)
    fake_ami.server.replay_transcript(POSTGRES_RECORDING)
    found = lines(check_asterisk(AsteriskRealtimeAPI(**fake_ami.ami_options())))
    assert any(line.startswith("✗ Asterisk lists 2 of the 3 endpoints in ps_endpoints") for line in found)
    assert "✓ Asterisk lists every transport in ps_transports (transport-tcp, transport-udp)" in found


def test_cli_transport_listing_is_parsed() -> None:
    from tests.ami.transcripts import parse_file
    from voip.ami.protocol import AMIParser
    from voip.ami.session import command_output

    [session] = parse_file(POSTGRES_RECORDING)
    [(_, received)] = [(sent, rec) for sent, rec in session.exchanges() if b"pjsip show transports" in sent]
    [reply] = AMIParser(expect_greeting=False).feed(b"".join(received))
    assert loaded_transports(command_output(reply)) == {
        "transport-tcp": "tcp 127.0.0.1:25060",
        "transport-udp": "udp 127.0.0.1:25060",
    }
    assert loaded_transports("No objects found.\n") == {}
