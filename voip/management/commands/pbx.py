"""``python manage.py pbx apply [--dry-run] FILE`` and ``python manage.py pbx export``.

The file format is a public contract: docs/pbx-as-code.md. A file with any error changes nothing;
each error is printed as ``key.path: message`` and the command exits non-zero.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voip.audit.models import AuditSource
from voip.audit.services import audit_context
from voip.pbx.resources import PbxInvalid, PlannedChange
from voip.pbx.selectors import pbx_export
from voip.pbx.services import pbx_apply, pbx_plan


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc


def format_changes(changes: list[PlannedChange]) -> list[str]:
    lines: list[str] = []
    for change in changes:
        lines.append(f"{change.action} {change.path}")
        lines.extend(f"    {detail}" for detail in change.details)
    return lines


class Command(BaseCommand):
    help = "The PBX as code: apply a YAML file (or show what it would change), or export the current PBX."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="{apply,export}")
        apply = commands.add_parser("apply", help="Make the PBX what FILE says ('-' reads standard input).")
        apply.add_argument("file", metavar="FILE")
        apply.add_argument("--dry-run", action="store_true", help="Print the changes and write nothing.")
        export = commands.add_parser("export", help="Print the current PBX in the same format, without secrets.")
        export.add_argument("--output", "-o", metavar="FILE", help="Write to FILE instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "export":
            self._export(options.get("output"))
        else:
            self._apply(options["file"], dry_run=options["dry_run"])

    def _export(self, output: str | None) -> None:
        text = pbx_export()
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc}") from exc
        else:
            self.stdout.write(text, ending="")

    def _apply(self, path: str, *, dry_run: bool) -> None:
        text = _read(path)
        # The audit log names who applied which file (secrets masked by the services).
        with audit_context(source=AuditSource.PBX_FILE, label=f"{getpass.getuser()} (pbx apply {path})"):
            try:
                if dry_run:
                    changes = pbx_plan(text=text)
                    notes: list[str] = []
                else:
                    result = pbx_apply(text=text)
                    changes, notes = result.changes, result.notes
            except PbxInvalid as exc:
                for error in exc.errors:
                    self.stderr.write(str(error))
                raise CommandError(
                    f"{path}: {len(exc.errors)} error(s); nothing was changed" if exc.errors else f"{path}: invalid"
                ) from None
        for line in format_changes(changes):
            self.stdout.write(line)
        if not changes:
            self.stdout.write("no changes: the PBX already matches the file")
        elif dry_run:
            self.stdout.write(f"{len(changes)} change(s) planned; nothing was written (--dry-run)")
        else:
            self.stdout.write(f"{len(changes)} change(s) applied")
        for note in notes:
            self.stdout.write(note)
