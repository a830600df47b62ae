"""``voip:recording``: permission first, then a file strictly inside RECORDINGS_ROOT."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from tests.calls.ui_support import make_agent, make_call, make_supervisor, make_user
from voip.calls.selectors import recording_path

pytestmark = pytest.mark.django_db

AUDIO = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200))


@pytest.fixture
def root(settings, tmp_path):
    root = tmp_path / "recordings"
    root.mkdir()
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "RECORDINGS_ROOT": str(root)}
    settings.VOIP = [
        {"PROVIDER": "Asterisk", "BACKEND": "x", "OPTIONS": {"RECORDINGS_DIR": "/var/spool/asterisk/monitor"}}
    ]
    (root / "call-1.wav").write_bytes(AUDIO)
    (tmp_path / "secret.txt").write_bytes(b"TOP SECRET")
    return root


def url(call) -> str:
    return reverse("voip:recording", args=[call.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_agent_hears_own_recording(client, root):
    alice = make_agent()
    call = make_call("c1", agent=alice, recording_file="call-1.wav")
    client.force_login(alice)
    response = client.get(url(call))
    assert response.status_code == 200
    assert body(response) == AUDIO
    assert response["Content-Type"] == "audio/wav"
    assert response["Cache-Control"] == "private, no-store"


def test_absolute_asterisk_path_maps_to_root(client, root):
    (root / "2026" / "11").mkdir(parents=True)
    (root / "2026" / "11" / "call-2.wav").write_bytes(AUDIO)
    alice = make_agent()
    call = make_call("c2", agent=alice, recording_file="/var/spool/asterisk/monitor/2026/11/call-2.wav")
    client.force_login(alice)
    response = client.get(url(call))
    assert response.status_code == 200
    assert body(response) == AUDIO


def test_other_agents_call_is_403_even_without_file(client, root):
    alice = make_agent()
    bob = make_agent("bob", "1003")
    theirs = make_call("c-bob", agent=bob, recording_file="call-1.wav")
    no_file = make_call("c-bob2", agent=bob, recording_file="missing.wav")
    client.force_login(alice)
    assert client.get(url(theirs)).status_code == 403
    assert client.get(url(no_file)).status_code == 403


def test_view_all_calls_alone_does_not_grant_listening(client, root):
    bob = make_agent("bob", "1003")
    call = make_call("c-bob", agent=bob, recording_file="call-1.wav")
    client.force_login(make_user("viewer", "voip.view_all_calls"))
    assert client.get(url(call)).status_code == 403


def test_supervisor_hears_all(client, root):
    bob = make_agent("bob", "1003")
    call = make_call("c-bob", agent=bob, recording_file="call-1.wav")
    client.force_login(make_supervisor())
    response = client.get(url(call))
    assert response.status_code == 200
    assert body(response) == AUDIO


def test_anonymous_is_sent_to_login(client, root):
    call = make_call("c1", agent=make_agent(), recording_file="call-1.wav")
    response = client.get(url(call))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_missing_file_and_unknown_call_are_404(client, root):
    alice = make_agent()
    client.force_login(alice)
    assert client.get(url(make_call("c1", agent=alice, recording_file="nope.wav"))).status_code == 404
    assert client.get(url(make_call("c2", agent=alice, recording_file=""))).status_code == 404
    assert client.get(reverse("voip:recording", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "../secret.txt",
        "sub/../../secret.txt",
        "/var/spool/asterisk/monitor/../../../../secret.txt",
        "/var/spool/asterisk/monitor/../secret.txt",
        "/etc/passwd",
        "/var/spool/asterisk/monitor-other/call-1.wav",
        "..\\secret.txt",
        ".",
        "/var/spool/asterisk/monitor",
    ],
)
def test_path_traversal_is_impossible(client, root, name):
    alice = make_agent()
    call = make_call("c1", agent=alice, recording_file=name)
    client.force_login(alice)
    response = client.get(url(call))
    assert response.status_code == 404
    assert b"TOP SECRET" not in body(response)
    assert recording_path(call) is None


def test_nul_byte_names_are_refused(root):
    from voip.calls.models import CallLog

    assert recording_path(CallLog(recording_file="call-1.wav")) == root.resolve() / "call-1.wav"
    assert recording_path(CallLog(recording_file="call-1.wav\x00.txt")) is None


def test_symlink_out_of_root_is_refused(client, root):
    os.symlink(root.parent / "secret.txt", root / "link.wav")
    alice = make_agent()
    call = make_call("c1", agent=alice, recording_file="link.wav")
    client.force_login(alice)
    assert client.get(url(call)).status_code == 404


def test_range_requests(client, root):
    alice = make_agent()
    call = make_call("c1", agent=alice, recording_file="call-1.wav")
    client.force_login(alice)
    response = client.get(url(call), HTTP_RANGE="bytes=4-11")
    assert response.status_code == 206
    assert body(response) == AUDIO[4:12]
    assert response["Content-Range"] == f"bytes 4-11/{len(AUDIO)}"
    tail = client.get(url(call), HTTP_RANGE="bytes=-10")
    assert tail.status_code == 206 and body(tail) == AUDIO[-10:]
    bad = client.get(url(call), HTTP_RANGE=f"bytes={len(AUDIO) + 5}-")
    assert bad.status_code == 416


def test_post_is_refused(client, root):
    alice = make_agent()
    call = make_call("c1", agent=alice, recording_file="call-1.wav")
    client.force_login(alice)
    assert client.post(url(call)).status_code == 405
