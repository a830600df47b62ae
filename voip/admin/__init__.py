"""Admin pages under "VOIP": one module per area; importing them registers the ModelAdmins."""

from . import (  # noqa: F401
    aors,
    audit,
    auths,
    calls,
    contacts,
    dialplan,
    endpoints,
    identify,
    pending,
    queues,
    routes,
    sip_blocks,
    transports,
    trunks,
    users,
    webhooks,
)
