"""An interrupted ``--provision-users`` loses no password, and its rerun repairs what it left."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import os
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connections

from tests.provisioning.conftest import DATABASES
from voip.diagnostics.checks import check_rows
from voip.models import InternalNumber, PsAor, PsAuth, PsEndpoint
from voip.provisioning import services
from voip.realtime.models import UnconfirmedExtension
from voip.realtime.router import realtime_db_alias, realtime_db_is_separate

REPO_ROOT = Path(__file__).resolve().parents[2]


def rt(model):
    return model.objects.using(realtime_db_alias())


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def _assert_passwords_match(rows: list[dict[str, str]]) -> None:
    for row in rows:
        auth = rt(PsAuth).get(id=row["extension"])
        assert auth.md5_cred == hashlib.md5(f"{row['extension']}:asterisk:{row['password']}".encode()).hexdigest()


@pytest.mark.django_db(databases=DATABASES, transaction=True)
def test_each_committed_batch_is_in_the_passwords_file_before_the_next_starts(make_user, tmp_path, monkeypatch):
    users = [make_user(f"u{i}") for i in range(5)]
    monkeypatch.setattr(services, "provision_users", functools.partial(services.provision_users, batch_size=2))
    real_batch = services._provision_batch
    batches = iter(range(100))

    def second_batch_fails(*args, **kwargs):
        if next(batches) == 1:
            raise DatabaseError("connection lost")  # what a dying database or a kill looks like here
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(services, "_provision_batch", second_batch_fails)
    target = tmp_path / "passwords.csv"
    with pytest.raises(CommandError):
        call_command(
            "setup_asterisk_realtime", "--provision-users", "--passwords-file", str(target), stderr=io.StringIO()
        )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    first = _rows(target)
    assert sorted(r["username"] for r in first) == ["u0", "u1"]  # batch 1 was committed: its passwords are kept
    _assert_passwords_match(first)

    monkeypatch.setattr(services, "_provision_batch", real_batch)
    call_command("setup_asterisk_realtime", "--provision-users", "--passwords-file", str(target), stdout=io.StringIO())
    rows = _rows(target)
    assert sorted(r["username"] for r in rows) == sorted(u.username for u in users)  # appended, one header
    assert target.read_text(encoding="utf-8").count("username,extension,password") == 1
    _assert_passwords_match(rows)


@pytest.mark.django_db(databases=DATABASES, transaction=True)
def test_an_unwritable_passwords_file_provisions_nobody(make_user, tmp_path):
    make_user("ann")
    with pytest.raises(CommandError):
        call_command(
            "setup_asterisk_realtime",
            "--provision-users",
            "--passwords-file",
            str(tmp_path / "missing" / "p.csv"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not InternalNumber.objects.exists() and not rt(PsEndpoint).exists()


def _database_url(alias: str) -> str:
    params = connections[alias].settings_dict
    user = quote(params.get("USER") or "")
    password = quote(params.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port, name = params.get("HOST") or "", params.get("PORT") or "", params["NAME"]
    if host.startswith("/"):
        return f"postgres://{credentials}/{name}?host={host}" + (f"&port={port}" if port else "")
    return f"postgres://{credentials}{host}{':' + str(port) if port else ''}/{name}"


# Run by a subprocess against the test databases: batches of 2, and the process dies (os._exit)
# the moment batch 2's realtime transaction commits, before its CRM transaction does.
KILLED_RUN = """
import functools, os, sys
import django
django.setup()
from django.core.management import call_command
from django.db import transaction
from voip.provisioning import numbering, services

services.provision_users = functools.partial(services.provision_users, batch_size=2)
real_lock = numbering.lock_number_space
locks = []

def lock_and_die_after_the_second_realtime_commit(using):
    real_lock(using)
    locks.append(using)
    if len(locks) == 2:
        transaction.on_commit(lambda: os._exit(9), using=using)

numbering.lock_number_space = lock_and_die_after_the_second_realtime_commit
call_command("setup_asterisk_realtime", "--provision-users", "--passwords-file", sys.argv[1])
"""


@pytest.mark.skipif(
    not realtime_db_is_separate() or connections["default"].vendor != "postgresql",
    reason="Option B only: with one database both writes are one transaction, so a kill cannot split them",
)
@pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)
def test_a_kill_between_the_two_commits_is_reported_and_repaired_by_the_rerun(tmp_path):
    User = get_user_model()
    for i in range(5):
        User.objects.create(username=f"k{i}")
    target = tmp_path / "passwords.csv"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TEST_", "ASTERISK_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_database_url("default"),
        ASTERISK_DATABASE_URL=_database_url("asterisk"),
        ASTERISK_AMI_PORT="1",  # nothing listens: the PJSIP reload just stays pending
    )
    connections.close_all()
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, str(target)], cwd=REPO_ROOT, env=env, capture_output=True, timeout=120
    )
    assert killed.returncode == 9, killed.stderr.decode()

    # What the kill left: batch 2's realtime rows without a CRM row, and only batch 1's passwords.
    assert rt(PsEndpoint).count() == 4 and rt(PsAuth).count() == 4 and rt(PsAor).count() == 4
    assert InternalNumber.objects.count() == 2
    assert sorted(r["username"] for r in _rows(target)) == ["k0", "k1"]
    orphans = sorted(
        set(rt(PsEndpoint).values_list("id", flat=True))
        - set(InternalNumber.objects.values_list("endpoint_id", flat=True))
    )
    assert len(orphans) == 2
    reported = [r.message for r in check_rows() if "has no CRM user" in r.message]
    assert reported == [
        f"Endpoint {e} has no CRM user: a provisioning run was interrupted after creating it" for e in orphans
    ]

    # The rerun, a while later (the unconfirmed rows are past the grace period).
    rt(UnconfirmedExtension).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    out = io.StringIO()
    call_command("setup_asterisk_realtime", "--provision-users", "--passwords-file", str(target), stdout=out)
    assert f"⚠ Removed 2 extensions an interrupted run had left without a user ({', '.join(orphans)})" in out.getvalue()
    assert rt(PsEndpoint).count() == 5 == InternalNumber.objects.count()  # one endpoint per user, none orphaned
    assert set(rt(PsEndpoint).values_list("id", flat=True)) == set(
        InternalNumber.objects.values_list("endpoint_id", flat=True)
    )
    assert not rt(UnconfirmedExtension).exists()
    rows = _rows(target)
    assert sorted(r["username"] for r in rows) == [f"k{i}" for i in range(5)]
    _assert_passwords_match(rows)
    assert not [r for r in check_rows() if "has no CRM user" in r.message]


@pytest.mark.skipif(not realtime_db_is_separate(), reason="Option B only (no unconfirmed rows with one database)")
@pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)
def test_a_young_unconfirmed_row_is_left_to_the_run_that_may_still_be_committing(make_user):
    rt(PsEndpoint).create(id="1500", aors="1500", auth="1500")
    rt(UnconfirmedExtension).create(endpoint_id="1500", user_id=1, created_at=dt.datetime.now(dt.UTC))
    make_user("late")
    summary = services.provision_users(get_user_model().objects.filter(username="late"))
    assert summary.repaired == [] and rt(PsEndpoint).filter(id="1500").exists()


@pytest.mark.django_db(databases=DATABASES, transaction=True)
def test_a_passwords_file_that_cannot_be_written_stops_before_the_next_batch(make_user, tmp_path, monkeypatch):
    for i in range(5):
        make_user(f"d{i}")
    monkeypatch.setattr(services, "provision_users", functools.partial(services.provision_users, batch_size=2))

    def disk_full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "setup_asterisk_realtime",
            "--provision-users",
            "--passwords-file",
            str(tmp_path / "p.csv"),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "provisioning stopped: [Errno 28] No space left on device" in err.getvalue()
    assert InternalNumber.objects.count() == 2  # the first batch only: no further password was made and lost
