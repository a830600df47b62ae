"""Our own Asterisk Manager Interface client (see docs/decisions.md, "Our own AMI client").

* :mod:`voip.ami.protocol` - sans-IO parser, :class:`Message`, event lists, serializer;
* :mod:`voip.ami.client` - blocking :class:`AMIClient`;
* :mod:`voip.ami.aio` - asyncio :class:`AsyncAMIClient` with reconnect and event handlers;
* :mod:`voip.ami.errors` - the exception hierarchy.
"""

from .aio import AsyncAMIClient, EventStream, backoff_delay
from .client import AMIClient
from .errors import (
    AMIActionError,
    AMIAuthenticationError,
    AMIConnectionClosed,
    AMIConnectionError,
    AMIError,
    AMIInjectionError,
    AMIPermissionDenied,
    AMIProtocolError,
    AMITimeoutError,
)
from .protocol import (
    MAX_HEADERS,
    MAX_LINE_BYTES,
    MAX_RECEIVED_HEADERS,
    AMIParser,
    EventListCollector,
    EventListResult,
    Message,
    challenge_key,
    serialize_action,
)
from .session import events_header, raise_for_response

__all__ = [
    "MAX_HEADERS",
    "MAX_LINE_BYTES",
    "MAX_RECEIVED_HEADERS",
    "AMIActionError",
    "AMIAuthenticationError",
    "AMIClient",
    "AMIConnectionClosed",
    "AMIConnectionError",
    "AMIError",
    "AMIInjectionError",
    "AMIParser",
    "AMIPermissionDenied",
    "AMIProtocolError",
    "AMITimeoutError",
    "AsyncAMIClient",
    "EventListCollector",
    "EventListResult",
    "EventStream",
    "Message",
    "backoff_delay",
    "challenge_key",
    "events_header",
    "raise_for_response",
    "serialize_action",
]
