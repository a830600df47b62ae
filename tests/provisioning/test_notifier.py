"""The notifier: what each change makes Asterisk do, once, after commit; queued when AMI is down."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.provisioning.conftest import DATABASES
from voip.provisioning import notifier, services
from voip.provisioning.models import PendingAsteriskAction
from voip.provisioning.notifier import AmiAction, Change, Changed, ObjectType, plan_actions
from voip.realtime.router import realtime_db_alias

# Real commits: the notifier acts in transaction.on_commit, which a test wrapped in a transaction never reaches.
pytestmark = pytest.mark.django_db(databases=DATABASES, transaction=True)

SENT = ("Reload", "SorceryMemoryCacheExpireObject", "SorceryMemoryCacheExpire", "Command")


def sent(fake_ami) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    return [
        (a.get("Action"), tuple((k, v) for k, v in a.headers if k not in ("Action", "ActionID")))
        for a in fake_ami.server.actions
        if a.get("Action") in SENT
    ]


@pytest.fixture
def cache_on(settings):
    settings.VOIP_ASTERISK_CONFIG = {**settings.VOIP_ASTERISK_CONFIG, "SORCERY_MEMORY_CACHE": True}


@pytest.fixture
def pbx(fake_ami, ami_at, provisioning):
    provisioning(QUALIFY_FREQUENCY=60)
    ami_at(**fake_ami.ami_options())
    fake_ami.server.sorcery_caches.update({"crm_endpoint", "crm_aor", "crm_auth"})
    return fake_ami


def test_without_the_cache_an_endpoint_change_sends_nothing(pbx) -> None:
    endpoint_id = services.create_test_endpoint().endpoint_id
    services.update_extension(endpoint_id, name="New Name")
    services.disable_extension(endpoint_id)
    services.reset_password(endpoint_id)
    services.delete_extension(endpoint_id)
    assert sent(pbx) == []  # realtime is read on every lookup


def test_with_the_cache_an_update_expires_that_endpoint_once_after_commit(pbx, cache_on) -> None:
    endpoint_id = services.create_test_endpoint().endpoint_id
    assert sent(pbx) == []  # a new object was never cached: nothing to expire
    with transaction.atomic(using=realtime_db_alias()):
        services.update_extension(endpoint_id, name="New Name")
        services.update_extension(endpoint_id, context="elsewhere")
        assert sent(pbx) == []  # not before the commit
    assert sent(pbx) == [("SorceryMemoryCacheExpireObject", (("Cache", "crm_endpoint"), ("Object", endpoint_id)))]


def test_a_rolled_back_change_sends_nothing(pbx, cache_on) -> None:
    endpoint_id = services.create_test_endpoint().endpoint_id
    with pytest.raises(RuntimeError), transaction.atomic(using=realtime_db_alias()):
        services.update_extension(endpoint_id, name="Never Saved")
        raise RuntimeError("rolled back")
    assert sent(pbx) == []
    assert not PendingAsteriskAction.objects.exists()


def test_disable_and_password_reset_expire_their_objects(pbx, cache_on) -> None:
    endpoint_id = services.create_test_endpoint().endpoint_id
    services.disable_extension(endpoint_id)
    services.reset_password(endpoint_id)
    assert sent(pbx) == [
        ("SorceryMemoryCacheExpireObject", (("Cache", "crm_aor"), ("Object", endpoint_id))),
        ("SorceryMemoryCacheExpireObject", (("Cache", "crm_endpoint"), ("Object", endpoint_id))),
        ("SorceryMemoryCacheExpireObject", (("Cache", "crm_auth"), ("Object", endpoint_id))),
    ]


def test_ami_down_queues_the_expiry_and_the_next_notification_sends_it(
    pbx, cache_on, ami_at, closed_port, provisioning
) -> None:
    endpoint_id = services.create_test_endpoint().endpoint_id
    ami_at(AMI_PORT=closed_port, AMI_CONNECT_TIMEOUT=0.5)
    services.update_extension(endpoint_id, name="While Down")  # saved even though Asterisk was not told
    [row] = PendingAsteriskAction.objects.all()
    assert (row.action, row.headers) == (
        "SorceryMemoryCacheExpireObject",
        [["Cache", "crm_endpoint"], ["Object", endpoint_id]],
    )
    assert "refused" in row.last_error and row.reason == f"endpoint {endpoint_id} updated"
    services.update_extension(endpoint_id, name="Still Down")
    assert PendingAsteriskAction.objects.get().attempts == 2  # one row, retried
    ami_at(**pbx.ami_options())
    other = services.create_test_endpoint().endpoint_id  # the next notification sends what is pending
    assert other != endpoint_id
    assert sent(pbx) == [("SorceryMemoryCacheExpireObject", (("Cache", "crm_endpoint"), ("Object", endpoint_id)))]
    assert not PendingAsteriskAction.objects.exists()


def test_retry_pending_sends_the_queue(pbx, cache_on, ami_at, closed_port) -> None:
    endpoint_id = services.create_test_endpoint().endpoint_id
    ami_at(AMI_PORT=closed_port, AMI_CONNECT_TIMEOUT=0.5)
    services.delete_extension(endpoint_id)
    assert PendingAsteriskAction.objects.count() == 3  # endpoint, auth, aor
    ami_at(**pbx.ami_options())
    outcome = notifier.retry_pending()
    assert outcome.queued == [] and len(outcome.sent) == 3
    assert {headers for _name, headers in sent(pbx)} == {
        (("Cache", cache), ("Object", endpoint_id)) for cache in ("crm_endpoint", "crm_auth", "crm_aor")
    }
    assert not PendingAsteriskAction.objects.exists()


def test_bulk_provisioning_sends_one_reload_for_every_batch(pbx, make_user, provisioning) -> None:
    provisioning(QUALIFY_FREQUENCY=0)
    users = [make_user() for _ in range(25)]
    summary = services.provision_users(users, batch_size=10)  # three transactions
    assert len(summary.created) == 25 and summary.pjsip_reload_pending is False
    assert sent(pbx) == [("Reload", (("Module", "res_pjsip.so"),))]


def test_bulk_changes_with_the_cache_expire_whole_caches(pbx, cache_on) -> None:
    endpoints = [r.endpoint_id for r in services.create_test_endpoints(notifier.WHOLE_CACHE_THRESHOLD + 5)]
    with transaction.atomic(using=realtime_db_alias()):
        for endpoint_id in endpoints:
            services.update_extension(endpoint_id, name="Renamed")
    assert sent(pbx) == [("SorceryMemoryCacheExpire", (("Cache", "crm_endpoint"),))]


def test_a_missing_cache_is_refused_by_asterisk_and_not_queued(pbx, cache_on, caplog) -> None:
    pbx.server.sorcery_caches.clear()  # Asterisk runs without the cache the settings claim
    endpoint_id = services.create_test_endpoint().endpoint_id
    services.update_extension(endpoint_id, name="X")
    assert len(sent(pbx)) == 1 and not PendingAsteriskAction.objects.exists()
    assert "The provided cache does not exist" in caplog.text


@pytest.mark.django_db(databases=DATABASES)
def test_plan_for_ten_thousand_objects_is_a_handful_of_actions() -> None:
    ids = tuple(str(n) for n in range(10_000, 20_000))
    created = [
        Changed(t, ids, Change.CREATED, qualifies=True) for t in (ObjectType.ENDPOINT, ObjectType.AUTH, ObjectType.AOR)
    ]
    assert plan_actions(created, cache=True) == [] == plan_actions(created, cache=False)
    unqualified = [*created[:2], Changed(ObjectType.AOR, ids, Change.CREATED, qualifies=False)]
    assert plan_actions(unqualified, cache=True) == [AmiAction("Reload", (("Module", "res_pjsip.so"),))]
    deleted = [Changed(t, ids, Change.DELETED) for t in (ObjectType.ENDPOINT, ObjectType.AUTH, ObjectType.AOR)]
    assert plan_actions(deleted, cache=False) == []
    assert plan_actions(deleted, cache=True) == [
        AmiAction("SorceryMemoryCacheExpire", (("Cache", cache),)) for cache in ("crm_endpoint", "crm_auth", "crm_aor")
    ]
    registration = [Changed(ObjectType.REGISTRATION, ("trunk",), Change.UPDATED)]
    assert plan_actions(registration, cache=False) == [
        AmiAction("Reload", (("Module", "res_pjsip_outbound_registration.so"),))
    ]
