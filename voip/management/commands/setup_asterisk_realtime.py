"""``python manage.py setup_asterisk_realtime``: the guide's set-up command.

Flags (may be combined; run in this order): ``--test-connection``, ``--write-config DIR [--force]``,
``--create-transports``, ``--create-test-endpoints N``, ``--provision-users``, ``--reload-pjsip``,
``--validate``. Output lines quoted by the guide are kept exactly; any ``✗`` exits non-zero.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path
from typing import Any, TextIO, cast

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from voip.backends import get_backend
from voip.provisioning import notifier, services
from voip.provisioning.errors import ProvisioningError
from voip.realtime.models import PsEndpoint
from voip.realtime.router import configured_realtime_alias, realtime_db_alias

OK = "✓"
WARN = "⚠"
FAIL = "✗"


class ProgressBar:
    """A one-line progress bar, drawn only when the stream is a terminal."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        filled = int(self.width * done / total)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def break_line(self) -> None:
        """End the bar's line so that other output starts on its own; the next update draws it again."""
        self.finish()
        self.drawn = False

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _open_passwords_file(path: Path) -> TextIO:
    """The passwords file, private (0600) and appended to: a rerun after an interruption keeps the
    passwords the interrupted run already wrote. The header goes into a new (empty) file only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file too: it is about to hold passwords
    handle = os.fdopen(descriptor, "a", newline="", encoding="utf-8")
    if os.fstat(descriptor).st_size == 0:
        csv.writer(handle).writerow(["username", "extension", "password"])
        handle.flush()
    return handle


def _first(items: list[str], count: int = 5) -> str:
    return ", ".join(items[:count]) + (", ..." if len(items) > count else "")


def _given(value: Any) -> bool:
    """A flag was given: True for switches, any number (0 included) for ``--create-test-endpoints``."""
    return value is not None and value is not False


class Command(BaseCommand):
    help = "Set up and check the Asterisk realtime integration (see docs/provisioning.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--test-connection", action="store_true", help="Check the realtime database and AMI.")
        parser.add_argument("--create-transports", action="store_true", help="Create the PJSIP transports.")
        parser.add_argument(
            "--create-test-endpoints", type=int, metavar="N", help="Create N test endpoints on the next free numbers."
        )
        parser.add_argument(
            "--provision-users", action="store_true", help="Give every active user without an extension one."
        )
        parser.add_argument(
            "--passwords-file",
            metavar="FILE",
            help="With --provision-users: write username,extension,password to FILE (mode 0600) instead of stdout.",
        )
        parser.add_argument("--reload-pjsip", action="store_true", help="Reload res_pjsip now (a pending reload).")
        parser.add_argument("--write-config", metavar="DIR", help="Write Asterisk's configuration files into DIR.")
        parser.add_argument("--force", action="store_true", help="With --write-config: overwrite existing files.")
        parser.add_argument("--validate", action="store_true", help="Check the whole set-up and say what is wrong.")
        parser.add_argument(
            "--install",
            nargs="?",
            const="/etc/asterisk",
            metavar="DIR",
            help=(
                "Install the generated configuration into Asterisk's directory (default /etc/asterisk, a dated"
                " backup of each replaced file), restart Asterisk, create the transports, give --user an extension"
                " and print the softphone settings."
            ),
        )
        parser.add_argument(
            "--asterisk-cli",
            default="asterisk",
            metavar="CMD",
            help="With --install: how to run Asterisk's CLI ('asterisk', or e.g. 'asterisk -C /path/asterisk.conf').",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="With --install: whose extension to set up (default: the first superuser).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        steps = [
            ("test_connection", self.test_connection),
            ("write_config", self.write_config),
            ("install", self.install),
            ("create_transports", self.create_transports),
            ("create_test_endpoints", self.create_test_endpoints),
            ("provision_users", self.provision_users),
            ("reload_pjsip", self.reload_pjsip),
            ("validate", self.validate),
        ]
        chosen = [(name, step) for name, step in steps if _given(options.get(name))]
        if not chosen:
            self.print_help(sys.argv[0] if sys.argv else "manage.py", "setup_asterisk_realtime")
            return
        if options.get("passwords_file") and not options.get("provision_users"):
            raise CommandError("--passwords-file goes with --provision-users")
        if options.get("user") and not options.get("install"):
            raise CommandError("--user goes with --install")
        failed = False
        for _name, step in chosen:
            if step(options) is False:
                failed = True
        if failed:
            raise CommandError("some checks or steps failed (see the ✗ lines above)")

    # -- output helpers ---------------------------------------------------------------------------
    def ok(self, text: str) -> None:
        self.stdout.write(f"{OK} {text}")

    def warn(self, text: str) -> None:
        self.stdout.write(f"{WARN} {text}")

    def fail(self, text: str) -> bool:
        self.stderr.write(f"{FAIL} {text}")
        return False

    # -- --test-connection ------------------------------------------------------------------------
    def test_connection(self, options: dict[str, Any]) -> bool:
        from voip.asterisk_config.writer import realtime_engine_refusal

        db_ok = self._test_database()
        refusal = realtime_engine_refusal()
        if refusal is not None:  # Django reads the tables; Asterisk could not
            db_ok = self.fail(refusal)
        ami_ok = self._test_ami()
        return db_ok and ami_ok

    def _test_database(self) -> bool:
        alias = realtime_db_alias()  # the realtime alias (default only for SQLite Option A)
        try:
            connection = connections[alias]
            with connection.cursor() as cursor:
                tables = set(connection.introspection.table_names(cursor))
            if PsEndpoint._meta.db_table not in tables:
                return self.fail(
                    f"Database connection failed: table {PsEndpoint._meta.db_table} is missing"
                    f" — run python manage.py migrate --database={configured_realtime_alias()}"
                )
            count = PsEndpoint.objects.using(alias).count()
        except DatabaseError as exc:
            reason = " ".join(str(exc).split()) or exc.__class__.__name__
            return self.fail(f"Database connection failed: {reason}")
        self.ok(f"Database connection OK ({count} endpoints found)")
        return True

    def _test_ami(self) -> bool:
        from voip.ami.errors import AMIAuthenticationError, AMIConnectionError, AMIError, AMITimeoutError

        try:
            api = get_backend()
        except (LookupError, ImportError, ValueError, TypeError) as exc:
            return self.fail(f"AMI connection failed: settings.VOIP: {exc}")
        where = f"{api.host}:{api.port}"
        try:
            core = api.core_settings()
        except AMIAuthenticationError:
            return self.fail(
                f"AMI connection failed: authentication failed for user '{api.username}' at {where}"
                " — check ASTERISK_AMI_USERNAME/ASTERISK_AMI_SECRET and manager.conf"
            )
        except AMITimeoutError as exc:
            return self.fail(f"AMI connection failed: timeout at {where} ({exc.reason})")
        except AMIConnectionError as exc:
            reason = exc.reason
            if "refused" in reason.lower():
                reason = f"connection refused at {where} — is Asterisk running with manager.conf enabled?"
            else:
                reason = f"{reason} ({where})"
            return self.fail(f"AMI connection failed: {reason}")
        except AMIError as exc:
            return self.fail(f"AMI connection failed: {exc}")
        version = getattr(core, "asterisk_version", None)
        if not version:
            return self.fail("AMI connection failed: CoreSettings gave no AsteriskVersion")
        self.ok(f"AMI connection OK (Asterisk {version})")
        return True

    # -- --write-config / --validate (logic in voip.asterisk_config / voip.diagnostics) -----------
    def write_config(self, options: dict[str, Any]) -> bool:
        from django.core.exceptions import ImproperlyConfigured

        from voip.asterisk_config.writer import write_asterisk_config

        try:
            written = write_asterisk_config(Path(options["write_config"]), force=bool(options.get("force")))
        except (OSError, ValueError, ImproperlyConfigured) as exc:
            return self.fail(f"Writing the configuration failed: {exc}")
        skipped = False
        for item in written:
            if item.status == "written":
                self.ok(f"Wrote {item.path}")
            else:
                skipped = True
                self.warn(f"Skipped {item.path} (already exists; --force overwrites it)")
        if skipped:
            self.stdout.write("  " + "Existing files were kept; run again with --force to overwrite them.")
        return True

    def validate(self, options: dict[str, Any]) -> bool:
        from voip.diagnostics.checks import run_validation

        results = run_validation()
        failed = False
        for check in results:
            line = check.line()
            if check.status == "error":
                failed = True
                self.stderr.write(line)
            else:
                self.stdout.write(line)
        return not failed

    # -- --install ------------------------------------------------------------------------------
    def install(self, options: dict[str, Any]) -> bool:
        from django.core.exceptions import ImproperlyConfigured

        from voip.asterisk_config.installer import (
            AsteriskCliError,
            cli_command,
            install_asterisk_config,
            restart_asterisk,
        )

        user = self._install_user(options.get("user"))
        try:
            cli = cli_command(options["asterisk_cli"])
            installed = install_asterisk_config(directory=Path(options["install"]))
        except (OSError, ValueError, ImproperlyConfigured, AsteriskCliError) as exc:
            return self.fail(f"Installing the configuration failed: {exc}")
        for item in installed:
            if item.status == "replaced":
                self.ok(f"Installed {item.path} (the previous one is kept as {item.backup})")
            elif item.status == "installed":
                self.ok(f"Installed {item.path}")
            elif item.status == "unchanged":
                self.ok(f"{item.path} is already up to date")
            else:
                self.ok(f"Kept {item.path} (the site's own module choices)")
        try:
            restart_asterisk(cli)
        except AsteriskCliError as exc:
            return self.fail(f"Restarting Asterisk failed: {exc}")
        if not self._test_ami():
            return False
        self.create_transports(options)
        return self._give_extension(user)

    def _install_user(self, username: str | None) -> Any:
        users = get_user_model()._default_manager
        if username:
            user = users.filter(**{users.model.USERNAME_FIELD: username}).first()
            if user is None:
                raise CommandError(f"--user: no user {username!r}")
            return user
        user = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError(
                "--install gives the first superuser an extension: create one (createsuperuser) or name one with --user"
            )
        return user

    def _give_extension(self, user: Any) -> bool:
        had_one = hasattr(user, "internal_number")
        try:
            result = services.provision_extension(user, reset_password=had_one)
        except (ProvisioningError, DatabaseError) as exc:
            return self.fail(f"Giving {user.get_username()} an extension failed: {exc}")
        if had_one:
            self.warn(f"{user.get_username()} had extension {result.endpoint_id} already: it has a new password now")
        else:
            self.ok(f"Created extension {result.endpoint_id} for {user.get_username()} (password: {result.password})")
        for line in result.softphone_lines():
            self.stdout.write(line)
        return True

    # -- --create-transports ----------------------------------------------------------------------
    def create_transports(self, options: dict[str, Any]) -> bool:
        try:
            results = services.create_transports()
        except DatabaseError as exc:
            return self.fail(f"Creating transports failed: {' '.join(str(exc).split())}")
        for item in results:
            if item.created:
                self.ok(f"Created transport {item.id} ({item.protocol}, bind {item.bind})")
            else:
                self.ok(f"Transport {item.id} already present ({item.protocol}, bind {item.bind})")
        if results and results[0].not_loaded:
            self.warn(
                f"Asterisk was not told to bind the transports ({results[0].not_loaded}); it binds each on its"
                " first lookup: run 'pjsip show transports' in Asterisk's CLI before registering phones"
            )
        return True

    # -- --create-test-endpoints N ----------------------------------------------------------------
    def create_test_endpoints(self, options: dict[str, Any]) -> bool:
        count = options["create_test_endpoints"]
        if count < 1:
            raise CommandError("--create-test-endpoints needs a number of at least 1")
        try:
            results = services.create_test_endpoints(count)
        except (ProvisioningError, DatabaseError) as exc:
            return self.fail(f"Creating test endpoints failed: {exc}")
        for result in results:
            self.ok(f"Created test endpoint {result.endpoint_id} (password: {result.password})")
        self._report_reload(any(r.pjsip_reload_pending for r in results))
        return True

    # -- --provision-users ------------------------------------------------------------------------
    def provision_users(self, options: dict[str, Any]) -> bool:
        users = get_user_model()._default_manager.filter(is_active=True, internal_number__isnull=True).order_by("pk")
        passwords_file = options.get("passwords_file")
        try:
            # Opened before anything is provisioned: a path that cannot be written loses no password.
            handle = _open_passwords_file(Path(passwords_file)) if passwords_file else None
        except OSError as exc:
            return self.fail(f"Cannot write the passwords file {passwords_file}: {exc.strerror or exc}")
        # The bar draws on the stream OutputWrapper wraps (its _out, which the stubs do not declare):
        # OutputWrapper would end every redraw with a newline.
        bar = ProgressBar(cast("TextIO", getattr(self.stdout, "_out", self.stdout)))
        try:
            summary = services.provision_users(
                users, progress=bar, on_batch=lambda results: self._keep_passwords(results, handle, bar)
            )
        except (ProvisioningError, DatabaseError) as exc:
            bar.finish()
            return self.fail(f"Provisioning users failed: {exc}")
        except OSError as exc:  # the passwords file (disk full...): stop before another batch is made
            bar.finish()
            return self.fail(f"Writing the passwords file {passwords_file} failed, provisioning stopped: {exc}")
        finally:
            if handle is not None:
                handle.close()
        bar.finish()
        if summary.repaired:
            self.warn(
                f"Removed {len(summary.repaired)} extensions an interrupted run had left without a user"
                f" ({_first(summary.repaired)}); their users were provisioned again"
            )
        if passwords_file:
            self.ok(f"Passwords of {len(summary.created)} new extensions written to {passwords_file}")
        for username, reason in summary.failed:
            self.stderr.write(f"{FAIL} No extension for {username}: {reason}")
        self.ok(
            f"Provisioned {len(summary.created)} users"
            f" ({len(summary.failed)} failed; users with an extension already are not touched)"
        )
        self._report_reload(summary.pjsip_reload_pending)
        return not summary.failed

    def _keep_passwords(self, results: list[services.ProvisionResult], handle: TextIO | None, bar: ProgressBar) -> None:
        """Called once per committed batch, before the next one starts: a later failure or kill loses none."""
        usernames = dict(
            get_user_model()
            ._default_manager.filter(pk__in=[r.user_id for r in results])
            .values_list("pk", get_user_model().USERNAME_FIELD)
        )
        if handle is None:
            bar.break_line()
            for result in results:
                self.ok(
                    f"Created extension {result.endpoint_id} for {usernames.get(result.user_id, result.user_id)}"
                    f" (password: {result.password})"
                )
            self.stdout.flush()
            return
        writer = csv.writer(handle)
        for result in results:
            writer.writerow([usernames.get(result.user_id, result.user_id), result.endpoint_id, result.password])
        handle.flush()
        os.fsync(handle.fileno())

    # -- --reload-pjsip ---------------------------------------------------------------------------
    def reload_pjsip(self, options: dict[str, Any]) -> bool:
        # Whatever else is pending (cache expiries, transport lookups) goes first, on the same connection.
        outcome = notifier.request_pjsip_reload("requested with --reload-pjsip")
        if notifier.AmiAction("Reload", (("Module", notifier.PJSIP_MODULE),)) in outcome.sent:
            self.ok("PJSIP reloaded (res_pjsip.so)")
            return True
        if not outcome.queued:
            return self.fail("PJSIP reload failed: Asterisk refused it (see the log)")
        return self.fail(
            f"PJSIP reload failed: {outcome.error or 'AMI unreachable'}; it stays pending and is retried on the next"
            " provisioning"
        )

    def _report_reload(self, pending: bool) -> None:
        if pending:
            self.warn(
                "PJSIP reload pending: AMI was unreachable, so Asterisk may show the new endpoints as UNAVAILABLE"
                " to queues/BLF until 'Reload res_pjsip.so'. Retried on the next provisioning run, or run"
                " python manage.py setup_asterisk_realtime --reload-pjsip"
            )
