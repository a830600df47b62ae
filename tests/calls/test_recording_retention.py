"""Recordings kept as long as the policy says: files, references and a log of every deletion."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from voip.calls.models import CallLog, RecordingDeletion
from voip.calls.retention import recordings_purge

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def root(tmp_path, settings):
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "RECORDINGS_ROOT": str(tmp_path)}
    return tmp_path


def _call(root, name: str, *, days_ago: int, queue: str = "", with_file: bool = True) -> CallLog:
    if with_file:
        (root / name).write_bytes(b"RIFF")
    return CallLog.objects.create(
        linkedid=name,
        direction="inbound",
        started_at=NOW - dt.timedelta(days=days_ago),
        recording_file=name,
        queue=queue,
    )


def _policy(settings, days=None, by_queue=None):
    settings.VOIP_CALLS = {
        **settings.VOIP_CALLS,
        "RECORDING_RETENTION_DAYS": days,
        "RECORDING_RETENTION_BY_QUEUE": by_queue or {},
    }


def test_the_policy_deletes_old_files_and_references_and_logs_each(root, settings):
    _policy(settings, days=90, by_queue={"support": 30})
    old = _call(root, "old.wav", days_ago=91)
    recent = _call(root, "recent.wav", days_ago=89)
    support_old = _call(root, "support-old.wav", days_ago=31, queue="support")
    support_recent = _call(root, "support-recent.wav", days_ago=29, queue="support")
    gone = _call(root, "gone.wav", days_ago=200, with_file=False)

    dry = recordings_purge(now=NOW, dry_run=True)
    assert sorted(dry.linkedids) == ["gone.wav", "old.wav", "support-old.wav"]
    assert (root / "old.wav").exists() and not RecordingDeletion.objects.exists()  # a dry run deletes nothing

    result = recordings_purge(now=NOW)
    assert (result.calls, result.files_deleted) == (3, 2)
    assert not (root / "old.wav").exists() and not (root / "support-old.wav").exists()
    assert (root / "recent.wav").exists() and (root / "support-recent.wav").exists()
    for call in (old, support_old, gone):
        call.refresh_from_db()
        assert call.recording_file == ""
    for call in (recent, support_recent):
        call.refresh_from_db()
        assert call.recording_file
    log = {row.linkedid: row for row in RecordingDeletion.objects.all()}
    assert set(log) == {"old.wav", "support-old.wav", "gone.wav"}
    assert log["gone.wav"].file_found is False and log["old.wav"].reason == "retention"
    assert recordings_purge(now=NOW).calls == 0  # nothing twice


def test_a_queue_can_keep_longer_than_the_global_period(root, settings):
    _policy(settings, days=30, by_queue={"sales": 365})
    _call(root, "sales.wav", days_ago=100, queue="sales")
    _call(root, "other.wav", days_ago=100)
    assert recordings_purge(now=NOW).linkedids == ["other.wav"]


def test_no_policy_keeps_everything_and_a_bad_one_is_refused(root, settings, capsys):
    _policy(settings)
    _call(root, "ancient.wav", days_ago=3000)
    call_command("purge_recordings")
    assert "every recording is kept" in capsys.readouterr().out
    assert (root / "ancient.wav").exists()
    _policy(settings, days=0)
    with pytest.raises(ImproperlyConfigured):
        recordings_purge(now=NOW)


def test_the_command_reports_what_it_did(root, settings, capsys):
    _policy(settings, days=1)
    call = _call(root, "x.wav", days_ago=2)
    CallLog.objects.filter(pk=call.pk).update(started_at=timezone.now() - dt.timedelta(days=2))
    call_command("purge_recordings", "--dry-run")
    assert "would delete the recording of call x.wav" in capsys.readouterr().out
    call_command("purge_recordings")
    assert "1 recording(s) deleted (1 file(s) removed)" in capsys.readouterr().out


def test_a_pbx_admin_deletes_a_recording_on_request(root, client):
    call = _call(root, "asked.wav", days_ago=1)
    supervisor = get_user_model().objects.create_user("boss", is_staff=True)
    supervisor.groups.add(Group.objects.get(name="Supervisors"))
    changelist = reverse("admin:calls_calllog_changelist")
    client.force_login(supervisor)  # may listen, may not delete
    client.post(changelist, {"action": "delete_recordings", "_selected_action": [call.pk]})
    assert (root / "asked.wav").exists()

    admin = get_user_model().objects.create_user("pbx", is_staff=True)
    admin.groups.add(Group.objects.get(name="PBX admins"))
    client.force_login(admin)
    client.post(changelist, {"action": "delete_recordings", "_selected_action": [call.pk]})
    assert not (root / "asked.wav").exists()
    deletion = RecordingDeletion.objects.get()
    assert (deletion.reason, deletion.deleted_by, deletion.recording_file) == ("request", admin, "asked.wav")
    listed = client.get(reverse("admin:calls_recordingdeletion_changelist"))
    assert listed.status_code == 200 and "asked.wav" in listed.content.decode()
