"""The server log as a person reads it: one line per event, no traceback for an ordinary 403."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils.log import configure_logging


@contextlib.contextmanager
def configured_log(settings_fixture, *, debug: bool) -> Iterator[io.StringIO]:
    """Configure logging exactly as Django does at startup, with every console writing to a buffer."""
    settings_fixture.DEBUG = debug
    stream = io.StringIO()
    saved = {name: (lg.handlers[:], lg.propagate, lg.level) for name, lg in _loggers().items()}
    with contextlib.redirect_stderr(stream):  # StreamHandlers bind to sys.stderr when created
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    try:
        yield stream
    finally:
        for name, lg in _loggers().items():
            if name in saved:
                lg.handlers[:], lg.propagate, lg.level = saved[name]


def _loggers() -> dict[str, logging.Logger]:
    names = ["", "django", "django.request", "django.server", "django.channels.server", "voip", "django.security"]
    return {name: logging.getLogger(name) for name in names}


@pytest.mark.parametrize("debug", [True, False])
def test_each_line_is_printed_once(settings, debug):
    with configured_log(settings, debug=debug) as stream:
        # Daphne's runserver logs requests here; our code logs under its module names.
        logging.getLogger("django.channels.server").info("HTTP GET /crm/contacts/ 200")
        logging.getLogger("django.request").warning("Not Found: /nowhere")
        logging.getLogger("voip.calls.listener").info("AMI listener connected")
    output = stream.getvalue()
    assert output.count("HTTP GET /crm/contacts/ 200") == 1, output
    assert output.count("Not Found: /nowhere") == 1, output
    assert output.count("AMI listener connected") == 1, output


@pytest.mark.django_db
def test_permission_denied_is_one_line_without_traceback(settings, client):
    from tests.calls.ui_support import make_user

    client.force_login(make_user("viewer"))
    with configured_log(settings, debug=True) as stream:
        response = client.get("/crm/contacts/new/")  # needs crm.add_contact
    assert response.status_code == 403
    output = stream.getvalue()
    assert output.count("Forbidden (Permission denied): /crm/contacts/new/") == 1, output
    assert "Traceback" not in output


def test_a_real_error_keeps_its_traceback(settings):
    with configured_log(settings, debug=False) as stream:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("django.request").exception("Internal Server Error: /x")
    output = stream.getvalue()
    assert "Traceback" in output and "RuntimeError: boom" in output
