"""Issue 12's sample file applied whole: every area's rows, one notification, and export/apply a no-op."""

from __future__ import annotations

import pytest

from tests.pbx.conftest import DATABASES, FILES, sent, snapshot
from voip.pbx.selectors import pbx_export
from voip.pbx.services import pbx_apply, pbx_plan
from voip.realtime.models import Extension, PsRegistration
from voip.realtime.router import realtime_db_alias
from voip.routes.models import InboundRoute, OutboundRoute

pytestmark = pytest.mark.django_db(databases=DATABASES, transaction=True)

ENV = {"CARRIER1_PASSWORD": "s3cret"}
SAMPLE = (FILES / "issue-sample.yaml").read_text()


def dialplan_rows() -> list[tuple[str, str, int, str, str]]:
    return sorted(
        Extension.objects.using(realtime_db_alias()).values_list("context", "exten", "priority", "app", "appdata")
    )


def test_the_sample_file_creates_every_object_through_its_service(users, pbx_ami) -> None:
    result = pbx_apply(text=SAMPLE, environ=ENV)
    assert [(c.action, c.path) for c in result.changes] == [
        ("create", "extensions[1000]"),
        ("create", "extensions[1001]"),
        ("create", "trunks[carrier1]"),
        ("create", "outbound_routes[national]"),
        ("create", "inbound_routes[carrier1:+74951234567]"),
        ("create", "inbound_routes[carrier1:any]"),
    ]
    route = OutboundRoute.objects.get(name="national")
    assert (route.patterns, route.trunk_names(), route.caller_id) == (
        ["8XXXXXXXXXX", "+7XXXXXXXXXX"],
        ["carrier1"],
        "+74951234567",
    )
    assert sorted(InboundRoute.objects.values_list("did", "destination")) == [
        ("", {"contact_owner": {"timeout": 20, "fallback": {"extension": "1000"}}}),
        ("+74951234567", {"extension": "1001"}),
    ]
    rows = dialplan_rows()
    # The routes' realtime dialplan rows: the patterns in the outbound context, the DIDs in the inbound one.
    assert {exten for context, exten, *_ in rows if context == "crm-outbound"} >= {"_8XXXXXXXXXX", "_+7XXXXXXXXXX"}
    inbound = {exten for context, exten, *_ in rows if context == "crm-inbound"}
    assert inbound == {"carrier1.74951234567", "carrier1.any"}
    # The inbound route to 1001 dials the endpoint the extension got.
    assert any(
        app == "Dial" and data.startswith("PJSIP/1001,")
        for _c, exten, _p, app, data in rows
        if exten == "carrier1.74951234567"
    )
    assert PsRegistration.objects.using(realtime_db_alias()).filter(id="carrier1").exists()


def test_the_notifier_sends_the_actions_of_the_whole_apply_once_at_commit(users, pbx_ami) -> None:
    pbx_apply(text=SAMPLE, environ=ENV)
    # The trunk's AOR has a static contact (res_pjsip reloads it, docs/trunks.md) and its new
    # registration needs the registration module reloaded; dialplan rows and qualifying extensions
    # need nothing. Each is sent once, though the extensions, the trunk, its routes and their
    # signals all wrote in several transactions.
    assert sent(pbx_ami) == [
        ("Reload", (("Module", "res_pjsip.so"),)),
        ("Reload", (("Module", "res_pjsip_outbound_registration.so"),)),
    ]


def test_export_then_apply_writes_nothing_and_sends_nothing(users, pbx_ami) -> None:
    pbx_apply(text=SAMPLE, environ=ENV)
    exported = pbx_export()
    assert "s3cret" not in exported
    before, rows = snapshot(), dialplan_rows()
    already = len(sent(pbx_ami))
    assert pbx_plan(text=exported) == []
    result = pbx_apply(text=exported)
    assert result.changes == [] and result.notes == []
    assert snapshot() == before and dialplan_rows() == rows
    assert sent(pbx_ami)[already:] == []
    assert pbx_export() == exported


def test_the_export_is_the_documented_format(users, pbx_ami) -> None:
    pbx_apply(text=SAMPLE, environ=ENV)
    body = pbx_export().split("\n", 2)[2]  # after the two comment lines
    assert body == (FILES / "issue-sample.exported.yaml").read_text()
