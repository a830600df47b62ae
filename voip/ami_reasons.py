"""Why Asterisk could not be reached, in the page's language.

:mod:`voip.ami` knows nothing of Django and words its reasons for logs ("connection refused",
"timed out waiting for ..."). People read these instead, translated; the log keeps the original.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from voip.ami.errors import AMIAuthenticationError, AMIConnectionClosed, AMIConnectionError, AMITimeoutError


def connection_reason(exc: AMIConnectionError) -> str:
    if isinstance(exc, AMIAuthenticationError):
        return _("the AMI login was refused: check ASTERISK_AMI_USERNAME and ASTERISK_AMI_SECRET")
    if isinstance(exc, AMITimeoutError):
        return _("no answer in time")
    if isinstance(exc, AMIConnectionClosed):
        return _("the connection was closed")
    if exc.reason == "connection refused":
        return _("connection refused")
    return _("cannot connect")
