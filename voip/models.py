"""Every model of the telephony side, importable from one place (``voip.models.PsEndpoint``, ...).

Each concern keeps its models in its own package; this module only re-exports them.
"""

from voip.access import TelephonyAccess
from voip.calls.models import CallLog, EndpointPresence
from voip.provisioning.models import InternalNumber
from voip.realtime.models import (
    Cdr,
    Extension,
    MusicOnHold,
    MusicOnHoldEntry,
    PsAor,
    PsAsteriskPublication,
    PsAuth,
    PsContact,
    PsDomainAlias,
    PsEndpoint,
    PsEndpointIdIp,
    PsGlobal,
    PsInboundPublication,
    PsOutboundPublish,
    PsRegistration,
    PsResourceList,
    PsSubscriptionPersistence,
    PsSystem,
    PsTransport,
    Queue,
    QueueLog,
    QueueMember,
    QueueRule,
    StirTn,
    Voicemail,
    VoicemailMessage,
)

__all__ = [
    "CallLog",
    "Cdr",
    "EndpointPresence",
    "Extension",
    "InternalNumber",
    "MusicOnHold",
    "MusicOnHoldEntry",
    "PsAor",
    "PsAsteriskPublication",
    "PsAuth",
    "PsContact",
    "PsDomainAlias",
    "PsEndpoint",
    "PsEndpointIdIp",
    "PsGlobal",
    "PsInboundPublication",
    "PsOutboundPublish",
    "PsRegistration",
    "PsResourceList",
    "PsSubscriptionPersistence",
    "PsSystem",
    "PsTransport",
    "Queue",
    "QueueLog",
    "QueueMember",
    "QueueRule",
    "StirTn",
    "TelephonyAccess",
    "Voicemail",
    "VoicemailMessage",
]
