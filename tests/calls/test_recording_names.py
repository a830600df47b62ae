"""Recordings live in Asterisk's own monitor directory, are stored relative to it and play from there.

MixMonitor resolves a relative name against ``<astspooldir>/monitor`` and reports the absolute path
in ``MIXMONITOR_FILENAME`` (transcript 07: ``/opt/asterisk/var/spool/asterisk/monitor/rt-test-….wav``,
an Asterisk installed under /opt/asterisk, not /var).
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.ami.transcripts import transcripts_available
from tests.calls.test_services_calls import agents, run  # noqa: F401  (fixture)
from tests.calls.test_tracker_transcripts import transcript_bytes
from tests.calls.ui_support import make_agent, make_call
from tests.fixtures_ami import FakeAMIHandle
from voip.backends.asteriskbackend import AsteriskRealtimeAPI
from voip.calls.models import CallLog
from voip.calls.recordings import recording_file_path, stored_recording_name

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not transcripts_available(), reason="../shared/asterisk/ami is absent"),
]

AUDIO = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(64))
FILE07 = "/opt/asterisk/var/spool/asterisk/monitor/rt-test-1795814561.11.wav"


@pytest.fixture
def root(settings, tmp_path):
    """RECORDINGS_ROOT is Asterisk's monitor directory as the CRM sees it; RECORDINGS_DIR as shipped."""
    root = tmp_path / "recordings"
    root.mkdir()
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "RECORDINGS_ROOT": str(root)}
    return root


def test_the_shipped_settings_leave_recordings_dir_empty() -> None:
    [asterisk] = [b for b in django_settings.VOIP if b["PROVIDER"] == "Asterisk"]
    assert asterisk["OPTIONS"]["RECORDINGS_DIR"] == ""


def test_by_default_mixmonitor_gets_a_name_relative_to_its_monitor_directory(fake_ami: FakeAMIHandle) -> None:
    [asterisk] = [b for b in django_settings.VOIP if b["PROVIDER"] == "Asterisk"]
    api = AsteriskRealtimeAPI(**{**asterisk["OPTIONS"], **fake_ami.ami_options()})
    call = api.originate_call("1001", "1003", wait=True, wait_timeout=3)
    assert call.response is not None
    recording = api.start_recording(call.response["Channel"], "call-7")
    [mixmonitor] = [a for a in fake_ami.server.actions if a.get("Action") == "MixMonitor"]
    assert mixmonitor.get("File") == recording.file == "call-7.wav"


def test_the_listener_stores_what_asterisk_reports_relative_to_its_monitor_directory(root, agents) -> None:  # noqa: F811
    run(transcript_bytes("07"))
    call = CallLog.objects.get(linkedid="1795814561.11")
    assert call.recording_file == "rt-test-1795814561.11.wav"
    (root / call.recording_file).write_bytes(AUDIO)
    assert recording_file_path(call.recording_file) == (root / "rt-test-1795814561.11.wav").resolve()


def test_a_path_outside_any_monitor_directory_is_kept_whole(agents) -> None:  # noqa: F811
    # Transcript 15: MixMonitor told to write /tmp/amirec-rec/crm-call-1.wav.
    run(transcript_bytes("15"))
    assert CallLog.objects.get(linkedid="1795815182.7").recording_file == "/tmp/amirec-rec/crm-call-1.wav"


@pytest.mark.parametrize(
    ("reported", "stored"),
    [
        (FILE07, "rt-test-1795814561.11.wav"),
        ("/var/spool/asterisk/monitor/call-7.wav", "call-7.wav"),
        ("/srv/pbx/spool/monitor/2026/11/call-8.wav", "2026/11/call-8.wav"),
        ("call-9.wav", "call-9.wav"),
        ("/tmp/elsewhere/call-10.wav", "/tmp/elsewhere/call-10.wav"),
        ("/var/spool/asterisk/monitor", "/var/spool/asterisk/monitor"),
        ("", ""),
    ],
)
def test_stored_names(reported: str, stored: str) -> None:
    assert stored_recording_name(reported) == stored


def test_with_recordings_dir_set_paths_are_stored_relative_to_it(settings) -> None:
    settings.VOIP = [{"PROVIDER": "Asterisk", "BACKEND": "x", "OPTIONS": {"RECORDINGS_DIR": "/mnt/recordings"}}]
    assert stored_recording_name("/mnt/recordings/2026/call-1.wav") == "2026/call-1.wav"
    assert stored_recording_name("/mnt/other/call-1.wav") == "/mnt/other/call-1.wav"


def test_rows_stored_with_the_old_absolute_default_still_play(client, root) -> None:
    (root / "call-3.wav").write_bytes(AUDIO)
    alice = make_agent()
    old = make_call("c-old", agent=alice, recording_file="/var/spool/asterisk/monitor/call-3.wav")
    relocated = make_call("c-opt", agent=alice, recording_file="/opt/asterisk/var/spool/asterisk/monitor/call-3.wav")
    client.force_login(alice)
    for call in (old, relocated):
        response = client.get(reverse("voip:recording", args=[call.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == AUDIO


@pytest.mark.parametrize(
    "name",
    [
        "/var/spool/asterisk/monitor/../../secret.txt",
        "/opt/monitor/../secret.txt",
        "/etc/passwd",
        "/var/spool/asterisk/monitor",
        "/var/spool/asterisk/monitor-other/call-3.wav",
    ],
)
def test_mapped_absolute_paths_stay_inside_the_root(root, name: str) -> None:
    (root.parent / "secret.txt").write_bytes(b"TOP SECRET")
    (root / "call-3.wav").write_bytes(AUDIO)
    assert recording_file_path(name) is None
