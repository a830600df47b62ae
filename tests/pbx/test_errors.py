"""A file with any single error changes nothing, and the error names its key path."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management.base import CommandError

from tests.pbx.conftest import DATABASES, FILES, run_pbx, sent, snapshot
from voip.pbx import base
from voip.pbx.resources import PbxInvalid
from voip.pbx.services import pbx_apply
from voip.realtime.models import Extension
from voip.realtime.router import realtime_db_alias
from voip.routes.models import InboundRoute, OutboundRoute
from voip.trunks.models import Trunk

pytestmark = pytest.mark.django_db(databases=DATABASES, transaction=True)

ENV = {"CARRIER1_PASSWORD": "s3cret"}
SAMPLE = (FILES / "issue-sample.yaml").read_text()


def everything() -> dict[str, Any]:
    return {
        **snapshot(),
        "trunks": sorted(Trunk.objects.values_list("name", "host")),
        "outbound": sorted(OutboundRoute.objects.values_list("name", "patterns")),
        "inbound": sorted(InboundRoute.objects.values_list("did", "destination")),
        "dialplan": Extension.objects.using(realtime_db_alias()).count(),
    }


@pytest.fixture
def applied(users, pbx_ami) -> dict[str, Any]:
    """The sample file already applied: an error must leave exactly this."""
    pbx_apply(text=SAMPLE, environ=ENV)
    return everything()


def broken(old: str, new: str) -> str:
    assert old in SAMPLE
    return SAMPLE.replace(old, new, 1)


CASES = [
    pytest.param(
        broken("trunks: [carrier1]", "trunks: [carier1]"),
        "outbound_routes[0].trunks[0]: no trunk 'carier1'",
        id="bad-reference",
    ),
    pytest.param(
        broken("${env:CARRIER1_PASSWORD}", "${env:CARRIER1_PASWORD}"),
        "trunks[0].password: environment variable CARRIER1_PASWORD is not set",
        id="unset-env-var",
    ),
    pytest.param(
        broken("    max_channels: 10\n", "    max_channels: 10\n    max_channel: 5\n"),
        "trunks[0].max_channel: unknown key; known: name, host, transport, username, password, register, "
        "from_user, from_domain, match, codecs, max_channels, number_format, qualify_frequency, "
        "external_address, dtmf_mode, enabled",
        id="unknown-item-key",
    ),
    pytest.param(
        SAMPLE + "ivrs: []\n",
        "ivrs: unknown key; known: version, extensions, trunks, outbound_routes, inbound_routes",
        id="unknown-top-level-key",
    ),
    pytest.param(
        broken("    max_channels: 10\n", "    max_channels: ten\n"),
        "trunks[0].max_channels: expected an integer, not a string",
        id="wrong-type",
    ),
    pytest.param(
        broken('  - number: "1001"', "  - number: 1001"),
        'extensions[1].number: expected a string, not the number 1001 (quote it: "1001")',
        id="unquoted-number",
    ),
    pytest.param(
        broken("    register: true\n", "    register: true\n    register: false\n"),
        "trunks[0].register: duplicate key (line 13)",
        id="duplicate-key",
    ),
    pytest.param(
        broken(
            "inbound_routes:\n",
            "inbound_routes:\n  - {did: '+74951234567', trunk: carrier1, destination: {hangup: true}}\n",
        ),
        "inbound_routes[1]: inbound route 'carrier1:+74951234567' is already defined at inbound_routes[0]",
        id="duplicate-item",
    ),
    pytest.param(
        broken('destination: {extension: "1001"}', 'destination: {extension: "1002"}'),
        "inbound_routes[0].destination.extension: no active extension '1002' (the file's extensions)",
        id="bad-destination",
    ),
    pytest.param(
        broken('patterns: ["8XXXXXXXXXX", "+7XXXXXXXXXX"]', 'patterns: ["8XXXXXXXXXX", "00X."]'),
        "outbound_routes[0].patterns[1]: '00X.' reaches international numbers; "
        "mark the route international to allow it",
        id="refused-by-the-route-service",
    ),
    pytest.param("trunks: [\n", "(file): not valid YAML", id="not-yaml"),
    pytest.param(
        broken("    user: ivanov\n", "    user: nobody\n"),
        "extensions[0].user: no user 'nobody'",
        id="unknown-user",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_a_file_with_one_error_changes_nothing_and_names_the_path(applied, pbx_ami, text, expected) -> None:
    already = len(sent(pbx_ami))
    with pytest.raises(PbxInvalid) as caught:
        pbx_apply(text=text, environ=ENV)
    messages = [str(error) for error in caught.value.errors]
    assert any(message.startswith(expected) for message in messages), messages
    assert everything() == applied
    assert sent(pbx_ami)[already:] == []


def test_every_error_of_the_file_is_reported_at_once(applied) -> None:
    text = broken("trunks: [carrier1]", "trunks: [carier1]").replace("max_channels: 10", "max_channels: -1")
    with pytest.raises(PbxInvalid) as caught:
        pbx_apply(text=text + "queues: []\n", environ={})
    assert [str(e) for e in caught.value.errors] == [
        "trunks[0].password: environment variable CARRIER1_PASSWORD is not set",
        "queues: unknown key; known: version, extensions, trunks, outbound_routes, inbound_routes",
        "trunks[0].max_channels: a number from 1 to 10000, or empty for no limit",
        "outbound_routes[0].trunks[0]: no trunk 'carier1'",
    ]  # and nothing about the password the unset variable left empty: that error is already reported
    assert everything() == applied


def test_a_control_character_is_refused(applied) -> None:
    with pytest.raises(PbxInvalid) as caught:
        pbx_apply(text=broken("host: 127.0.0.2:5060", 'host: "127.0.0.2:5060\\r\\nAction: Originate"'), environ=ENV)
    assert [str(e) for e in caught.value.errors] == [
        "trunks[0].host: control characters (line breaks, tabs) are not allowed in values"
    ]
    assert everything() == applied


def test_a_trunk_still_used_by_a_route_cannot_be_dropped(applied) -> None:
    with pytest.raises(PbxInvalid) as caught:
        pbx_apply(text="trunks: []\n")
    assert [str(e) for e in caught.value.errors] == [
        "trunks[carrier1]: the file removes this trunk but outbound_routes[national], "
        "inbound_routes[carrier1:+74951234567], inbound_routes[carrier1:any] still use it"
    ]
    assert everything() == applied


def test_a_service_failing_half_way_rolls_back_what_was_already_written(users, pbx_ami, monkeypatch) -> None:
    """The file is valid, but the last resource's service fails: the extensions, trunk and outbound
    route written before it are rolled back, and Asterisk is told nothing."""
    before = everything()
    from voip.pbx import routes

    def failing(**kwargs: Any) -> None:
        raise routes.RouteError("did", "the database said no")

    monkeypatch.setattr(routes, "inbound_route_save", failing)
    with pytest.raises(PbxInvalid) as caught:
        pbx_apply(text=SAMPLE, environ=ENV)
    assert [str(e) for e in caught.value.errors] == ["inbound_routes[carrier1:+74951234567]: did: the database said no"]
    assert everything() == before
    assert sent(pbx_ami) == []


def test_the_command_prints_each_error_and_exits_non_zero(applied, pbx_file, monkeypatch) -> None:
    monkeypatch.setenv("CARRIER1_PASSWORD", "s3cret")
    path = pbx_file(broken("trunks: [carrier1]", "trunks: [carier1]"))
    with pytest.raises(CommandError, match=r"1 error\(s\); nothing was changed") as caught:
        run_pbx("apply", path)
    assert caught.value.returncode == 1
    assert everything() == applied


def test_mask_is_what_the_plan_shows_for_a_secret() -> None:
    assert base.MASK == "********"
