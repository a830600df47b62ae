"""The rows routes become and the static routing part of extensions.conf."""

from __future__ import annotations

import copy

import pytest

from tests.asterisk_config.test_render import PG
from voip.asterisk_config import writer
from voip.asterisk_config.writer import render_asterisk_config
from voip.routes.destinations import DialplanStep
from voip.routes.dialplan import (
    INBOUND_CONTEXT,
    OUTBOUND_CONTEXT,
    DialplanTooLong,
    TrunkHop,
    emergency_rows,
    inbound_rows,
    numbering_plan,
    outbound_rows,
)


def test_outbound_rows_call_the_dialling_subroutine_once_per_pattern() -> None:
    rows = outbound_rows(
        route_id=7,
        patterns=["8XXXXXXXXXX", "+7XXXXXXXXXX"],
        strip=1,
        prepend="+7",
        caller_id="+74951234567",
        access=0,
        premium=False,
        hops=[TrunkHop("carrier1", 10, "e164"), TrunkHop("backup", 0, "as_dialled")],
    )
    assert [(r.context, r.exten, r.priority, r.app) for r in rows] == [
        (OUTBOUND_CONTEXT, "_8XXXXXXXXXX", 1, "Gosub"),
        (OUTBOUND_CONTEXT, "_+7XXXXXXXXXX", 1, "Gosub"),
    ]
    assert rows[0].appdata == "crm-outbound-dial,s,1(7,${EXTEN},1,+7,+74951234567,0,0,carrier1/10/e&backup/0/a)"


def test_too_many_trunks_for_one_row_is_an_error() -> None:
    hops = [TrunkHop("t" * 39 + str(i)) for i in range(6)]
    with pytest.raises(DialplanTooLong):
        outbound_rows(
            route_id=1, patterns=["9X."], strip=0, prepend="", caller_id="", access=0, premium=False, hops=hops
        )


def test_emergency_rows_exist_only_with_a_trunk(settings) -> None:
    settings.VOIP_ROUTES = {"EMERGENCY_NUMBERS": ["911"]}
    assert emergency_rows([]) == []
    rows = emergency_rows([TrunkHop("a", 2, "e164"), TrunkHop("b")])
    assert [r.exten for r in rows] == ["112", "911"]
    # Emergency calls ignore channel limits and are sent as dialled.
    assert rows[0].appdata.endswith("(0,${EXTEN},0,,,0,0,a/0/a&b/0/a)")


def test_inbound_rows_refuse_blocked_callers_before_the_destination() -> None:
    blocked = [f"+7495000000{i}" for i in range(7)]
    rows = inbound_rows(
        trunk="carrier1",
        did="+74951234567",
        blocklist=blocked,
        steps=[DialplanStep("Dial", "PJSIP/1001,30"), DialplanStep("Hangup")],
    )
    assert {r.exten for r in rows} == {"carrier1.74951234567"}
    assert [r.priority for r in rows] == [1, 2, 3, 4]
    assert [r.app for r in rows] == ["ExecIf", "ExecIf", "Dial", "Hangup"]
    assert '"${CRM_CALLER}" = "+74950000006"' in rows[1].appdata and rows[1].appdata.endswith("?Hangup(21)")
    assert inbound_rows(trunk="c", did="", blocklist=[], steps=[DialplanStep("Hangup")])[0].exten == "c.any"


def test_numbering_plan_of_russia() -> None:
    plan = numbering_plan("RU")
    assert (plan.country_code, plan.national_prefix, plan.international_prefix) == ("7", "8", "810")
    assert 10 in plan.national_lengths


@pytest.fixture
def extensions_conf(settings, monkeypatch) -> str:
    # The files are rendered for a PostgreSQL realtime database whatever the test database is.
    monkeypatch.setattr(writer, "_realtime_db_settings", lambda: dict(PG))
    voip = copy.deepcopy(settings.VOIP)
    voip[0]["OPTIONS"].update(AMI_SECRET="ami-secret-42")
    settings.VOIP = voip
    return render_asterisk_config()["extensions.conf"]


def _contexts(text: str) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("[") and "]" in line:
            current = line[1 : line.index("]")]
            sections[current] = []
        elif current and not line.startswith(";"):
            sections[current].append(line)
    return {name: "\n".join(lines) for name, lines in sections.items()}


def test_phones_reach_outbound_routes_and_trunks_never_do(extensions_conf: str) -> None:
    contexts = _contexts(extensions_conf)
    assert f"include => {OUTBOUND_CONTEXT}" in contexts["from-internal"]
    assert "include" not in contexts[INBOUND_CONTEXT] and "include" not in contexts["crm-inbound-entry"]
    assert "Realtime" not in contexts[INBOUND_CONTEXT]
    # The disabled context refuses everything and includes nothing.
    assert "include" not in contexts["crm-disabled"] and "Hangup(21)" in contexts["crm-disabled"]
    # No catch-all pattern of its own: only route rows (and emergency rows) are routable.
    assert "exten =>" not in contexts[OUTBOUND_CONTEXT]
    dial = contexts["crm-outbound-dial"]
    assert '"${DIALSTATUS}" = "CHANUNAVAIL" | "${DIALSTATUS}" = "CONGESTION"]?next' in dial
    assert "GROUP_COUNT(${CRM_TNAME}@crm-trunk)" in dial
    assert '"${ARG2:0:4}" = "8809"]?Hangup(21)' in dial


def test_the_generated_pjsip_conf_has_no_anonymous_endpoint(settings, extensions_conf: str) -> None:
    text = render_asterisk_config()["pjsip.conf"]
    assert "[anonymous]" not in text
