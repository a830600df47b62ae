"""Admin pages under "VOIP": one module per area; importing them registers the ModelAdmins."""

from . import aors, auths, contacts, dialplan, endpoints, identify, queues, transports  # noqa: F401
