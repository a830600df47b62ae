"""One number space for every extension: ``ps_endpoints`` ids and ``InternalNumber`` numbers.

Allocation runs inside the realtime write transaction, after :func:`lock_number_space`:

* PostgreSQL: ``pg_advisory_xact_lock`` on the realtime database serialises every allocator (other
  processes included) until that transaction ends. Each number gets its ``ps_endpoints`` row inside
  the same transaction, so the next allocator sees it as used.
* SQLite: the database has one writer at a time; a loser of the race gets an ``IntegrityError`` on
  the ``ps_endpoints`` primary key (or ``InternalNumber.number`` unique) and the service retries
  with a fresh read (``ALLOCATION_ATTEMPTS``). The same retry backs up PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from django.db import connections

from voip.provisioning.errors import NumberSpaceExhausted, NumberTaken, ProvisioningError
from voip.provisioning.models import InternalNumber
from voip.realtime.models import PsEndpoint

# An arbitrary constant 64-bit key ("voipnumb") naming the number-space lock.
ADVISORY_LOCK_KEY = 0x766F69706E756D62
ALLOCATION_ATTEMPTS = 5
NUMBER_RE = re.compile(r"^[0-9]{2,20}$")


def validate_number(number: str | int) -> str:
    """An extension is 2-20 digits (dialable from any phone; safe in every realtime column)."""
    text = str(number).strip()
    if not NUMBER_RE.match(text):
        raise ProvisioningError(f"invalid extension number {text!r}: use 2 to 20 digits")
    return text


def lock_number_space(using: str) -> None:
    """Take the number-space lock for the current transaction on ``using`` (PostgreSQL only)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def used_numbers(realtime_using: str) -> set[str]:
    """Every number taken: endpoint ids (users' and test endpoints) plus InternalNumber numbers."""
    used = set(PsEndpoint.objects.using(realtime_using).values_list("id", flat=True))
    used.update(InternalNumber.objects.using("default").values_list("number", flat=True))
    used.update(InternalNumber.objects.using("default").values_list("endpoint_id", flat=True))
    return used


def free_numbers(used: set[str], start: int, end: int | None = None) -> Iterator[str]:
    """Free numbers from ``start`` upwards (up to ``end`` inclusive when given), lowest first."""
    number = start
    while end is None or number <= end:
        text = str(number)
        if text not in used:
            yield text
        number += 1


def allocate(used: set[str], count: int, start: int, end: int | None = None, *, partial: bool = False) -> list[str]:
    """Take ``count`` free numbers (and mark them used in ``used``).

    When the range runs out: raise, or with ``partial`` return the fewer numbers that were free.
    """
    taken: list[str] = []
    if count <= 0:
        return taken
    for number in free_numbers(used, start, end):
        taken.append(number)
        if len(taken) == count:
            break
    if len(taken) < count and not (partial and taken):
        raise NumberSpaceExhausted(
            f"no free extension left in {start}-{end}" if end is not None else f"no free extension from {start}"
        )
    used.update(taken)
    return taken


def check_free(used: Iterable[str], number: str) -> None:
    if number in set(used):
        raise NumberTaken(f"extension {number} is already taken")
