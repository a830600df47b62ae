"""bench/realtime_lookup.py's scenario files and the helpers it builds Asterisk's and sipp's input with."""

from __future__ import annotations

import importlib.util
import math
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from django.template import Context, Engine

from voip.asterisk_config.writer import (
    SORCERY_MAPPINGS,
    SORCERY_MEMORY_CACHE_OPTIONS,
    SORCERY_MEMORY_CACHES,
    TEMPLATE_DIR,
)

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def lookup() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realtime_lookup", BENCH / "realtime_lookup.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # bench/ is not a package: dataclasses look their module up in sys.modules while it loads.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _messages(root: ET.Element) -> list[tuple[str, ET.Element]]:
    return [(child.tag, child) for child in root if child.tag in ("send", "recv")]


@pytest.mark.parametrize("name, method", [("register", "REGISTER"), ("invite", "INVITE")])
def test_scenarios_parse_and_time_the_authenticated_exchange(name: str, method: str) -> None:
    root = ET.parse(BENCH / "sipp" / f"{name}.xml").getroot()
    assert root.tag == "scenario"
    messages = _messages(root)
    sends = [element for tag, element in messages if tag == "send"]
    first, retry = sends[0], next(s for s in sends[1:] if (s.text or "").strip().startswith(method))
    # The timer starts on the unauthenticated request and stops on the 200 OK to the retry.
    assert first.get("start_rtd") == "1" and (first.text or "").strip().startswith(method)
    challenge = next(e for tag, e in messages if tag == "recv" and e.get("response") == "401")
    assert challenge.get("auth") == "true"
    assert "[field1]" in (retry.text or "") and "[field1]" not in (first.text or "")
    stops = [e for tag, e in messages if tag == "recv" and e.get("rtd") == "1"]
    assert [e.get("response") for e in stops] == ["200"]
    assert messages.index(("recv", stops[0])) > messages.index(("send", retry))
    # Every request names the caller of the injection line.
    assert all("sip:[field0]@" in (s.text or "") for s in sends)


def test_invite_scenario_calls_the_answering_extension_and_hangs_up(lookup: ModuleType) -> None:
    root = ET.parse(BENCH / "sipp" / "invite.xml").getroot()
    texts = [(e.text or "").strip() for tag, e in _messages(root) if tag == "send"]
    assert [t.split(" ", 1)[0] for t in texts] == ["INVITE", "ACK", "INVITE", "ACK", "BYE"]
    assert all(t.startswith("INVITE sip:[field2]@") for t in texts if t.startswith("INVITE"))
    assert f"exten => {lookup.ANSWER_EXTEN},1,Answer()" in lookup.answer_dialplan("from-internal")
    assert lookup.answer_dialplan("from-internal").lstrip().startswith("[from-internal]")


def test_injection_file_and_credentials(lookup: ModuleType) -> None:
    keyword = lookup.sipp_credentials("20000", "acdEF347")
    assert keyword == "[authentication username=20000 password=acdEF347]"
    text = lookup.injection_csv([("20000", keyword, "bench-answer"), ("20001", "x", "y")])
    assert text.splitlines() == ["SEQUENTIAL", f"20000;{keyword};bench-answer", "20001;x;y"]
    with pytest.raises(ValueError):
        lookup.injection_csv([("20000", "a;b")])
    for bad in ("pass word", "a]b", "x\r\n"):
        with pytest.raises(ValueError):
            lookup.sipp_credentials("20000", bad)


def test_static_sorcery_keeps_everything_but_the_cached_types(lookup: ModuleType) -> None:
    caches = {t: f"memory_cache,name={n},{SORCERY_MEMORY_CACHE_OPTIONS}" for t, n in SORCERY_MEMORY_CACHES.items()}
    engine = Engine(dirs=[str(TEMPLATE_DIR)], autoescape=False)
    generated = engine.get_template("sorcery.conf").render(
        Context({"sorcery": SORCERY_MAPPINGS, "sorcery_caches": caches}, autoescape=False)
    )
    assert "endpoint/cache = memory_cache" in generated and "endpoint = realtime,ps_endpoints" in generated
    static = lookup.static_sorcery(generated)
    mapped = {line.split("=")[0].strip() for line in static.splitlines() if "=" in line and not line.startswith(";")}
    assert not mapped & {"endpoint", "aor", "auth", "endpoint/cache", "aor/cache", "auth/cache"}
    assert {"contact", "transport", "identify", "registration"} <= mapped
    assert "[res_pjsip]" in static


def test_static_section_from_a_realtime_row(lookup: ModuleType) -> None:
    row = {"id": "20000", "callerid": '"A^3BB" <20000>', "allow": "ulaw,alaw", "mailboxes": None, "accountcode": ""}
    assert lookup.static_section("endpoint", row).splitlines() == [
        "[20000]",
        "type = endpoint",
        'callerid = "A;B" <20000>',
        "allow = ulaw,alaw",
    ]
    with pytest.raises(ValueError):
        lookup.static_section("endpoint", {"id": "1", "callerid": "a\nb"})


def test_figures_from_sipp_files(lookup: ModuleType) -> None:
    rtt = "Date_ms;response_time_ms;rtd_no\n36.001;8;1\n48.001;4;1\n1036.001;12;1\n"
    assert lookup.parse_rtt(rtt) == [8.0, 4.0, 12.0]
    dates = lookup.parse_rtt_dates(rtt)
    assert dates == [36.001, 48.001, 1036.001]
    # Three completions between the first start (28.001 ms) and the last completion (1036.001 ms).
    assert lookup.throughput(dates, [8.0, 4.0, 12.0]) == pytest.approx(3 / 1.008)
    assert lookup.throughput([], []) == 0.0
    stat = "StartTime;SuccessfulCall(C);FailedCall(C);\na;1;0;\nb;990;10;\n"
    assert lookup.parse_stat(stat)["SuccessfulCall(C)"] == "990"
    assert lookup.parse_stat(stat)["FailedCall(C)"] == "10"
    assert lookup.parse_stat("") == {}


def test_percentile(lookup: ModuleType) -> None:
    values = list(range(1, 101))
    assert lookup.percentile(values, 50) == 50
    assert lookup.percentile(values, 99) == 99
    assert lookup.percentile([5.0], 99) == 5.0
    assert lookup.percentile([3, 1, 2], 50) == 2
    assert math.isnan(lookup.percentile([], 50))


def test_queries_by_table_from_res_config_pgsql_debug_lines(lookup: ModuleType) -> None:
    log = "\n".join(
        [
            "[2026-12-02 01:50:00.001] DEBUG[1] res_config_pgsql.c: PostgreSQL query successful:"
            " SELECT * FROM ps_transports WHERE id = 'transport-udp'",
            "[2026-12-02 01:50:00.002] DEBUG[1] res_config_pgsql.c: PostgreSQL query successful:"
            " SELECT * FROM ps_transports WHERE id = 'transport-udp'",
            "[2026-12-02 01:50:00.003] DEBUG[1] res_config_pgsql.c: PostgreSQL query successful:"
            " UPDATE ps_contacts SET expiration_time = '1796178000' WHERE id = '20000;@abc'",
            "[2026-12-02 01:50:00.004] DEBUG[1] res_config_pgsql.c: PostgreSQL query successful:"
            " INSERT INTO queue_log (time) VALUES ('x')",
            "[2026-12-02 01:50:00.005] DEBUG[1] res_config_pgsql.c: PostgreSQL query successful:"
            " DELETE FROM ps_contacts WHERE id = '20001;@def'",
            "[2026-12-02 01:50:00.006] DEBUG[1] res_config_pgsql.c: PostgreSQL RealTime: Found 1 rows.",
            "[2026-12-02 01:50:00.007] DEBUG[1] res_config_pgsql.c: PostgreSQL query successful:"
            " SELECT a.attname, t.typname FROM (((pg_catalog.pg_class c INNER JOIN pg_catalog.pg_namespace n",
        ]
    )
    assert lookup.queries_by_table(log) == {
        "SELECT ps_transports": 2,
        "UPDATE ps_contacts": 1,
        "INSERT queue_log": 1,
        "DELETE ps_contacts": 1,
        "SELECT pg_catalog": 1,
    }
