"""``manage.py pbx``: --dry-run prints the difference and writes nothing; export prints the file."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from tests.pbx.conftest import DATABASES, FILES, run_pbx, sent, snapshot
from tests.pbx.test_errors import everything
from voip.pbx.services import pbx_apply

pytestmark = pytest.mark.django_db(databases=DATABASES, transaction=True)

SAMPLE = (FILES / "issue-sample.yaml").read_text()


def test_dry_run_prints_every_change_with_the_secret_masked_and_writes_nothing(
    users, pbx_ami, pbx_file, monkeypatch
) -> None:
    monkeypatch.setenv("CARRIER1_PASSWORD", "s3cret")
    before = everything()
    out, _err = run_pbx("apply", "--dry-run", pbx_file(SAMPLE))
    assert everything() == before
    assert sent(pbx_ami) == []
    assert "s3cret" not in out
    assert out.splitlines() == [
        "create extensions[1000]",
        '    number: "1000"',
        '    user: "ivanov"',
        "create extensions[1001]",
        '    number: "1001"',
        '    user: "petrova"',
        "create trunks[carrier1]",
        '    name: "carrier1"',
        '    host: "127.0.0.2:5060"',
        '    username: "acme"',
        "    password: ********",
        "    register: true",
        '    match: ["127.0.0.2"]',
        '    codecs: ["ulaw", "alaw"]',
        "    max_channels: 10",
        "create outbound_routes[national]",
        '    name: "national"',
        '    patterns: ["8XXXXXXXXXX", "+7XXXXXXXXXX"]',
        '    trunks: ["carrier1"]',
        '    caller_id: "+74951234567"',
        "create inbound_routes[carrier1:+74951234567]",
        '    did: "+74951234567"',
        '    trunk: "carrier1"',
        '    destination: {extension: "1001"}',
        "create inbound_routes[carrier1:any]",
        '    did: "any"',
        '    trunk: "carrier1"',
        '    destination: {contact_owner: {timeout: 20, fallback: {extension: "1000"}}}',
        "6 change(s) planned; nothing was written (--dry-run)",
    ]


def test_dry_run_of_a_change_shows_the_field_diff(users, pbx_ami, pbx_file) -> None:
    pbx_apply(text=SAMPLE, environ={"CARRIER1_PASSWORD": "s3cret"})
    before = everything()
    changed = SAMPLE.replace("max_channels: 10", "max_channels: 20").replace('caller_id: "+74951234567"', "")
    changed = changed.replace("${env:CARRIER1_PASSWORD}", "an0ther")
    out, _err = run_pbx("apply", "--dry-run", pbx_file(changed))
    assert everything() == before
    assert out.splitlines() == [
        "update trunks[carrier1]",
        "    password: ******** (changed)",
        "    max_channels: 10 -> 20",
        "update outbound_routes[national]",
        '    caller_id: "+74951234567" -> ""',
        "2 change(s) planned; nothing was written (--dry-run)",
    ]
    assert "an0ther" not in out


def test_export_writes_the_file_and_apply_reads_it_back_from_standard_input(users, pbx_ami, tmp_path, monkeypatch):
    pbx_apply(text=SAMPLE, environ={"CARRIER1_PASSWORD": "s3cret"})
    target = tmp_path / "pbx.yaml"
    run_pbx("export", "--output", str(target))
    text = target.read_text()
    assert text.startswith("# The PBX as code") and "s3cret" not in text
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    before = snapshot()
    out, _err = run_pbx("apply", "-")
    assert out.strip() == "no changes: the PBX already matches the file"
    assert snapshot() == before


def test_a_file_of_another_format_version_is_refused(db, pbx_file) -> None:
    with pytest.raises(CommandError):
        run_pbx("apply", pbx_file("version: 2\nextensions: []\n"))


def test_a_missing_file_is_a_clear_error(db) -> None:
    with pytest.raises(CommandError, match=r"cannot read /nonexistent/pbx\.yaml"):
        run_pbx("apply", "/nonexistent/pbx.yaml")
