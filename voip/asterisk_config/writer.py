"""Render and write Asterisk's configuration files from the project's settings.

Everything comes from settings, so what Asterisk is told (database credentials, AMI user and
secret, contexts, realm) is exactly what Django uses. Values are checked before they reach a file:
a CR/LF would start a new line (a new option) and a ``;`` starts a comment unless written ``\\;``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.template import Context, Engine
from django.utils.translation import gettext_lazy as _

from voip.conf import AsteriskSettings, TelephonyNotConfigured, asterisk_settings, sorcery_memory_cache_enabled
from voip.realtime.router import realtime_db_alias
from voip.routes import dialplan as routing_dialplan

from .privileges import MANAGER_EVENT_FILTERS, READ_CLASSES, WRITE_CLASSES

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

# Realtime families and the tables behind them (extconfig.conf). Sorcery maps PJSIP objects onto
# the ps_* families (sorcery.conf); the others are read by app_queue, app_voicemail, pbx_realtime
# and the queue logger directly.
PJSIP_FAMILIES: tuple[str, ...] = (
    "ps_endpoints",
    "ps_auths",
    "ps_aors",
    "ps_contacts",
    "ps_domain_aliases",
    "ps_endpoint_id_ips",
    "ps_transports",
    "ps_registrations",
    "crm_sip_blocks",
)
OTHER_FAMILIES: tuple[str, ...] = (
    "extensions",
    "queues",
    "queue_members",
    "queue_rules",
    "voicemail",
    "queue_log",
    # Lookups of the routing dialplan (REALTIME_FIELD, docs/routes.md).
    "crm_caller_owners",
    "crm_outbound_access",
)

# sorcery.conf: [module] -> [(object type, family)]. Object type names as registered by Asterisk
# (res_pjsip: endpoint, auth, aor, contact, domain_alias, transport; res_pjsip_acl: acl;
# res_pjsip_endpoint_identifier_ip:
# identify; res_pjsip_outbound_registration: registration).
SORCERY_MAPPINGS: dict[str, list[tuple[str, str]]] = {
    "res_pjsip": [
        ("endpoint", "ps_endpoints"),
        ("auth", "ps_auths"),
        ("aor", "ps_aors"),
        ("domain_alias", "ps_domain_aliases"),
        ("contact", "ps_contacts"),
        ("transport", "ps_transports"),
    ],
    # res_pjsip_acl reads section [acl] (ast_sorcery_apply_config(..., "acl") in res/res_pjsip_acl.c);
    # mapped under [res_pjsip] the type belongs to the wrong module and res_pjsip_acl declines to
    # load (seen on Asterisk 22.10.1). Blocked SIP sources: voip.realtime.models.SipAddressBlock.
    "acl": [("acl", "crm_sip_blocks")],
    "res_pjsip_endpoint_identifier_ip": [("identify", "ps_endpoint_id_ips")],
    "res_pjsip_outbound_registration": [("registration", "ps_registrations")],
}

# With ASTERISK_SORCERY_CACHE: the memory cache put in front of these realtime wizards, by object
# type -> cache name (what SorceryMemoryCacheExpire* names as Cache). Options, from
# res/res_sorcery_memory_cache.c (sorcery_memory_cache_open): no maximum_objects and no lifetime,
# so nothing expires by time and the notifier's expiry is what keeps the cache exact;
# expire_on_reload=yes, so "Reload res_pjsip.so" also empties it. Not full_backend_cache: with it
# Asterisk refuses SorceryMemoryCacheExpireObject. Contacts, transports and the rest stay uncached
# (Asterisk writes ps_contacts itself).
SORCERY_MEMORY_CACHES: dict[str, str] = {
    "endpoint": "crm_endpoint",
    "aor": "crm_aor",
    "auth": "crm_auth",
}
SORCERY_MEMORY_CACHE_OPTIONS = "expire_on_reload=yes"

# Asterisk's SQLite realtime driver cannot serve these tables (tried on Asterisk 22.10.1, see
# docs/decisions.md "SQLite realtime"): res_config_sqlite3 returns NULL columns as empty strings
# (res/res_config_sqlite3.c row_to_varlist/append_row_to_cfg) and multi-row lookups keep them
# (main/config.c filters them only for single-row lookups), so sorcery refuses every endpoint,
# AOR and transport it lists. The same words at every door: --write-config, --test-connection,
# --validate.
SQLITE_REALTIME_REFUSAL = _(
    "The realtime database is SQLite, and Asterisk's SQLite driver (res_config_sqlite3) cannot read"
    " these tables: it passes empty columns on as empty strings, which Asterisk refuses, so it lists"
    " no endpoint, AOR or transport"
)
MOVE_TO_POSTGRESQL = _(
    "keep the realtime tables in PostgreSQL: DATABASE_URL=postgres://… (one database for the CRM and"
    " Asterisk) or ASTERISK_DB_NAME, ASTERISK_DB_USER, ASTERISK_DB_PASSWORD, ASTERISK_DB_HOST,"
    " ASTERISK_DB_PORT (a separate one), then python manage.py migrate --database=asterisk"
    " (docs/asterisk-config.md)"
)


def realtime_engine_refusal(alias: str | None = None) -> str | None:
    """Why Asterisk cannot use the realtime database ``alias`` (the realtime alias), or None."""
    engine = str(connections.settings[alias or realtime_db_alias()].get("ENGINE", ""))
    if "sqlite3" in engine:
        return f"{SQLITE_REALTIME_REFUSAL}; {MOVE_TO_POSTGRESQL}."
    return None


_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]+$")
_CONTEXT_RE = re.compile(r"^[A-Za-z0-9_.+-]+$")


class AsteriskConfigError(ImproperlyConfigured):
    """A setting cannot be written into an Asterisk configuration file as it is."""


@dataclass(frozen=True)
class WrittenConfigFile:
    path: Path
    status: Literal["written", "skipped"]


def _value(value: object, what: str) -> str:
    """A value safe on the right of ``key = ``: one line, no edge blanks, ``;`` escaped."""
    text = "" if value is None else str(value)
    if any(ch in text for ch in "\r\n\x00"):
        raise AsteriskConfigError(f"{what} contains a line break or NUL; Asterisk would read it as a new option.")
    if text != text.strip():
        raise AsteriskConfigError(f"{what} starts or ends with blanks; Asterisk strips them, so it would not match.")
    return text.replace(";", r"\;")


def _name(value: object, what: str, pattern: re.Pattern[str] = _CONTEXT_RE) -> str:
    text = str(value or "")
    if not pattern.match(text):
        raise AsteriskConfigError(f"{what} {text!r} is not a valid Asterisk name (letters, digits, _ . + -).")
    return text


def _asterisk() -> AsteriskSettings:
    try:
        return asterisk_settings()
    except TelephonyNotConfigured as exc:
        raise AsteriskConfigError(f"{exc}.") from None


def _realtime_db_settings() -> dict[str, Any]:
    """The realtime alias's DATABASES entry, exactly as Django connects with it."""
    return dict(connections.settings[realtime_db_alias()])


def _database_context() -> dict[str, Any]:
    db = _realtime_db_settings()
    engine = db.get("ENGINE", "")
    asterisk_cfg = getattr(settings, "VOIP_ASTERISK_CONFIG", {})
    if "sqlite3" in engine:
        raise AsteriskConfigError(f"{SQLITE_REALTIME_REFUSAL}; {MOVE_TO_POSTGRESQL}.")
    if "postgresql" not in engine:
        raise AsteriskConfigError(f"No Asterisk realtime driver is generated for database engine {engine!r}.")
    override = str(asterisk_cfg.get("DB_HOST_FOR_ASTERISK") or "").strip()
    django_host = str(db.get("HOST") or "").strip()
    host_note = ""
    if override:
        host = override
    elif django_host and not django_host.startswith("/") and django_host != "localhost":
        host = django_host
    else:
        # res_config_pgsql treats a missing hostname or "localhost" as "use the Unix socket in /tmp",
        # which is the wrong directory on Debian; TCP to loopback always works.
        host = "127.0.0.1"
        if django_host:
            host_note = f"Django connects through {django_host!r}; Asterisk is given TCP 127.0.0.1 instead."
    return {
        "driver": "pgsql",
        "database": "general",
        "hostname": _value(host, "ASTERISK_DB_HOST_FOR_ASTERISK / database HOST"),
        "host_note": host_note,
        "port": _value(db.get("PORT") or "5432", "database PORT"),
        "dbname": _value(db.get("NAME") or "", "database NAME"),
        "user": _value(db.get("USER") or "", "database USER"),
        "password": _value(db.get("PASSWORD") or "", "database PASSWORD"),
    }


_PREFIX_RE = re.compile(r"^[0-9]+$")


def _permit_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """The network a manager.conf ``permit`` value names, read the way Asterisk's acl.c reads it.

    ``addr`` alone is one host; ``addr/N`` a prefix length (Asterisk reads N with ``%d``, so
    ``00`` is 0); ``addr/mask`` a netmask, taken bit for bit as Asterisk applies it (so only
    contiguous masks are accepted: ``0.255.255.255`` would match any first octet). An IPv4-mapped
    IPv6 address is an IPv4 one, as Asterisk converts it.
    """
    address_text, slash, mask_text = text.partition("/")
    if address_text.startswith("[") and address_text.endswith("]"):
        address_text = address_text[1:-1]
    address = ipaddress.ip_address(address_text)  # ValueError when it is not an address
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    bits = address.max_prefixlen
    prefix: int
    if not slash:
        prefix = bits
    elif _PREFIX_RE.match(mask_text):
        prefix = int(mask_text)
        if prefix > bits:
            raise ValueError(f"prefix length {prefix} is longer than {bits} bits")
    else:
        mask = ipaddress.ip_address(mask_text.strip("[]"))
        if isinstance(mask, ipaddress.IPv6Address) and mask.ipv4_mapped is not None:
            mask = mask.ipv4_mapped
        if mask.version != address.version:
            raise ValueError("the address and the mask are of different IP versions")
        value = int(mask)
        prefix = bin(value).count("1")
        if value != ((1 << bits) - 1) ^ ((1 << (bits - prefix)) - 1):
            raise ValueError(f"netmask {mask_text} is not contiguous")
    return ipaddress.ip_network(f"{address}/{prefix}", strict=False)


def _permit(entry: str) -> str:
    text = _value(entry, "ASTERISK_AMI_PERMIT entry")
    try:
        network = _permit_network(text)
    except ValueError as exc:
        raise AsteriskConfigError(
            f"ASTERISK_AMI_PERMIT {entry!r} is not an address, address/prefix or address/netmask ({exc})."
        ) from None
    if network.prefixlen == 0:
        raise AsteriskConfigError(
            f"ASTERISK_AMI_PERMIT {entry!r} would open the manager to every address; list the CRM's address(es)."
        )
    return text


def _extension_patterns(low: int, high: int) -> list[str]:
    """Asterisk patterns matching exactly the numbers low..high (e.g. 1000-1999 -> ``_1XXX``)."""
    patterns: list[str] = []

    def split(lo: str, hi: str, prefix: str) -> None:
        if not lo:
            patterns.append(prefix)
            return
        if lo[1:] == "0" * (len(lo) - 1) and hi[1:] == "9" * (len(hi) - 1):
            first = lo[0] if lo[0] == hi[0] else f"[{lo[0]}-{hi[0]}]"
            patterns.append(prefix + first + "X" * (len(lo) - 1))
            return
        if lo[0] == hi[0]:
            split(lo[1:], hi[1:], prefix + lo[0])
            return
        split(lo, lo[0] + "9" * (len(lo) - 1), prefix)
        if int(hi[0]) - int(lo[0]) > 1:
            mid_lo, mid_hi = str(int(lo[0]) + 1), str(int(hi[0]) - 1)
            first = mid_lo if mid_lo == mid_hi else f"[{mid_lo}-{mid_hi}]"
            patterns.append(prefix + first + "X" * (len(lo) - 1))
        split(hi[0] + "0" * (len(hi) - 1), hi, prefix)

    if low > high:
        low, high = high, low
    for length in range(len(str(low)), len(str(high)) + 1):
        lo = max(low, 10 ** (length - 1) if length > 1 else 0)
        hi = min(high, 10**length - 1)
        if lo <= hi:
            split(str(lo), str(hi), "")
    return ["_" + p if any(c in p for c in "X[") else p for p in patterns]


def build_context() -> dict[str, Any]:
    ami = _asterisk()
    prov = getattr(settings, "VOIP_PROVISIONING", {})
    asterisk_cfg = getattr(settings, "VOIP_ASTERISK_CONFIG", {})
    secret = ami.secret
    if not secret:
        raise AsteriskConfigError("ASTERISK_AMI_SECRET is empty: set it in .env before generating manager.conf.")
    permits = asterisk_cfg.get("AMI_PERMIT") or ["127.0.0.1/255.255.255.255"]
    if isinstance(permits, str):
        permits = [permits]
    endpoint_context = _name(prov.get("ENDPOINT_CONTEXT", "from-internal"), "ASTERISK_ENDPOINT_CONTEXT")
    outbound_context = _name(ami.outbound_context or endpoint_context, "ASTERISK_OUTBOUND_CONTEXT")
    contexts = [endpoint_context] + ([outbound_context] if outbound_context != endpoint_context else [])
    low, high = prov.get("USER_EXTENSION_RANGE", (1000, 1999))
    return {
        "db": _database_context(),
        "pjsip_families": PJSIP_FAMILIES,
        "other_families": OTHER_FAMILIES,
        "sorcery": SORCERY_MAPPINGS,
        "sorcery_caches": (
            {
                object_type: f"memory_cache,name={name},{SORCERY_MEMORY_CACHE_OPTIONS}"
                for object_type, name in SORCERY_MEMORY_CACHES.items()
            }
            if sorcery_memory_cache_enabled()
            else {}
        ),
        "ami": {
            "port": ami.port,
            "bindaddr": _value(asterisk_cfg.get("AMI_BIND_ADDRESS") or "127.0.0.1", "ASTERISK_AMI_BIND_ADDRESS"),
            "username": _name(ami.username, "ASTERISK_AMI_USERNAME", _USERNAME_RE),
            "secret": _value(secret, "ASTERISK_AMI_SECRET"),
            "permits": [_permit(p) for p in permits],
            "read": ",".join(READ_CLASSES),
            "event_filters": MANAGER_EVENT_FILTERS,
            "write": ",".join(WRITE_CLASSES),
        },
        "contexts": contexts,
        "disabled_context": _name(prov.get("DISABLED_CONTEXT", "crm-disabled"), "ASTERISK_DISABLED_CONTEXT"),
        "extension_patterns": _extension_patterns(int(low), int(high)),
        "extension_range": f"{low}-{high}",
        "routing": routing_dialplan.template_context(),
        "realm": _value(prov.get("SIP_REALM") or "asterisk", "ASTERISK_SIP_REALM"),
        "transport": _value(prov.get("ENDPOINT_TRANSPORT") or "transport-udp", "ASTERISK_ENDPOINT_TRANSPORT"),
        "transport_bind": _value(prov.get("TRANSPORT_BIND") or "0.0.0.0:5060", "ASTERISK_TRANSPORT_BIND"),
    }


def _engine() -> Engine:
    # Plain text: no HTML escaping (a password with & must stay as it is).
    return Engine(dirs=[str(TEMPLATE_DIR)], autoescape=False, debug=False)


def render_asterisk_config() -> dict[str, str]:
    """Filename -> text of every file to copy into /etc/asterisk."""
    context = build_context()
    engine = _engine()
    names = ["res_pgsql.conf", "extconfig.conf", "sorcery.conf", "pjsip.conf", "manager.conf", "extensions.conf"]
    names.append("modules.conf")
    rendered: dict[str, str] = {}
    for name in names:
        text: str = engine.get_template(name).render(Context(context, autoescape=False))
        # Templates keep their {% %} tags on their own lines; drop the blank runs they leave.
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
        rendered[name] = text
    return rendered


def write_atomically(path: Path, text: str, *, owner: tuple[int, int] | None = None) -> None:
    """Replace ``path`` with ``text`` in one step, mode 0640 (secrets inside); as root, chown to ``owner``."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o640)  # secrets inside: not world-readable
        if owner is not None and os.geteuid() == 0:
            os.chown(temporary, *owner)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_asterisk_config(directory: Path, *, force: bool = False) -> list[WrittenConfigFile]:
    """Write every file into ``directory``; an existing file is left alone unless ``force``."""
    directory = Path(directory)
    files = render_asterisk_config()  # render everything first: a bad setting writes nothing
    directory.mkdir(parents=True, exist_ok=True)
    results: list[WrittenConfigFile] = []
    for name, text in files.items():
        path = directory / name
        if path.exists() and not force:
            results.append(WrittenConfigFile(path=path, status="skipped"))
            continue
        write_atomically(path, text)
        results.append(WrittenConfigFile(path=path, status="written"))
    return results
