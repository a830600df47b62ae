"""``python manage.py reconcile_calls [--since ...] [--until ...] [--hours N]``: calls from the cdr table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from voip.calls.services import reconcile_from_cdr


def _moment(value: str) -> dt.datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"not a date and time: {value!r} (use e.g. 2026-11-27T21:00 or 2026-11-27 21:00+03:00)")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


class Command(BaseCommand):
    help = "Create the call log entries the event listener missed (it was down) from Asterisk's cdr table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="start of the window (ISO 8601; default: --hours ago)")
        parser.add_argument("--until", help="end of the window (ISO 8601; default: now)")
        parser.add_argument("--hours", type=float, default=24.0, help="window length when --since is not given")

    def handle(self, *args: Any, **options: Any) -> None:
        until = _moment(options["until"]) if options["until"] else timezone.now()
        since = _moment(options["since"]) if options["since"] else until - dt.timedelta(hours=options["hours"])
        if since >= until:
            raise CommandError("--since must be before --until")
        result = reconcile_from_cdr(since, until)
        self.stdout.write(
            f"cdr rows: {result.rows}, calls: {result.calls}, written: {result.written}, "
            f"already logged: {result.skipped}"
        )
