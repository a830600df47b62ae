"""Translated names for Asterisk's realtime columns, shown as list headers, form labels and filter titles.

The realtime models keep Asterisk's column names as their fields' verbose names, so that their
migrations stay exactly Asterisk's schema; the admin pages take their wording from here instead.
A column without a label here (the rarely changed endpoint and queue options, folded into an
"Advanced" group) is shown by its Asterisk option name, which is how pjsip.conf's and
queues.conf's documentation spell it. ``tests/foundation/test_russian_catalogue.py`` fails when a
list header or a label outside such a group is not translated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import BooleanField, Field, Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The same column name means the same thing in every table that has it.
COLUMN_LABELS: dict[str, Promise] = {
    # ps_endpoints (the ones on the endpoint page and in its list)
    "callerid": _("caller ID"),
    "allow": _("codecs"),
    "context": _("context"),
    "transport": _("transport"),
    "aors": _("addresses of record (AOR)"),
    "auth": _("authentication"),
    # ps_aors
    "contact": _("static contact"),
    "default_expiration": _("default registration expiry, s"),
    "mailboxes": _("mailboxes"),
    "max_contacts": _("max contacts"),
    "minimum_expiration": _("minimum registration expiry, s"),
    "maximum_expiration": _("maximum registration expiry, s"),
    "remove_existing": _("replace existing registrations"),
    "qualify_frequency": _("qualify interval, s"),
    "qualify_timeout": _("qualify timeout, s"),
    "authenticate_qualify": _("authenticate qualify requests"),
    "outbound_proxy": _("outbound proxy"),
    "support_path": _("Path header support"),
    "voicemail_extension": _("voicemail extension"),
    "remove_unavailable": _("remove unavailable contacts"),
    "qualify_2xx_only": _("qualify: only 2xx answers count"),
    # ps_auths
    "auth_type": _("authentication type"),
    "nonce_lifetime": _("nonce lifetime, s"),
    "realm": _("realm"),
    "username": _("username"),
    "oauth_clientid": _("OAuth client ID"),
    "supported_algorithms_uas": _("digest algorithms (incoming)"),
    "supported_algorithms_uac": _("digest algorithms (outgoing)"),
    # ps_contacts
    "uri": _("contact URI"),
    "expiration_time": _("expires"),
    "path": _("Path header"),
    "user_agent": _("user agent"),
    "reg_server": _("registration server"),
    "via_addr": _("Via address"),
    "via_port": _("Via port"),
    "call_id": _("SIP call ID"),
    "prune_on_boot": _("remove at restart"),
    # ps_endpoint_id_ips
    "match": _("source addresses"),
    "srv_lookups": _("SRV lookups"),
    "match_header": _("match header"),
    "match_request_uri": _("match request URI"),
    # ps_transports
    "async_operations": _("async operations"),
    "bind": _("bind address"),
    "ca_list_file": _("CA list file"),
    "cert_file": _("certificate file"),
    "cipher": _("ciphers"),
    "domain": _("domain"),
    "external_media_address": _("external media address"),
    "external_signaling_address": _("external signalling address"),
    "external_signaling_port": _("external signalling port"),
    "method": _("TLS method"),
    "local_net": _("local networks"),
    "priv_key_file": _("private key file"),
    "protocol": _("protocol"),
    "require_client_cert": _("require client certificate"),
    "verify_client": _("verify client"),
    "verify_server": _("verify server"),
    "tos": _("IP type of service (ToS)"),
    "cos": _("802.1p priority (CoS)"),
    "allow_reload": _("allow reload"),
    "symmetric_transport": _("symmetric transport"),
    "allow_wildcard_certs": _("allow wildcard certificates"),
    "tcp_keepalive_enable": _("TCP keepalive enabled"),
    "tcp_keepalive_idle_time": _("TCP keepalive idle time, s"),
    "tcp_keepalive_interval_time": _("TCP keepalive interval, s"),
    "tcp_keepalive_probe_count": _("TCP keepalive probes"),
    # extensions (the dialplan)
    "exten": _("number or pattern"),
    "priority": _("priority"),
    "app": _("application"),
    "appdata": _("application data"),
    # queues and queue_members
    "name": _("name"),
    "strategy": _("ring strategy"),
    "timeout": _("ring timeout, s"),
    "musiconhold": _("music on hold"),
    "announce": _("announcement"),
    "maxlen": _("maximum callers waiting"),
    "retry": _("retry after, s"),
    "wrapuptime": _("wrap-up time, s"),
    "servicelevel": _("service level, s"),
    "weight": _("weight"),
    "joinempty": _("join when empty"),
    "leavewhenempty": _("leave when empty"),
    "ringinuse": _("ring members in use"),
    "autopause": _("auto pause"),
    "autofill": _("auto fill"),
    "queue_name": _("queue"),
    "interface": _("interface"),
    "membername": _("member name"),
    "state_interface": _("state interface"),
    "penalty": _("penalty"),
    "paused": _("paused"),
    "uniqueid": _("unique ID"),
    "reason_paused": _("pause reason"),
    # crm_sip_blocks
    "deny": _("denied network"),
    "address": _("address"),
    "failures": _("failed attempts"),
    "last_event": _("last event"),
    "last_account": _("last account"),
    "blocked_at": _("blocked at"),
    "expires_at": _("expires"),
}

# ``id`` names a different thing in each table.
ID_LABELS: dict[str, Promise] = {
    "ps_endpoints": _("extension"),
    "ps_aors": _("address of record (AOR)"),
    "ps_auths": _("auth name"),
    "ps_contacts": _("contact ID"),
    "ps_endpoint_id_ips": _("rule name"),
    "ps_transports": _("transport name"),
    "extensions": _("row ID"),
    "crm_sip_blocks": _("block ID"),
}
# ``endpoint`` is the extension a contact registered for, or the trunk an identify rule matches.
ENDPOINT_LABELS: dict[str, Promise] = {"ps_contacts": _("extension"), "ps_endpoint_id_ips": _("SIP account")}


def names_itself(model: type[Model], name: str) -> bool:
    """True for a column whose verbose name is only its column name (every realtime column)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.concrete and not field.is_relation and not isinstance(field.verbose_name, Promise)


def _column(model: type[Model], name: str) -> Field:
    field = model._meta.get_field(name)
    if not isinstance(field, Field):  # a reverse relation is no column
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def column_label(model: type[Model], name: str) -> Any:
    """The translated name of ``model``'s column ``name``, or Asterisk's own name for it.

    A model that names its field itself (``CallLog``, ``InternalNumber``) keeps that name."""
    if not names_itself(model, name):
        return _column(model, name).verbose_name
    table = model._meta.db_table
    if name == "id" and table in ID_LABELS:
        return ID_LABELS[table]
    if name == "endpoint" and table in ENDPOINT_LABELS:
        return ENDPOINT_LABELS[table]
    return COLUMN_LABELS.get(name, name)


def column_labels(model: type[Model]) -> dict[str, Any]:
    """Every column of ``model`` with its label: what a realtime admin form passes as ``labels``."""
    return {
        field.name: column_label(model, field.name) for field in model._meta.fields if names_itself(model, field.name)
    }


def list_column(model: type[Model], name: str) -> Callable[[Model], Any]:
    """A list_display entry showing column ``name`` under its translated header, sortable by it.

    Django takes a model field's header from its verbose name, with no hook to rename it: a
    callable with a ``short_description`` is the documented way to give a column another one.
    """
    field = _column(model, name)
    choices = dict(field.flatchoices) if field.choices else None

    def show(obj: Model) -> Any:
        value = getattr(obj, field.attname)
        return choices.get(value, value) if choices is not None and value is not None else value

    show.__name__ = name  # the column keeps its CSS class (column-<name>, field-<name>)
    show.short_description = column_label(model, name)  # type: ignore[attr-defined]
    show.admin_order_field = name  # type: ignore[attr-defined]
    show.boolean = isinstance(field, BooleanField)  # type: ignore[attr-defined]
    return show
