"""``setup_asterisk_realtime --validate``: the checks of voip.diagnostics, one line each, ✗ → non-zero."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from voip.diagnostics.checks import run_validation

# No writes to ``default`` here, so both aliases can be used in every mode (SQLite included).
pytestmark = pytest.mark.django_db(databases=["default", "asterisk"])


def validate() -> tuple[str, str, bool]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("setup_asterisk_realtime", "--validate", stdout=out, stderr=err)
    except CommandError:
        return out.getvalue(), err.getvalue(), True
    return out.getvalue(), err.getvalue(), False


def test_validate_prints_every_check_and_fails_when_ami_is_down(ami_at, closed_port) -> None:
    ami_at(AMI_HOST="127.0.0.1", AMI_PORT=closed_port, AMI_CONNECT_TIMEOUT=0.5)
    out, err, failed = validate()
    expected = run_validation()
    assert any(r.status == "error" for r in expected)  # AMI unreachable is an error
    assert failed is True
    assert out.splitlines() == [r.line() for r in expected if r.status != "error"]
    assert err.splitlines() == [r.line() for r in expected if r.status == "error"]
    assert all(line.startswith("✗ ") for line in err.splitlines())
    assert out.splitlines()[0].startswith("✓ ")  # the database check passes


def test_validate_exit_status_follows_the_checks(fake_ami, ami_at) -> None:
    ami_at(**fake_ami.ami_options())
    out, err, failed = validate()
    expected = run_validation()
    assert failed == any(r.status == "error" for r in expected)
    printed = out.splitlines() + err.splitlines()
    assert sorted(printed) == sorted(r.line() for r in expected)
    assert all(line[0] in "✓⚠✗" for line in printed)
