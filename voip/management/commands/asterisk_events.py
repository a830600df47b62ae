"""``python manage.py asterisk_events [--provider NAME]``: the AMI event listener (one per Asterisk).

Stays connected, reconnects with backoff, resynchronises after every reconnect and stops
cleanly on SIGTERM/SIGINT. See docs/calls.md for a systemd unit.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voip.ami.errors import AMIAuthenticationError
from voip.calls.listener import CallEventListener
from voip.conf import TelephonyNotConfigured, asterisk_settings


class Command(BaseCommand):
    help = "Listen to Asterisk's AMI events and keep the call log and endpoint presence up to date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provider", default=None, help="PROVIDER of the settings.VOIP entry (default: Asterisk)")
        parser.add_argument("--host", default=None, help="override AMI_HOST")
        parser.add_argument("--port", type=int, default=None, help="override AMI_PORT")
        parser.add_argument("--no-push", action="store_true", help="do not push screen pops to the pages")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = asterisk_settings(options["provider"])
        except TelephonyNotConfigured as exc:
            raise CommandError(str(exc)) from None
        if options["host"]:
            config = dataclasses.replace(config, host=options["host"])
        if options["port"]:
            config = dataclasses.replace(config, port=options["port"])
        if not config.secret:
            raise CommandError("ASTERISK_AMI_SECRET is not set: the listener cannot log in to AMI")
        listener = CallEventListener(config, push=not options["no_push"], deliver_webhooks=True)
        self.stdout.write(f"Listening to AMI events on {config.host}:{config.port}")

        async def main() -> None:
            listener.install_signal_handlers(asyncio.get_running_loop())
            await listener.run()

        try:
            asyncio.run(main())
        except AMIAuthenticationError as exc:
            raise CommandError(f"AMI login refused: {exc.reason}") from None
        except KeyboardInterrupt:
            pass
        stats = listener.stats
        self.stdout.write(f"Stopped: {stats.events} events, {stats.calls_written} call writes, {stats.resyncs} resyncs")
