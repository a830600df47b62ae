"""Benchmark: REGISTERs and call set-ups against realtime PJSIP objects, cached and not, and static ones.

Run from the repository root (needs Asterisk at ``ASTERISK_PREFIX``, default /opt/asterisk, and
sipp on the PATH; see docs/PERFORMANCE.md)::

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/realtime_lookup.py
    python bench/realtime_lookup.py --endpoints 500 --modes uncached,cache

A fresh database is created on that server (without ``BENCH_DATABASE_URL`` a throwaway embedded
PostgreSQL), migrated, and ``--endpoints`` users are provisioned through
``voip.provisioning.services.provision_users``. Then, for each mode, a private Asterisk (the one
of the real-Asterisk tests, ``tests/integration/asterisk.py``) boots on the configuration
``setup_asterisk_realtime --write-config`` generates:

* ``uncached``: endpoints, AORs and auths read from the realtime tables on every lookup;
* ``cache``: the same with ``ASTERISK_SORCERY_CACHE`` (res_sorcery_memory_cache in front);
* ``static``: the same rows written as ``pjsip.conf`` sections, their sorcery mappings removed.

Contacts (``ps_contacts``) and the transport stay realtime in every mode, so only the lookup of
the endpoint, AOR and auth differs. sipp (``bench/sipp/*.xml``) then sends, on 127.0.0.1:

1. one REGISTER per endpoint, not measured (fills the cache in the cache mode);
2. REGISTERs (challenge and authenticated retry) at ``--rate`` per second: latency;
3. REGISTERs with ``--concurrency`` in flight: throughput and latency under load;
4. and 5. the same for call set-ups (authenticated INVITE to an extension that answers).

In the realtime modes ``--edits`` caller-ID changes go through ``update_extension`` (the
service the admin and the API call) and AMI ``pjsip show endpoint`` is polled until Asterisk
shows the new value; a direct row update that bypasses the notifier shows whether the cache is
in effect. Prints markdown tables and exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
for entry in (REPO_ROOT, REPO_ROOT / "bench"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

SIPP_DIR = Path(__file__).resolve().parent / "sipp"
MODES = ("uncached", "cache", "static")
ANSWER_EXTEN = "bench-answer"
# Object types whose source the static mode moves from realtime to pjsip.conf (sorcery.conf lines).
STATIC_TYPES = ("endpoint", "aor", "auth")
EDIT_TARGET_S = 1.0
CACHE_VS_STATIC = 0.10


# --- pure helpers (tests/bench/test_realtime_lookup.py) --------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def injection_csv(rows: Iterable[Sequence[str]]) -> str:
    """A sipp injection file: ``SEQUENTIAL``, then one ``;``-separated line per call."""
    lines = ["SEQUENTIAL"]
    for row in rows:
        for value in row:
            if any(c in value for c in ";\r\n"):
                raise ValueError(f"a sipp injection field cannot hold {value!r}")
        lines.append(";".join(row))
    return "\n".join(lines) + "\n"


def sipp_credentials(username: str, password: str) -> str:
    """sipp's ``[authentication]`` keyword for one injection field (the scenarios use ``[field1]``)."""
    for value in (username, password):
        if not re.fullmatch(r"[A-Za-z0-9_.+-]+", value):
            raise ValueError(f"sipp's authentication keyword cannot carry {value!r}")
    return f"[authentication username={username} password={password}]"


def static_sorcery(text: str) -> str:
    """``sorcery.conf`` without the realtime (and cache) lines of the endpoint, AOR and auth types.

    An unmapped type falls back to res_sorcery_config reading pjsip.conf.
    """
    pattern = re.compile(rf"^\s*({'|'.join(STATIC_TYPES)})(/cache)?\s*=")
    kept = [line for line in text.splitlines() if not pattern.match(line)]
    return "\n".join(kept) + "\n"


def _config_value(value: Any) -> str:
    # Realtime values escape ";" and "^" as ^3B / ^5E (NOTES "Schema"); a config file takes them raw.
    text = re.sub(r"\^([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), str(value))
    if "\n" in text or "\r" in text:
        raise ValueError(f"a pjsip.conf value cannot hold a line break: {text!r}")
    return text


def static_section(object_type: str, row: Mapping[str, Any]) -> str:
    """One ``pjsip.conf`` section with the non-empty columns of a realtime row."""
    lines = [f"[{row['id']}]", f"type = {object_type}"]
    for column, value in row.items():
        if column in ("id", "type") or value is None or value == "":
            continue
        lines.append(f"{column} = {_config_value(value)}")
    return "\n".join(lines) + "\n"


def answer_dialplan(context: str) -> str:
    """An extension in the endpoints' context that answers at once and stays up until the BYE."""
    return f"\n[{context}]\nexten => {ANSWER_EXTEN},1,Answer()\n same => n,Wait(60)\n same => n,Hangup()\n"


def parse_rtt(text: str) -> list[float]:
    """Response times (ms) from sipp's ``-trace_rtt`` file (``Date_ms;response_time_ms;rtd_no``)."""
    values = []
    for line in text.splitlines():
        parts = line.strip().split(";")
        if len(parts) >= 2 and parts[0] and parts[0][0].isdigit():
            values.append(float(parts[1]))
    return values


def parse_rtt_dates(text: str) -> list[float]:
    """The ``Date_ms`` column of the same file: when each response time was taken (ms)."""
    return [
        float(line.split(";")[0])
        for line in text.splitlines()
        if line.strip() and line[0].isdigit() and len(line.split(";")) >= 2
    ]


def parse_stat(text: str) -> dict[str, str]:
    """The last row of sipp's ``-trace_stat`` CSV, by column name."""
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    rows = [row for row in rows if row]
    if len(rows) < 2:
        return {}
    return dict(zip(rows[0], rows[-1], strict=False))


SQL_LINE = re.compile(
    r"PostgreSQL query successful: (SELECT|INSERT|UPDATE|DELETE)\b(?:[^\n]*?\b(?:FROM|INTO)\s+|\s+)\"?(\w+)", re.I
)


def queries_by_table(log: str) -> dict[str, int]:
    """``{"SELECT ps_contacts": n, ...}`` from res_config_pgsql's debug lines in an Asterisk log."""
    counts: dict[str, int] = {}
    for match in SQL_LINE.finditer(log):
        end = log.find("\n", match.start())
        line = log[match.start() : end if end >= 0 else None]
        # res_config_pgsql reads a table's columns from the catalogue the first time it writes to it.
        table = "pg_catalog" if "pg_catalog." in line else match.group(2)
        key = f"{match.group(1).upper()} {table}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def throughput(dates_ms: Sequence[float], durations_ms: Sequence[float]) -> float:
    """Completed per second: count over the span from the first start to the last completion."""
    if not dates_ms:
        return 0.0
    first_start = min(d - r for d, r in zip(dates_ms, durations_ms, strict=True))
    span = (max(dates_ms) - first_start) / 1000
    return len(dates_ms) / span if span > 0 else math.inf


# --- sipp ------------------------------------------------------------------------------------


@dataclass
class SippRun:
    scenario: str
    calls: int
    successful: int
    failed: int
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    db_per_call: float = math.nan  # transactions on the realtime database per call (Asterisk's queries)


def run_sipp(
    scenario: str,
    *,
    sip_port: int,
    rows: Sequence[Sequence[str]],
    work: Path,
    rate: float,
    concurrency: int,
    local_port: int,
    media_port: int,
) -> SippRun:
    work.mkdir(parents=True, exist_ok=True)
    (work / "inject.csv").write_text(injection_csv(rows))
    shutil.copy(SIPP_DIR / f"{scenario}.xml", work / f"{scenario}.xml")
    command = [
        shutil.which("sipp") or "/usr/bin/sipp",
        f"127.0.0.1:{sip_port}",
        "-sf",
        f"{scenario}.xml",
        "-inf",
        "inject.csv",
        "-i",
        "127.0.0.1",
        "-p",
        str(local_port),
        "-mp",
        str(media_port),
        "-t",
        "u1",
        "-m",
        str(len(rows)),
        "-r",
        str(rate),
        "-l",
        str(concurrency),
        "-aa",
        "-nostdin",
        "-timer_resol",
        "1",
        "-recv_timeout",
        "10000",
        "-timeout",
        f"{max(60, int(len(rows) / max(rate, 1) * 4) + 60)}s",
        "-trace_rtt",
        "-rtt_freq",
        "1",
        "-trace_stat",
        "-fd",
        "1",
        "-stf",
        "stat.csv",
        "-trace_err",
    ]
    with (work / "sipp.out").open("wb") as out:
        subprocess.run(command, cwd=work, stdout=out, stderr=subprocess.STDOUT, check=False)
    rtt_text = "".join(path.read_text() for path in work.glob(f"{scenario}_*_rtt.csv"))
    durations, dates = parse_rtt(rtt_text), parse_rtt_dates(rtt_text)
    stat = parse_stat((work / "stat.csv").read_text() if (work / "stat.csv").exists() else "")
    return SippRun(
        scenario=scenario,
        calls=len(rows),
        successful=int(stat.get("SuccessfulCall(C)", len(durations)) or 0),
        failed=int(stat.get("FailedCall(C)", len(rows) - len(durations)) or 0),
        per_second=throughput(dates, durations),
        p50_ms=percentile(durations, 50),
        p99_ms=percentile(durations, 99),
        max_ms=max(durations) if durations else math.nan,
    )


# --- the run ---------------------------------------------------------------------------------


@dataclass
class ModeResult:
    mode: str
    runs: dict[str, SippRun] = field(default_factory=dict)
    edit_ms: list[float] = field(default_factory=list)
    edit_timeouts: int = 0
    service_ms: list[float] = field(default_factory=list)
    bypass_seen: bool | None = None  # a row changed behind the notifier's back showed at once
    # Asterisk's realtime queries of a few traced REGISTERs / INVITEs, per call: {scenario: {table: n}}
    queries: dict[str, dict[str, float]] = field(default_factory=dict)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of " + ", ".join(MODES))
    parser.add_argument("--rate", type=float, default=10, help="REGISTERs/INVITEs per second in the latency pass")
    parser.add_argument("--concurrency", type=int, default=10, help="calls in flight in the throughput pass")
    parser.add_argument("--edits", type=int, default=40, help="caller-ID edits timed per realtime mode")
    parser.add_argument("--keep", action="store_true", help="keep the Asterisk and sipp folders (path printed)")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(sorted(unknown))}")
    from tests.integration import asterisk as asterisk_module

    if not asterisk_module.installed():
        parser.error(f"Asterisk is not installed at {asterisk_module.PREFIX} (set ASTERISK_PREFIX)")
    if not shutil.which("sipp"):
        parser.error("sipp is not on the PATH (Debian: apt-get install sip-tester)")

    from _databases import scratch_databases

    with scratch_databases("bench_lookup"):
        return run(args, modes)


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _asterisk_version(binary: Path) -> str:
    result = subprocess.run([str(binary), "-V"], capture_output=True, text=True, check=False)
    return result.stdout.strip()


def _sipp_version() -> str:
    result = subprocess.run(["sipp", "-v"], capture_output=True, text=True, check=False)
    match = re.search(r"SIPp v\S+", result.stdout + result.stderr)
    return match.group(0) if match else "?"


def run(args: argparse.Namespace, modes: Sequence[str]) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    from tests.integration.asterisk import BINARY, PrivateAsterisk, free_port
    from voip.models import PsAor, PsAuth, PsEndpoint
    from voip.provisioning import services
    from voip.realtime.router import realtime_db_alias

    call_command("migrate", verbosity=0)
    using = realtime_db_alias()
    if using != "default":
        call_command("migrate", database=using, verbosity=0)
    realtime = connections.settings[using]
    if "postgresql" not in realtime["ENGINE"]:
        raise SystemExit("the realtime database must be PostgreSQL (Asterisk reads it)")
    db_host = str(realtime.get("HOST") or "")

    root = Path(tempfile.mkdtemp(prefix="bench-lookup-"))
    sip_port = free_port()
    secret = os.urandom(16).hex()
    low = 20_000
    base_settings = {
        "VOIP_PROVISIONING": {
            **settings.VOIP_PROVISIONING,
            "TRANSPORT_BIND": f"127.0.0.1:{sip_port}",
            "SIP_SERVER": "127.0.0.1",
            "SIP_PORT": sip_port,
            "USER_EXTENSION_RANGE": (low, low + 2 * args.endpoints + 10),
            # No OPTIONS to sipp's single socket: qualify traffic is not what is measured.
            "QUALIFY_FREQUENCY": 0,
        },
        "VOIP_ASTERISK_CONFIG": {
            **settings.VOIP_ASTERISK_CONFIG,
            "AMI_BIND_ADDRESS": "127.0.0.1",
            "DB_HOST_FOR_ASTERISK": db_host if db_host.startswith("/") else "",
        },
    }

    def configure(mode: str, ami_port: int) -> None:
        options = {
            **settings.VOIP[0]["OPTIONS"],
            "AMI_HOST": "127.0.0.1",
            "AMI_PORT": ami_port,
            "AMI_USERNAME": "crm",
            "AMI_SECRET": secret,
            "AMI_AUTH": "plain",
        }
        settings.VOIP = [{**settings.VOIP[0], "OPTIONS": options}, *settings.VOIP[1:]]
        settings.VOIP_PROVISIONING = base_settings["VOIP_PROVISIONING"]
        settings.VOIP_ASTERISK_CONFIG = {
            **base_settings["VOIP_ASTERISK_CONFIG"],
            "SORCERY_MEMORY_CACHE": mode == "cache",
        }

    configure("uncached", free_port())
    user_model = get_user_model()
    user_model.objects.bulk_create(
        [
            user_model(username=f"lookup{i:05d}", first_name="Bench", last_name=f"User {i}")
            for i in range(args.endpoints)
        ],
        batch_size=2000,
    )
    started = time.perf_counter()
    call_command("setup_asterisk_realtime", "--create-transports", stdout=io.StringIO())
    summary = services.provision_users(user_model.objects.order_by("pk"))
    provision_s = time.perf_counter() - started
    credentials = sorted((r.endpoint_id, r.password or "") for r in summary.created)
    if len(credentials) != args.endpoints or not all(p for _e, p in credentials):
        raise SystemExit(f"provisioned {len(credentials)} of {args.endpoints} endpoints with passwords")
    context = settings.VOIP_PROVISIONING["ENDPOINT_CONTEXT"]
    ids = [e for e, _p in credentials]

    def static_pjsip() -> str:
        sections = []
        for object_type, model in (("endpoint", PsEndpoint), ("auth", PsAuth), ("aor", PsAor)):
            for row in model.objects.using(using).filter(id__in=ids).order_by("id").values():
                sections.append(static_section(object_type, row))
        return "\n; bench/realtime_lookup.py: the provisioned objects as static sections\n\n" + "\n".join(sections)

    loads: list[str] = [_loadavg()]
    results: list[ModeResult] = []
    print(f"{args.endpoints} endpoints provisioned in {provision_s:.1f} s; load {loads[0]}; work in {root}", flush=True)
    try:
        for mode in modes:
            ami_port = free_port()
            configure(mode, ami_port)
            generated = root / mode / "generated"
            call_command("setup_asterisk_realtime", "--write-config", str(generated), stdout=io.StringIO())
            with (generated / "extensions.conf").open("a", encoding="utf-8") as dialplan:
                dialplan.write(answer_dialplan(context))
            if mode == "static":
                sorcery = generated / "sorcery.conf"
                sorcery.write_text(static_sorcery(sorcery.read_text()))
                with (generated / "pjsip.conf").open("a", encoding="utf-8") as pjsip:
                    pjsip.write(static_pjsip())
            # An RTP range of its own: the real-Asterisk tests of other checkouts use 34000-34999.
            pbx = PrivateAsterisk(root / mode / "asterisk", rtp_range=(41000, 42999))
            pbx.configure(generated)
            # cdr_csv writes a record per call there; without the folder it logs two errors per call.
            (pbx.log_dir / "cdr-csv").mkdir(parents=True, exist_ok=True)
            # Debug lines go here only while the trace at the end of measure_mode switches them on.
            with (pbx.etc / "logger.conf").open("a", encoding="utf-8") as logger_conf:
                logger_conf.write("sql.log => debug\n")
            pbx.start()
            try:
                results.append(
                    measure_mode(mode, pbx, args, credentials, sip_port=sip_port, work=root / mode, loads=loads)
                )
            finally:
                pbx.stop()
            loads.append(_loadavg())
            print(f"{mode}: done; load {loads[-1]}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return report(args, results, loads, provision_s, BINARY)


def measure_mode(
    mode: str,
    pbx: Any,
    args: argparse.Namespace,
    credentials: Sequence[tuple[str, str]],
    *,
    sip_port: int,
    work: Path,
    loads: list[str],
) -> ModeResult:
    from tests.integration.asterisk import free_port
    from voip.provisioning import notifier

    # Anything the provisioning could not tell the stopped Asterisk (a pjsip reload, the transport).
    notifier.retry_pending()
    pbx.wait_for("pjsip show transports", lambda out: "transport-udp" in out, timeout=15)
    result = ModeResult(mode)
    local_port, media_port = free_port(), free_port()
    register_rows = [(e, sipp_credentials(e, p)) for e, p in credentials]
    invite_rows = [(e, sipp_credentials(e, p), ANSWER_EXTEN) for e, p in credentials]

    def sipp(name: str, scenario: str, rows: Sequence[Sequence[str]], rate: float, concurrency: int) -> SippRun:
        before = _db_transactions()
        run = run_sipp(
            scenario,
            sip_port=sip_port,
            rows=rows,
            work=work / name,
            rate=rate,
            concurrency=concurrency,
            local_port=local_port,
            media_port=media_port,
        )
        time.sleep(1.5)  # PostgreSQL publishes a backend's counters at most once a second
        run.db_per_call = (_db_transactions() - before) / max(run.calls, 1)
        print(f"  {mode} {name}: {run}", flush=True)
        return run

    sipp("warm-up", "register", register_rows, 200, args.concurrency)
    result.runs["register-rate"] = sipp("register-rate", "register", register_rows, args.rate, 10_000)
    result.runs["register-load"] = sipp("register-load", "register", register_rows, 10_000, args.concurrency)
    result.runs["invite-rate"] = sipp("invite-rate", "invite", invite_rows, args.rate, 10_000)
    _wait_no_channels(pbx)
    result.runs["invite-load"] = sipp("invite-load", "invite", invite_rows, 10_000, args.concurrency)
    _wait_no_channels(pbx)
    loads.append(_loadavg())
    if mode != "static":
        time_edits(result, [e for e, _p in credentials], edits=args.edits)
    # Which queries a call costs: a few calls with res_config_pgsql's debug output on (after the
    # timed passes, so the logging costs them nothing).
    traced = 5
    for scenario, rows in (("register", register_rows), ("invite", invite_rows)):
        sql_log = pbx.log_dir / "sql.log"
        pbx.cli("core set debug 1 res_config_pgsql.so")
        sipp(f"trace-{scenario}", scenario, rows[-traced:], 5, 1)
        pbx.cli("core set debug off res_config_pgsql.so")
        text = sql_log.read_text(errors="replace") if sql_log.exists() else ""
        if sql_log.exists():
            sql_log.rename(pbx.log_dir / f"sql-{scenario}.log")  # kept with --keep
        pbx.cli("logger reload")
        result.queries[scenario] = {k: v / traced for k, v in sorted(queries_by_table(text).items())}
    return result


def _db_transactions() -> int:
    """Transactions committed or rolled back in the realtime database so far (each query of
    res_config_pgsql is one: it runs in autocommit)."""
    from django.db import connections

    from voip.realtime.router import realtime_db_alias

    with connections[realtime_db_alias()].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def _wait_no_channels(pbx: Any, timeout: float = 30) -> None:
    pbx.wait_for("core show channels count", lambda out: re.search(r"^0 active channels", out, re.M), timeout=timeout)


def _shown_callerid(backend: Any, endpoint_id: str) -> str:
    output = backend.command(f"pjsip show endpoint {endpoint_id}")
    match = re.search(r"^\s*callerid\s*:\s*(.*)$", output, re.M)
    return match.group(1).strip() if match else ""


def time_edits(result: ModeResult, ids: Sequence[str], *, edits: int) -> None:
    """Save -> Asterisk shows it: ``update_extension`` then AMI ``pjsip show endpoint`` polled."""
    from voip.backends import get_backend
    from voip.models import PsEndpoint
    from voip.provisioning import services
    from voip.provisioning.notifier import Change, ObjectType, notify
    from voip.realtime.router import realtime_db_alias

    backend = get_backend()
    with backend.session():
        step = max(1, len(ids) // max(edits, 1))
        for index in range(edits):
            endpoint_id = ids[(index * step) % len(ids)]
            _shown_callerid(backend, endpoint_id)  # looked up once: cached now in the cache mode
            name = f"Edit {result.mode} {index}"
            started = time.perf_counter()
            services.update_extension(endpoint_id, name=name)
            saved = time.perf_counter()
            deadline = saved + 5
            while f'"{name}"' not in _shown_callerid(backend, endpoint_id):
                if time.perf_counter() > deadline:
                    result.edit_timeouts += 1
                    break
            else:
                result.edit_ms.append((time.perf_counter() - started) * 1000)
            result.service_ms.append((saved - started) * 1000)
        # Control: the same kind of change behind the notifier's back.
        endpoint_id = ids[0]
        _shown_callerid(backend, endpoint_id)
        using = realtime_db_alias()
        PsEndpoint.objects.using(using).filter(id=endpoint_id).update(callerid=f'"Bypass" <{endpoint_id}>')
        time.sleep(1.0)
        result.bypass_seen = '"Bypass"' in _shown_callerid(backend, endpoint_id)
        notify(ObjectType.ENDPOINT, [endpoint_id], change=Change.UPDATED, using=using)


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:,.1f}"


def report(
    args: argparse.Namespace, results: Sequence[ModeResult], loads: Sequence[str], provision_s: float, binary: Path
) -> int:
    print()
    print(f"Date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores, {platform.machine()}")
    print(f"Python {platform.python_version()}; {_asterisk_version(binary)}; {_sipp_version()}")
    print(f"{args.endpoints} endpoints (provisioned in {provision_s:.1f} s); load averages seen: {', '.join(loads)}")
    print()
    print("| mode | pass | calls | failed | per s | p50 ms | p99 ms | max ms | DB queries per call |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for result in results:
        for name, run in result.runs.items():
            print(
                f"| {result.mode} | {name} | {run.calls} | {run.failed} | {run.per_second:,.0f} | {_ms(run.p50_ms)} |"
                f" {_ms(run.p99_ms)} | {_ms(run.max_ms)} | {_ms(run.db_per_call)} |"
            )
    print()
    print(
        "| mode | edits | live p50 ms | live p99 ms | not live in 5 s | service p50 ms"
        " | change behind the notifier seen |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    missed = False
    for result in results:
        if result.mode == "static":
            continue
        p99 = percentile(result.edit_ms, 99)
        print(
            f"| {result.mode} | {len(result.edit_ms) + result.edit_timeouts} | {_ms(percentile(result.edit_ms, 50))} |"
            f" {_ms(p99)} | {result.edit_timeouts} | {_ms(percentile(result.service_ms, 50))} |"
            f" {'yes' if result.bypass_seen else 'no'} |"
        )
        if result.edit_timeouts or not p99 < EDIT_TARGET_S * 1000:
            missed = True
    print()
    print("Asterisk's realtime queries per call, by statement and table (5 traced calls each):")
    print()
    for result in results:
        for scenario, counts in result.queries.items():
            shown = ", ".join(f"{key} {n:g}" for key, n in counts.items()) or "none"
            print(f"- {result.mode} {scenario}: {shown}")
    by_mode = {r.mode: r for r in results}
    if "cache" in by_mode and "static" in by_mode:
        print()
        print("| pass | cache / static per s | cache p50 / static p50 |")
        print("|---|---:|---:|")
        for name, cached in by_mode["cache"].runs.items():
            static = by_mode["static"].runs[name]
            speed = cached.per_second / static.per_second if static.per_second else math.nan
            latency = cached.p50_ms / static.p50_ms if static.p50_ms else math.nan
            print(f"| {name} | {speed:.2f} | {latency:.2f} |")
            if name.endswith("-load") and speed < 1 - CACHE_VS_STATIC:
                missed = True
    if any(run.failed for result in results for run in result.runs.values()):
        missed = True
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "endpoints": args.endpoints,
                    "loads": list(loads),
                    "results": [{**asdict(r), "runs": {k: asdict(v) for k, v in r.runs.items()}} for r in results],
                },
                indent=2,
                default=str,
            )
        )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
