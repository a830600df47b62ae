"""Admin pages under "VOIP": one module per area; importing them registers the ModelAdmins."""

from . import aors, auths, calls, contacts, dialplan, endpoints, identify, pending, queues, transports, users  # noqa: F401
