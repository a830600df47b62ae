"""The code examples at the end of the user's guide (FIRST_RUN.ru.md, "Примеры использования"),
written into the test exactly as the guide has them, against the fake AMI server.

Example 1: a click-to-call view returning ``JsonResponse(api.originate_call(...))``.
Example 2: a ``post_save`` receiver on ``voip.models.CallLog`` records inbound calls.
Example 3: a ``user_logged_in`` receiver adds the agent to the ``support`` queue.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from tests.calls.ui_support import make_agent, voip_settings
from voip.backends.asteriskbackend import AsteriskRealtimeAPI

pytestmark = pytest.mark.django_db


def actions_named(server, name: str) -> list:
    deadline = time.monotonic() + 2
    while True:
        found = [a for a in server.actions if (a.get("Action") or "").lower() == name.lower()]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


@pytest.fixture
def guide_settings(settings, fake_ami):
    settings.VOIP = voip_settings(fake_ami.ami_options())
    return fake_ami


def test_example_1_click_to_call_view_as_written(rf, guide_settings):
    import json

    from django.http import JsonResponse

    from crm.models import Contact

    server = guide_settings.server
    agent = make_agent("ivan", "1001", first_name="Ivan", last_name="Petrov")
    contact = Contact.objects.create(first_name="Anna", last_name="Smirnova", phone="+7 (495) 123-45-67")

    # --- the guide's code, as written ---
    def make_call(request, contact_id):
        contact = Contact.objects.get(id=contact_id)
        user_extension = request.user.internal_number.number

        config = next(b for b in settings.VOIP if b["PROVIDER"] == "Asterisk")
        api = AsteriskRealtimeAPI(**config["OPTIONS"])

        result = api.originate_call(
            from_endpoint=user_extension,
            to_number=contact.phone,
            callerid=f'"{request.user.get_full_name()}" <{user_extension}>',
        )

        return JsonResponse(result)

    # ------------------------------------
    request = rf.post("/call/")
    request.user = agent
    response = make_call(request, contact.id)
    body = json.loads(response.content)
    assert response.status_code == 200 and body["queued"] is True and body["channel_id"]
    [originate] = actions_named(server, "Originate")
    assert originate.get("Channel") == "PJSIP/1001"
    assert originate.get("Exten") == "+74951234567"  # the number as typed, separators dropped
    assert originate.get("CallerID") == '"Ivan Petrov" <1001>'
    assert originate.get("ChannelId") == body["channel_id"]


def test_example_2_post_save_records_inbound_calls(guide_settings):
    from voip.models import CallLog

    server = guide_settings.server
    server.active_channels.add("PJSIP/1001-00000004")  # the inbound call's channel is up on the PBX

    # --- the guide's code, as written ---
    @receiver(post_save, sender=CallLog)
    def auto_record_call(sender, instance, created, **kwargs):
        if created and instance.direction == "inbound":
            config = next(b for b in settings.VOIP if b["PROVIDER"] == "Asterisk")
            api = AsteriskRealtimeAPI(**config["OPTIONS"])

            api.start_recording(channel=instance.session_id, filename=f"call-{instance.id}", format="wav")

    # ------------------------------------
    try:
        outbound = CallLog.objects.create(
            linkedid="out-1", session_id="PJSIP/1001-00000005", direction="outbound", started_at=timezone.now()
        )
        assert outbound.pk and actions_named(server, "MixMonitor") == []
        call = CallLog.objects.create(
            linkedid="1795816502.0",
            session_id="PJSIP/1001-00000004",
            direction="inbound",
            caller_number="+74951234567",
            started_at=timezone.now(),
        )
        [mixmonitor] = actions_named(server, "MixMonitor")
        assert mixmonitor.get("Channel") == "PJSIP/1001-00000004"
        # A name relative to Asterisk's own monitor directory, wherever Asterisk is installed.
        assert mixmonitor.get("File") == f"call-{call.id}.wav"
        assert server.mixmonitors  # the fake PBX is recording that channel
        call.disposition = "answered"
        call.save()  # an update is not "created": no second recording
        assert len(actions_named(server, "MixMonitor")) == 1
    finally:
        post_save.disconnect(auto_record_call, sender=CallLog)


def test_example_3_user_logged_in_adds_agent_to_queue(client, guide_settings):
    from django.contrib.auth.signals import user_logged_in

    server = guide_settings.server
    make_agent("dave", "1004", first_name="Dave", last_name="Brown")

    # --- the guide's code, as written ---
    @receiver(user_logged_in)
    def add_to_queue(sender, user, request, **kwargs):
        if hasattr(user, "internal_number"):
            config = next(b for b in settings.VOIP if b["PROVIDER"] == "Asterisk")
            api = AsteriskRealtimeAPI(**config["OPTIONS"])

            api.add_queue_member(
                queue="support", interface=f"PJSIP/{user.internal_number.number}", member_name=user.get_full_name()
            )

    # ------------------------------------
    try:
        response = client.post("/accounts/login/", {"username": "dave", "password": "pw-dave"})
        assert response.status_code == 302  # logged in
        [queue_add] = actions_named(server, "QueueAdd")
        assert queue_add.get("Queue") == "support"
        assert queue_add.get("Interface") == "PJSIP/1004"
        assert queue_add.get("MemberName") == "Dave Brown"
        assert server.queues["support"]["PJSIP/1004"] == "dynamic"
    finally:
        user_logged_in.disconnect(add_to_queue)


def test_example_3_skips_users_without_extension(client, guide_settings):
    from django.contrib.auth.signals import user_logged_in

    server = guide_settings.server
    make_agent("noext", extension=None)

    @receiver(user_logged_in)
    def add_to_queue(sender, user, request, **kwargs):
        if hasattr(user, "internal_number"):
            config = next(b for b in settings.VOIP if b["PROVIDER"] == "Asterisk")
            api = AsteriskRealtimeAPI(**config["OPTIONS"])
            api.add_queue_member(
                queue="support", interface=f"PJSIP/{user.internal_number.number}", member_name=user.get_full_name()
            )

    try:
        assert client.post("/accounts/login/", {"username": "noext", "password": "pw-noext"}).status_code == 302
        assert b"QueueAdd" not in bytes(server.received)
    finally:
        user_logged_in.disconnect(add_to_queue)


def _recipes_namespace() -> dict:
    """Run the Python blocks of docs/recipes.md, as a user would paste them into their app."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "recipes.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 2
    namespace: dict = {"__name__": "recipes_under_test"}
    for block in blocks:
        exec(compile(block, "docs/recipes.md", "exec"), namespace)
    return namespace


def _disconnect_recipes() -> None:
    from django.contrib.auth.signals import user_logged_in, user_logged_out

    from voip.models import CallLog

    post_save.disconnect(sender=CallLog, dispatch_uid="recipes.record_inbound_calls")
    user_logged_in.disconnect(dispatch_uid="recipes.join_support_queue")
    user_logged_out.disconnect(dispatch_uid="recipes.leave_support_queue")


def test_recipes_record_inbound_calls(guide_settings, django_capture_on_commit_callbacks):
    from voip.models import CallLog

    server = guide_settings.server
    server.active_channels.add("PJSIP/1004-00000009")
    recipes = _recipes_namespace()  # keeps the receivers alive (signals hold weak references)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            call = CallLog.objects.create(
                linkedid="in-9", session_id="PJSIP/1004-00000009", direction="inbound", started_at=timezone.now()
            )
        [mixmonitor] = actions_named(server, "MixMonitor")
        assert mixmonitor.get("Channel") == "PJSIP/1004-00000009"
        assert mixmonitor.get("File") == f"call-{call.id}.wav"
        # A channel that is already gone is logged, never a failed save.
        with django_capture_on_commit_callbacks(execute=True):
            CallLog.objects.create(
                linkedid="in-10", session_id="PJSIP/gone-1", direction="inbound", started_at=timezone.now()
            )
        assert len(actions_named(server, "MixMonitor")) == 2
        assert CallLog.objects.filter(linkedid="in-10").exists()
    finally:
        _disconnect_recipes()
        recipes.clear()


def test_recipes_queue_membership_follows_login(client, guide_settings):
    server = guide_settings.server
    make_agent("dave", "1004", first_name="Dave", last_name="Brown")
    recipes = _recipes_namespace()  # keeps the receivers alive (signals hold weak references)
    try:
        assert client.post("/accounts/login/", {"username": "dave", "password": "pw-dave"}).status_code == 302
        [queue_add] = actions_named(server, "QueueAdd")
        assert (queue_add.get("Queue"), queue_add.get("Interface")) == ("support", "PJSIP/1004")
        assert queue_add.get("MemberName") == "Dave Brown"
        assert server.queues["support"]["PJSIP/1004"] == "dynamic"
        # Logging in again while still a member ("Already there") must not break the login.
        second = client.post("/accounts/login/", {"username": "dave", "password": "pw-dave"})
        assert second.status_code == 302
        client.post("/accounts/logout/")
        [queue_remove] = actions_named(server, "QueueRemove")
        assert queue_remove.get("Interface") == "PJSIP/1004"
        assert "PJSIP/1004" not in server.queues["support"]
    finally:
        _disconnect_recipes()
        recipes.clear()
