"""Checks behind ``setup_asterisk_realtime --validate``.

Each check returns :class:`CheckResult` lines; nothing here writes anything. The expected schema is
our own realtime models' ``_meta`` (the same models the migrations create), compared with the live
catalogue (PostgreSQL ``information_schema``, SQLite ``PRAGMA table_info``). The Asterisk side is
asked over AMI; where the AMI user lacks the class an action needs, the line is a ⚠ naming the
class, never a guess about the result.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from django.apps import apps
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext as _

from voip.ami.errors import AMIActionError, AMIAuthenticationError, AMIConnectionError, AMIError, AMIPermissionDenied
from voip.asterisk_config.privileges import REQUIRED_ACTIONS
from voip.asterisk_config.writer import (
    MOVE_TO_POSTGRESQL,
    PJSIP_FAMILIES,
    SORCERY_MAPPINGS,
    SQLITE_REALTIME_REFUSAL,
)
from voip.backends import get_backend
from voip.backends.asteriskbackend import AsteriskRealtimeAPI
from voip.realtime.router import REALTIME_APP_LABEL, configured_realtime_alias, realtime_db_alias

Status = Literal["ok", "warning", "error"]
SYMBOLS: dict[str, str] = {"ok": "✓", "warning": "⚠", "error": "✗"}
MAX_LINES_PER_PROBLEM = 20
MIGRATE_HINT = "run python manage.py migrate --database=asterisk"


@dataclass(frozen=True)
class CheckResult:
    status: Status
    message: str
    hint: str = ""

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.status]

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def line(self) -> str:
        text = f"{self.symbol} {self.message}"
        if not self.hint:
            return text
        label = _("hint")  # outside the f-string, where makemessages can find it
        return f"{text} — {label}: {self.hint}"


def _ok(message: str) -> CheckResult:
    return CheckResult("ok", message)


def _warn(message: str, hint: str = "") -> CheckResult:
    return CheckResult("warning", message, hint)


def _error(message: str, hint: str = "") -> CheckResult:
    return CheckResult("error", message, hint)


def _capped(results: list[CheckResult], what: str) -> list[CheckResult]:
    if len(results) <= MAX_LINES_PER_PROBLEM:
        return results
    more = len(results) - MAX_LINES_PER_PROBLEM
    last = results[MAX_LINES_PER_PROBLEM - 1]
    return [
        *results[:MAX_LINES_PER_PROBLEM],
        CheckResult(last.status, _("… and %(n)d more %(what)s") % {"n": more, "what": what}),
    ]


# -- database ---------------------------------------------------------------------------------


def check_database(alias: str | None = None) -> CheckResult:
    alias = alias or realtime_db_alias()
    # Name the database as the settings do: in Option A its connection is `default`.
    label = configured_realtime_alias() if alias == realtime_db_alias() else alias
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error: the point is to report it
        return _error(
            _("Database unreachable (%(alias)s): %(error)s") % {"alias": label, "error": str(exc).strip()},
            _("check ASTERISK_DB_* / ASTERISK_DATABASE_URL in .env and that the server is running"),
        )
    return _ok(_("Database reachable (%(alias)s)") % {"alias": label})


@dataclass(frozen=True)
class ColumnSpec:
    type: str  # normalised: varchar(40), integer, timestamp ...
    null: bool
    enum: bool = False  # a Django CharField with choices: an adopted PostgreSQL enum is fine too


@dataclass
class TableSpec:
    name: str
    columns: dict[str, ColumnSpec] = field(default_factory=dict)


def _normalise_type(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip().lower())
    text = text.replace("character varying", "varchar").replace("timestamp without time zone", "timestamp")
    text = re.sub(r"\s*,\s*", ", ", text)
    return {"int": "integer", "int4": "integer", "int8": "bigint", "float8": "double precision"}.get(text, text)


def expected_schema(connection: BaseDatabaseWrapper) -> dict[str, TableSpec]:
    """Every realtime table and column as our models define them, typed for ``connection``."""
    tables: dict[str, TableSpec] = {}
    for model in apps.get_app_config(REALTIME_APP_LABEL).get_models():
        if not model._meta.managed and model._meta.proxy:
            continue
        spec = TableSpec(model._meta.db_table)
        for fld in model._meta.local_fields:
            db_type = fld.db_type(connection)
            if not fld.column or db_type is None:
                continue
            spec.columns[fld.column] = ColumnSpec(
                _normalise_type(db_type), null=bool(fld.null) and not fld.primary_key, enum=bool(fld.choices)
            )
        tables[spec.name] = spec
    return tables


def live_schema(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> dict[str, dict[str, ColumnSpec]]:
    """The live catalogue of the given tables (absent tables are absent from the result)."""
    wanted = list(tables)
    found: dict[str, dict[str, ColumnSpec]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision,
                       numeric_scale, is_nullable, udt_name
                FROM information_schema.columns
                WHERE table_schema = ANY(current_schemas(false)) AND table_name = ANY(%s)
                """,
                [wanted],
            )
            for table, column, data_type, length, precision, scale, nullable, udt in cursor.fetchall():
                if data_type == "USER-DEFINED":
                    type_text = f"enum {udt}"
                elif data_type == "character varying" and length is not None:
                    type_text = f"varchar({length})"
                elif data_type == "numeric" and precision is not None:
                    type_text = f"numeric({precision}, {scale or 0})"
                else:
                    type_text = data_type
                found.setdefault(table, {})[column] = ColumnSpec(_normalise_type(type_text), nullable == "YES")
        elif connection.vendor == "sqlite":
            existing = set(connection.introspection.table_names(cursor))
            for table in wanted:
                if table not in existing:
                    continue
                cursor.execute(f'PRAGMA table_info("{table}")')
                for _cid, column, type_text, notnull, _default, pk in cursor.fetchall():
                    found.setdefault(table, {})[column] = ColumnSpec(_normalise_type(type_text), not notnull and not pk)
        else:  # pragma: no cover - other engines are not supported by the project
            raise DatabaseError(f"schema check not implemented for {connection.vendor}")
    return found


def check_schema(alias: str | None = None) -> list[CheckResult]:
    alias = alias or realtime_db_alias()
    connection = connections[alias]
    expected = expected_schema(connection)
    try:
        live = live_schema(connection, expected)
    except DatabaseError as exc:
        return [_error(_("Cannot read the database catalogue: %(error)s") % {"error": exc})]
    problems: list[CheckResult] = []
    columns = 0
    for table, spec in sorted(expected.items()):
        if table not in live:
            problems.append(_error(_("%(table)s: table missing") % {"table": table}, MIGRATE_HINT))
            continue
        for column, want in spec.columns.items():
            columns += 1
            have = live[table].get(column)
            where = f"{table}.{column}"
            if have is None:
                problems.append(_error(_("%(where)s: column missing") % {"where": where}, MIGRATE_HINT))
                continue
            type_ok = have.type == want.type or (want.enum and have.type.startswith("enum "))
            if not type_ok:
                problems.append(
                    _error(
                        _("%(where)s: %(want)s expected, found %(have)s")
                        % {"where": where, "want": want.type, "have": have.type},
                        MIGRATE_HINT,
                    )
                )
            if have.null != want.null:
                problems.append(
                    _error(
                        _("%(where)s: %(want)s expected, found %(have)s")
                        % {
                            "where": where,
                            "want": "NULL" if want.null else "NOT NULL",
                            "have": "NULL" if have.null else "NOT NULL",
                        },
                        MIGRATE_HINT,
                    )
                )
    if problems:
        return _capped(problems, _("schema problems"))
    return [
        _ok(
            _("Realtime schema matches (%(tables)d tables, %(columns)d columns)")
            % {"tables": len(expected), "columns": columns}
        )
    ]


# -- rows ---------------------------------------------------------------------------------------


def _split_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def check_rows(alias: str | None = None) -> list[CheckResult]:
    """Endpoint rows that Asterisk would reject or mis-serve, and extension-number clashes."""
    from voip.provisioning.models import InternalNumber
    from voip.realtime.models import PsAor, PsAuth, PsEndpoint, PsTransport

    alias = alias or realtime_db_alias()
    endpoints = list(PsEndpoint.objects.using(alias).values_list("id", "auth", "aors", "transport"))
    auth_ids = set(PsAuth.objects.using(alias).values_list("id", flat=True))
    aors = dict(PsAor.objects.using(alias).values_list("id", "max_contacts"))
    transports = set(PsTransport.objects.using(alias).values_list("id", flat=True))
    numbers = list(InternalNumber.objects.using("default").values_list("number", "endpoint_id", "user__username"))
    # Disabling an extension sets its AOR's max_contacts to 0 on purpose (voip.provisioning).
    inactive = InternalNumber.objects.using("default").filter(is_active=False)
    disabled = set(inactive.values_list("endpoint_id", flat=True))

    results: list[CheckResult] = []
    broken: list[CheckResult] = []
    used_aors: set[str] = set()
    bad_transport: list[CheckResult] = []
    for endpoint_id, auth, aor_list, transport in endpoints:
        for auth_id in _split_list(auth):
            if auth_id not in auth_ids:
                broken.append(
                    _error(
                        _("Endpoint %(e)s: auth %(a)s does not exist in ps_auths") % {"e": endpoint_id, "a": auth_id},
                        _("reset the password or re-provision the extension"),
                    )
                )
        names = _split_list(aor_list)
        if not names:
            broken.append(_error(_("Endpoint %(e)s has no AOR: it cannot register") % {"e": endpoint_id}))
        for aor_id in names:
            used_aors.add(aor_id)
            if aor_id not in aors:
                broken.append(
                    _error(
                        _("Endpoint %(e)s: AOR %(a)s does not exist in ps_aors") % {"e": endpoint_id, "a": aor_id},
                        _("re-provision the extension"),
                    )
                )
        if transport and transport not in transports:
            bad_transport.append(
                _warn(
                    _("Endpoint %(e)s uses transport %(t)s, which is not in ps_transports")
                    % {"e": endpoint_id, "t": transport},
                    _("run python manage.py setup_asterisk_realtime --create-transports"),
                )
            )
    zero = [
        _error(
            _("AOR %(a)s: max_contacts=%(m)s — Asterisk answers REGISTER with 403") % {"a": aor_id, "m": max_c or 0},
            _("set max_contacts to 1 or more"),
        )
        for aor_id, max_c in sorted(aors.items())
        if aor_id in used_aors and not max_c and aor_id not in disabled
    ]
    zero += [
        _warn(
            _("Extension %(a)s is disabled but its AOR still accepts registrations (max_contacts=%(m)s)")
            % {"a": aor_id, "m": aors[aor_id]},
            _("disable it again from the admin or with the provisioning service"),
        )
        for aor_id in sorted(disabled)
        if aors.get(aor_id)
    ]
    endpoint_ids = {row[0] for row in endpoints}
    by_number = {number: (endpoint_id, username) for number, endpoint_id, username in numbers}
    clashes = [
        _error(
            _("Extension %(n)s of user %(u)s is endpoint %(own)s, but endpoint %(n)s also exists")
            % {"n": number, "u": username, "own": endpoint_id},
            _("dialling %(n)s rings endpoint %(n)s, not %(u)s: change one of them") % {"n": number, "u": username},
        )
        for number, (endpoint_id, username) in sorted(by_number.items())
        if number != endpoint_id and number in endpoint_ids
    ]
    orphans = [
        _warn(
            _("Extension %(n)s of user %(u)s has no endpoint row %(e)s") % {"n": n, "u": u, "e": e},
            _("re-provision the extension"),
        )
        for n, e, u in numbers
        if e not in endpoint_ids
    ]
    from voip.provisioning.services import unconfirmed_extensions

    unfinished = [
        _warn(
            _("Endpoint %(e)s has no CRM user: a provisioning run was interrupted after creating it") % {"e": e},
            _("run python manage.py setup_asterisk_realtime --provision-users to remove it and provision again"),
        )
        for e in unconfirmed_extensions(older_than=dt.timedelta(0), tidy=False)
    ]
    results += _capped(unfinished, _("unfinished extensions"))
    results += _capped(broken, _("broken endpoints")) + _capped(zero, _("AORs"))
    results += _capped(bad_transport, _("endpoints")) + _capped(clashes, _("clashes")) + _capped(orphans, "")
    if not results:
        results.append(_ok(_("Realtime rows consistent (%(n)d endpoints)") % {"n": len(endpoints)}))
    return results


# -- Asterisk over AMI --------------------------------------------------------------------------


def _denied(what: str, classes: str) -> CheckResult:
    return _warn(
        _("%(what)s not checked: the AMI user lacks write class %(classes)s") % {"what": what, "classes": classes},
        _("grant it in manager.conf (see docs/asterisk-config.md) or check by hand in the Asterisk CLI"),
    )


def check_privileges(allowed: dict[str, tuple[str, ...]], username: str) -> list[CheckResult]:
    results = []
    lowered = {name.lower() for name in allowed}
    for need in REQUIRED_ACTIONS:
        if need.action.lower() not in lowered:
            results.append(
                _warn(
                    _("AMI user %(u)s may not run %(a)s (needs write class %(c)s): %(p)s")
                    % {"u": username, "a": need.action, "c": " or ".join(need.classes), "p": need.purpose},
                    _("add it to write= in manager.conf"),
                )
            )
    if "updateconfig" in lowered:
        results.append(
            _warn(
                _("AMI user %(u)s has write class config (or all): it may rewrite any Asterisk configuration file")
                % {"u": username},
                _("use the least-privilege manager.conf from setup_asterisk_realtime --write-config"),
            )
        )
    if not results:
        results.append(_ok(_("AMI privileges cover every action the CRM uses")))
    return results


def _get_config(
    backend: AsteriskRealtimeAPI, filename: str
) -> tuple[dict[str, list[tuple[str, str]]] | None, CheckResult | None]:
    """``GetConfig`` through the backend -> {category: [(option, value), ...]}, or the problem."""
    try:
        config = backend.get_config(filename)
    except AMIPermissionDenied:
        return None, _denied(_("%(f)s mappings") % {"f": filename}, "system or config")
    except AMIActionError as exc:
        return None, _error(
            _("Asterisk cannot read %(f)s: %(m)s") % {"f": filename, "m": exc.message},
            _("copy the generated %(f)s into /etc/asterisk (setup_asterisk_realtime --write-config)") % {"f": filename},
        )
    categories: dict[str, list[tuple[str, str]]] = {}
    for category in config.categories:
        lines = categories.setdefault(category.name, [])
        lines += [(option.strip(), value.strip()) for option, value in category.lines]
    return categories, None


def check_sorcery(backend: AsteriskRealtimeAPI) -> list[CheckResult]:
    categories, problem = _get_config(backend, "sorcery.conf")
    if problem is not None:
        if problem.status == "error":
            problem = _error(
                problem.message + " — " + _("res_pjsip never reads the ps_* tables without it"), problem.hint
            )
        return [problem]
    assert categories is not None
    missing = []
    for module, mappings in SORCERY_MAPPINGS.items():
        present = {(k, v.replace(" ", "")) for k, v in categories.get(module, [])}
        for object_type, family in mappings:
            if (object_type, f"realtime,{family}") not in present:
                missing.append(f"[{module}] {object_type}=realtime,{family}")
    if missing:
        return [
            _error(
                _("sorcery.conf lacks %(m)s") % {"m": "; ".join(missing)},
                _("copy the generated sorcery.conf and reload res_pjsip"),
            )
        ]
    return [_ok(_("sorcery.conf maps PJSIP objects to the realtime tables"))]


def check_extconfig(backend: AsteriskRealtimeAPI, driver: str) -> list[CheckResult]:
    categories, problem = _get_config(backend, "extconfig.conf")
    if problem is not None:
        return [problem]
    assert categories is not None
    mapped = {key: value.lstrip(">").strip() for key, value in categories.get("settings", [])}
    missing = [
        family
        for family in (*PJSIP_FAMILIES, "extensions")
        if not mapped.get(family, "").replace(" ", "").startswith(f"{driver},")
    ]
    if missing:
        return [
            _error(
                _("extconfig.conf does not map %(f)s to %(d)s") % {"f": ", ".join(missing), "d": driver},
                _("copy the generated extconfig.conf and restart Asterisk"),
            )
        ]
    return [_ok(_("extconfig.conf maps the realtime families to %(d)s") % {"d": driver})]


# "Transport:  transport-udp             udp      0      0  127.0.0.1:5060" under the header line
# "Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress...>" of `pjsip show transports`
# (res/res_pjsip/config_transport.c); "No objects found." when there is none.
_CLI_TRANSPORT_LINE = re.compile(r"^\s*Transport:\s+(?P<id>[^<\s]\S*)\s+(?P<type>\S+)\s+\d+\s+\d+\s+(?P<bind>\S+)\s*$")


def loaded_transports(cli_output: str) -> dict[str, str]:
    """Transport id -> ``type bind`` from the output of ``pjsip show transports``."""
    found: dict[str, str] = {}
    for line in cli_output.splitlines():
        match = _CLI_TRANSPORT_LINE.match(line)
        if match:
            found[match.group("id")] = f"{match.group('type')} {match.group('bind')}"
    return found


def _loaded_endpoints(backend: AsteriskRealtimeAPI) -> set[str]:
    try:
        return {endpoint.endpoint_id for endpoint in backend.list_endpoints()}
    except AMIActionError as exc:
        # With no endpoint loaded Asterisk answers an error, not an empty list
        # (res/res_pjsip/pjsip_configuration.c ami_show_endpoints; tests/diagnostics/transcripts/01-*).
        if (exc.message or "").strip() == "No endpoints found":
            return set()
        raise


def _names(items: Iterable[str]) -> str:
    ordered = sorted(items)
    shown = ", ".join(ordered[:MAX_LINES_PER_PROBLEM])
    return shown + (f" … (+{len(ordered) - MAX_LINES_PER_PROBLEM})" if len(ordered) > MAX_LINES_PER_PROBLEM else "")


def check_loaded_objects(backend: AsteriskRealtimeAPI, alias: str | None = None) -> list[CheckResult]:
    """What Asterisk has loaded (endpoints it lists, transports it lists) against the database rows.

    Rows that Asterisk cannot read are otherwise invisible: the database checks pass while
    Asterisk lists nothing (the SQLite realtime driver, a wrong sorcery.conf, a refused column).
    """
    from voip.realtime.models import PsEndpoint, PsTransport

    alias = alias or realtime_db_alias()
    sqlite = connections[alias].vendor == "sqlite"
    stored_endpoints = set(PsEndpoint.objects.using(alias).values_list("id", flat=True))
    stored_transports = {
        transport_id: f"{protocol or 'udp'} {bind or '-'}"
        for transport_id, protocol, bind in PsTransport.objects.using(alias).values_list("id", "protocol", "bind")
    }
    not_read_hint = (
        str(MOVE_TO_POSTGRESQL)
        if sqlite
        else _(
            "Asterisk's log names what it refused (Error parsing …); check sorcery.conf and extconfig.conf"
            " (setup_asterisk_realtime --write-config), then restart Asterisk"
        )
    )
    results: list[CheckResult] = []
    try:
        listed = _loaded_endpoints(backend)
    except AMIPermissionDenied:
        results.append(_denied(_("Endpoints loaded by Asterisk"), "system"))
    else:
        missing, extra = stored_endpoints - listed, listed - stored_endpoints
        if missing:
            results.append(
                _error(
                    _(
                        "Asterisk lists %(n)d of the %(m)d endpoints in ps_endpoints (PJSIPShowEndpoints);"
                        " not loaded: %(e)s"
                    )
                    % {"n": len(stored_endpoints) - len(missing), "m": len(stored_endpoints), "e": _names(missing)},
                    not_read_hint,
                )
            )
        else:
            results.append(
                _ok(_("Asterisk lists every endpoint in ps_endpoints (%(n)d)") % {"n": len(stored_endpoints)})
            )
        if extra:
            results.append(
                _warn(
                    _("Asterisk lists endpoints that are not in ps_endpoints: %(e)s") % {"e": _names(extra)},
                    _("they come from another source (pjsip.conf?); the CRM does not manage them"),
                )
            )
    try:
        transports = loaded_transports(backend.command("pjsip show transports"))
    except AMIPermissionDenied:
        results.append(_denied(_("Transports loaded by Asterisk"), "command"))
    except AMIActionError as exc:
        results.append(_error(_("pjsip show transports failed: %(m)s") % {"m": exc.message}))
    else:
        missing_transports = sorted(set(stored_transports) - set(transports))
        for transport_id in missing_transports:
            results.append(
                _error(
                    _(
                        "Transport %(t)s (%(b)s) is in ps_transports but Asterisk does not list it"
                        " (pjsip show transports)"
                    )
                    % {"t": transport_id, "b": stored_transports[transport_id]},
                    not_read_hint
                    if sqlite
                    else _(
                        "sorcery.conf needs transport=realtime,ps_transports; two transports on one address and"
                        " port cannot both bind; Asterisk's log says why"
                    ),
                )
            )
        if not missing_transports:
            results.append(
                _ok(
                    _("Asterisk lists every transport in ps_transports (%(t)s)")
                    % {"t": _names(stored_transports) or "-"}
                )
            )
        extra_transports = set(transports) - set(stored_transports)
        if extra_transports:
            results.append(
                _warn(
                    _("Asterisk lists transports that are not in ps_transports: %(t)s")
                    % {"t": _names(extra_transports)},
                    _("a static transport on the address and port of a realtime one keeps the latter from binding"),
                )
            )
    return _capped(results, _("endpoint and transport lines"))


def check_asterisk(backend: AsteriskRealtimeAPI | None = None, alias: str | None = None) -> list[CheckResult]:
    """Login, privileges, modules, Asterisk's database connection and mappings: one AMI session."""
    backend = get_backend() if backend is None else backend
    alias = alias or realtime_db_alias()
    host, port, username = backend.host, backend.port, backend.username
    sqlite = connections[alias].vendor == "sqlite"
    driver_module = "res_config_sqlite3.so" if sqlite else "res_config_pgsql.so"
    results: list[CheckResult] = []
    try:
        with backend.session():
            version = ""
            with contextlib.suppress(AMIPermissionDenied):
                version = backend.core_settings().asterisk_version or ""
            results.append(
                _ok(
                    _("AMI login OK (user %(u)s%(v)s)")
                    % {"u": username, "v": f", Asterisk {version}" if version else ""}
                )
            )
            results += check_privileges(backend.list_commands(), username)
            for module in ("res_pjsip.so", driver_module, "res_sorcery_realtime.so", "app_queue.so"):
                results.append(_check_module(backend, module))
            if not sqlite:
                results.append(_check_pgsql_status(backend, alias))
            results += check_sorcery(backend)
            results += check_extconfig(backend, "sqlite3" if sqlite else "pgsql")
            results += check_loaded_objects(backend, alias)
            results += check_trunks(backend)
    except AMIAuthenticationError:
        return [
            _error(
                _("AMI login refused for user %(u)s at %(h)s:%(p)s") % {"u": username, "h": host, "p": port},
                _("ASTERISK_AMI_USERNAME / ASTERISK_AMI_SECRET must match a [user] in manager.conf, and its permit="),
            )
        ]
    except AMIConnectionError as exc:
        if not results:
            return [
                _error(
                    _("AMI unreachable at %(h)s:%(p)s: %(r)s") % {"h": host, "p": port, "r": exc.reason},
                    _("is Asterisk running with enabled = yes and this bindaddr/port in manager.conf?"),
                )
            ]
        results.append(_error(_("AMI failed during the checks: %(e)s") % {"e": exc}))
    except AMIError as exc:
        results.append(_error(_("AMI failed during the checks: %(e)s") % {"e": exc}))
    return results


def check_trunks(backend: AsteriskRealtimeAPI) -> list[CheckResult]:
    """Each enabled trunk's live state: registration (PJSIPShowRegistrationsOutbound) and qualify."""
    from voip.trunks.selectors import Reachability, Registration, trunk_list, trunk_statuses

    trunks = [trunk for trunk in trunk_list() if trunk.enabled]
    results = []
    for name, status in trunk_statuses(trunks=trunks, backend=backend).items():
        line = _("Trunk %(name)s: %(state)s") % {"name": name, "state": status.summary()}
        if status.registration == Registration.REJECTED:
            results.append(_error(line, _("check the trunk's username and password with the provider")))
        elif (
            status.error
            or status.registration in (Registration.UNREGISTERED, Registration.UNKNOWN)
            or (status.reachability == Reachability.UNREACHABLE)
        ):
            results.append(_warn(line, _("is the provider's host:port right, and reachable from Asterisk?")))
        else:
            results.append(_ok(line))
    return _capped(results, _("trunks"))


def _check_module(backend: AsteriskRealtimeAPI, module: str) -> CheckResult:
    try:
        check = backend.module_check(module)
    except AMIPermissionDenied:
        return _denied(_("Module %(m)s") % {"m": module}, "system")
    except AMIActionError as exc:
        check_message = exc.message
    else:
        if check.loaded:
            return _ok(_("Module %(m)s loaded") % {"m": module})
        check_message = check.message or ""
    return _error(
        _("Module %(m)s: %(r)s") % {"m": module, "r": check_message},
        _("add load => %(m)s to modules.conf and restart Asterisk") % {"m": module},
    )


def _check_pgsql_status(backend: AsteriskRealtimeAPI, alias: str) -> CheckResult:
    try:
        output = backend.command("realtime show pgsql status").strip()
    except AMIPermissionDenied:
        return _denied(_("Asterisk's PostgreSQL connection"), "command")
    except AMIActionError as exc:
        return _error(
            _("realtime show pgsql status failed: %(m)s") % {"m": exc.message},
            _("is res_config_pgsql.so loaded?"),
        )
    # "Connected to asterisk@127.0.0.1, port 5432 with username asterisk for 1 minute, 34 seconds"
    match = re.search(r"Connected to (\S+)@(\S+?), port (\d+) with username (\S+)", output)
    if not match:
        return _error(
            _("Asterisk is not connected to PostgreSQL: %(o)s") % {"o": output or "-"},
            _("check res_pgsql.conf (hostname, port, dbname, user, password)"),
        )
    dbname, user = match.group(1), match.group(4)
    db = connections.settings[alias]
    if dbname != str(db.get("NAME")) or (db.get("USER") and user != str(db.get("USER"))):
        return _warn(
            _("Asterisk is connected to %(db)s as %(u)s, Django uses %(ddb)s as %(du)s")
            % {"db": dbname, "u": user, "ddb": db.get("NAME"), "du": db.get("USER") or "-"},
            _("regenerate res_pgsql.conf with setup_asterisk_realtime --write-config"),
        )
    return _ok(_("Asterisk connected to PostgreSQL (%(o)s)") % {"o": output})


# -- all of it ------------------------------------------------------------------------------------


def check_realtime_engine(alias: str | None = None) -> list[CheckResult]:
    """An error when Asterisk could not use the realtime database's engine (SQLite), else nothing."""
    alias = alias or realtime_db_alias()
    if connections[alias].vendor == "sqlite":
        return [_error(str(SQLITE_REALTIME_REFUSAL), str(MOVE_TO_POSTGRESQL))]
    return []


def run_validation(*, backend: AsteriskRealtimeAPI | None = None) -> list[CheckResult]:
    """Every check in order: database, schema, rows, then Asterisk over AMI."""
    alias = realtime_db_alias()
    database = check_database(alias)
    results = [database, *check_realtime_engine(alias)]
    if database.ok:
        schema = check_schema(alias)
        results += schema
        if all(r.ok for r in schema):
            results += check_rows(alias)
        else:
            results.append(_warn(_("Row checks skipped until the schema is fixed")))
    results += check_asterisk(backend, alias)
    return results
