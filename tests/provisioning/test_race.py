"""Two provisioning runs at once never hand out one number twice (real concurrent transactions)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from tests.provisioning.conftest import DATABASES
from voip.models import InternalNumber, PsAuth, PsEndpoint
from voip.provisioning import numbering, services
from voip.realtime.router import realtime_db_alias

pytestmark = [
    pytest.mark.django_db(databases=DATABASES, transaction=True),
    pytest.mark.skipif(
        connections["default"].vendor != "postgresql",
        reason="concurrent writers need PostgreSQL; SQLite serialises the whole database (one writer)",
    ),
]


def rt(model):
    return model.objects.using(realtime_db_alias())


def run_threads(jobs: list[Callable[[], Any]]) -> list[Any]:
    results: list[Any] = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def worker(index: int, job: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = job()
        except BaseException as exc:  # reported to the test below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_concurrent_runs_get_distinct_numbers(provisioning) -> None:
    provisioning(USER_EXTENSION_RANGE=(1000, 1999), TEST_EXTENSION_START=1000)
    users = [get_user_model().objects.create(username=f"racer{i}") for i in range(40)]
    jobs: list[Callable[[], Any]] = [lambda: services.create_test_endpoints(5) for _ in range(4)]
    jobs += [lambda chunk=users[i::4]: services.provision_users(chunk, batch_size=3) for i in range(4)]
    singles = [get_user_model().objects.create(username=f"single{i}") for i in range(4)]
    jobs += [lambda user=user: services.provision_extension(user) for user in singles]
    results = run_threads(jobs)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    ids = list(rt(PsEndpoint).values_list("id", flat=True))
    assert len(ids) == len(set(ids)) == 4 * 5 + 40 + 4
    assert sorted(ids, key=int) == [str(n) for n in range(1000, 1064)]  # dense: no gaps, no doubles
    assert rt(PsAuth).count() == 64
    assert InternalNumber.objects.count() == 44
    numbers = list(InternalNumber.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 44


def test_unique_violation_is_retried_without_the_lock(provisioning, monkeypatch) -> None:
    """Without the advisory lock both writers read the same free number: the loser retries."""
    provisioning(TEST_EXTENSION_START=1000)
    monkeypatch.setattr(numbering, "lock_number_space", lambda using: None)
    read_together = threading.Barrier(2)
    real_used = numbering.used_numbers
    first_read = threading.local()

    def used_numbers_in_step(using: str) -> set[str]:
        used = real_used(using)
        if not getattr(first_read, "done", False):
            first_read.done = True
            read_together.wait(10)  # both have read "1000 is free" before either inserts it
        return used

    monkeypatch.setattr(numbering, "used_numbers", used_numbers_in_step)
    results = run_threads([services.create_test_endpoint, services.create_test_endpoint])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(r.endpoint_id for r in results) == ["1000", "1001"]
    assert sorted(rt(PsEndpoint).values_list("id", flat=True)) == ["1000", "1001"]
