"""``python manage.py purge_recordings [--dry-run]``: delete the recordings the retention policy no
longer keeps (``VOIP_CALLS['RECORDING_RETENTION_DAYS']`` / ``['RECORDING_RETENTION_BY_QUEUE']``).
Run it daily (a cron job or systemd timer); every deletion is logged in "Deleted recordings"."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from voip.calls.retention import recordings_due, recordings_purge


class Command(BaseCommand):
    help = "Delete call recordings older than the retention policy keeps them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if recordings_due() is None:
                self.stdout.write("No retention period is set: every recording is kept.")
                return
            result = recordings_purge(dry_run=options["dry_run"])
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if options["dry_run"]:
            for linkedid in result.linkedids:
                self.stdout.write(f"would delete the recording of call {linkedid}")
            self.stdout.write(f"{result.calls} recording(s) would be deleted.")
        else:
            self.stdout.write(f"{result.calls} recording(s) deleted ({result.files_deleted} file(s) removed).")
