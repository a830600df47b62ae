"""Route services: validation naming the field, the rows written, and nothing written on error."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from crm.models import Company, Contact
from voip.provisioning.models import InternalNumber
from voip.realtime.models import CallerOwner, Extension, OutboundAccess
from voip.realtime.router import realtime_db_alias
from voip.routes.models import InboundRoute, OutboundRoute
from voip.routes.owners import caller_owners_rebuild
from voip.routes.services import (
    RouteError,
    inbound_route_delete,
    inbound_route_save,
    outbound_route_delete,
    outbound_route_save,
)
from voip.trunks.models import Trunk

from ..provisioning.conftest import DATABASES

pytestmark = pytest.mark.django_db(databases=DATABASES)


def rows(context: str) -> list[tuple[str, int, str, str]]:
    return list(
        Extension.objects.using(realtime_db_alias())
        .filter(context=context)
        .order_by("exten", "priority")
        .values_list("exten", "priority", "app", "appdata")
    )


@pytest.fixture
def carrier() -> Trunk:
    return Trunk.objects.create(name="carrier1", host="127.0.0.2", max_channels=10)


def user_with_extension(username: str, number: str) -> object:
    user = get_user_model().objects.create(username=username)
    InternalNumber.objects.create(user=user, number=number, endpoint_id=number)
    return user


def test_a_trunk_makes_emergency_numbers_routable(carrier: Trunk) -> None:
    assert [r[0] for r in rows("crm-outbound")] == ["112"]
    Trunk.objects.create(name="backup", host="127.0.0.3")
    assert rows("crm-outbound")[0][3].endswith("(0,${EXTEN},0,,,0,0,backup/0/a&carrier1/0/a)")


def test_no_trunk_no_emergency_row() -> None:
    assert rows("crm-outbound") == []


def test_outbound_route_rows_follow_save_and_delete(carrier: Trunk) -> None:
    route = outbound_route_save(
        name="national", patterns=["8XXXXXXXXXX", "+7XXXXXXXXXX"], trunks=["carrier1"], caller_id="+74951234567"
    )
    patterns = {r[0]: r for r in rows("crm-outbound")}
    assert set(patterns) == {"112", "_8XXXXXXXXXX", "_+7XXXXXXXXXX"}
    assert patterns["_8XXXXXXXXXX"][3] == (
        f"crm-outbound-dial,s,1({route.pk},${{EXTEN}},0,,+74951234567,0,0,carrier1/10/e)"
    )
    outbound_route_save(name="national", patterns=["8XXXXXXXXXX"], trunks=["carrier1"], strip=1, prepend="+7")
    assert {r[0] for r in rows("crm-outbound")} == {"112", "_8XXXXXXXXXX"}
    # A trunk's limit changed: the route's row follows.
    carrier.max_channels = 2
    carrier.save()
    assert rows("crm-outbound")[1][3].endswith(",1,+7,,0,0,carrier1/2/e)")
    outbound_route_delete(name="national")
    assert [r[0] for r in rows("crm-outbound")] == ["112"]


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"patterns": ["X."]}, "patterns[0]"),  # reaches abroad
        ({"patterns": ["8XXXXXXXXXX", "00X."]}, "patterns[1]"),
        ({"patterns": ["8809XXXXXXX"]}, "patterns[0]"),  # premium
        ({"patterns": ["112"]}, "patterns[0]"),
        ({"patterns": ["8XXX\r\nexten"]}, "patterns[0]"),
        ({"trunks": ["carier1"]}, "trunks[0]"),
        ({"trunks": []}, "trunks"),
        ({"caller_id": "Boss <1>"}, "caller_id"),
        ({"prepend": "9,1"}, "prepend"),
        ({"strip": -1}, "strip"),
        ({"groups": ["nobody"]}, "groups[0]"),
        ({"name": "Bad Name"}, "name"),
    ],
)
def test_bad_outbound_input_names_the_field_and_writes_nothing(carrier: Trunk, fields: dict, path: str) -> None:
    values = {"name": "r", "patterns": ["8XXXXXXXXXX"], "trunks": ["carrier1"], **fields}
    with pytest.raises(RouteError) as error:
        outbound_route_save(**values)
    assert error.value.path == path
    assert not OutboundRoute.objects.exists()
    assert [r[0] for r in rows("crm-outbound")] == ["112"]


def test_international_and_premium_need_the_route_to_name_them(carrier: Trunk) -> None:
    outbound_route_save(name="world", patterns=["00X.", "+X."], trunks=["carrier1"], international=True)
    outbound_route_save(name="premium", patterns=["8809XXXXXXX"], trunks=["carrier1"], premium=True)
    assert {r[0] for r in rows("crm-outbound")} == {"112", "_00X.", "_+X.", "_8809XXXXXXX"}


def test_one_pattern_belongs_to_one_route(carrier: Trunk) -> None:
    outbound_route_save(name="a", patterns=["8XXXXXXXXXX"], trunks=["carrier1"])
    with pytest.raises(RouteError, match="already a pattern of route 'a'") as error:
        outbound_route_save(name="b", patterns=["9XXX", "8XXXXXXXXXX"], trunks=["carrier1"])
    assert error.value.path == "patterns[1]"


def test_groups_restrict_a_route_and_users_get_their_own_caller_id(carrier: Trunk) -> None:
    sales = Group.objects.create(name="sales")
    ivanov = user_with_extension("ivanov", "1001")
    user_with_extension("petrov", "1002")
    ivanov.groups.add(sales)
    route = outbound_route_save(
        name="national",
        patterns=["8XXXXXXXXXX"],
        trunks=["carrier1"],
        groups=["sales"],
        caller_ids={"ivanov": "+7495111"},
    )
    access = dict(OutboundAccess.objects.using(realtime_db_alias()).values_list("id", "caller_id"))
    assert access == {f"{route.pk}:1001": "+7495111"}
    assert ",1,0,carrier1/10/e)" in rows("crm-outbound")[1][3]  # access mode 1: listed endpoints only
    petrov = get_user_model().objects.get(username="petrov")
    petrov.groups.add(sales)  # membership changes follow without saving the route
    assert set(OutboundAccess.objects.using(realtime_db_alias()).values_list("id", flat=True)) == {
        f"{route.pk}:1001",
        f"{route.pk}:1002",
    }


def test_inbound_route_rows_and_destinations(carrier: Trunk) -> None:
    user_with_extension("ivanov", "1001")
    inbound_route_save(
        trunk="carrier1", did="84951234567", destination={"user": "ivanov"}, blocklist=["8 916 000-00-01"]
    )
    route = InboundRoute.objects.get()
    assert route.did == "+74951234567" and route.blocklist == ["+79160000001"]
    assert rows("crm-inbound") == [
        ("carrier1.74951234567", 1, "ExecIf", '$["${CRM_CALLER}" = "+79160000001"]?Hangup(21)'),
        ("carrier1.74951234567", 2, "Dial", "PJSIP/1001,30"),
        ("carrier1.74951234567", 3, "Hangup", ""),
    ]
    inbound_route_save(
        trunk="carrier1",
        did="any",
        destination={"contact_owner": {"timeout": 15, "fallback": {"extension": "1001"}}},
    )
    assert [r[1:3] for r in rows("crm-inbound") if r[0] == "carrier1.any"] == [
        (1, "Gosub"),
        (2, "Dial"),
        (3, "Hangup"),
    ]
    assert rows("crm-inbound")[-3][3] == "crm-contact-owner,s,1(15)"
    inbound_route_delete(trunk="carrier1", did="+74951234567")
    assert {r[0] for r in rows("crm-inbound")} == {"carrier1.any"}


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"trunk": "nope"}, "trunk"),
        ({"did": "hello"}, "did"),
        ({"destination": {"extension": "1999"}}, "destination.extension"),
        ({"destination": {"user": "ghost"}}, "destination.user"),
        ({"destination": {"hangup": False}}, "destination.hangup"),
        ({"destination": {"voicemail": "1"}}, "destination.voicemail"),
        (
            {"destination": {"contact_owner": {"timeout": 0, "fallback": {"hangup": True}}}},
            "destination.contact_owner.timeout",
        ),
        ({"destination": {"contact_owner": {"timeout": 5}}}, "destination.contact_owner.fallback"),
        ({"blocklist": ["call me"]}, "blocklist[0]"),
    ],
)
def test_bad_inbound_input_names_the_field(carrier: Trunk, fields: dict, path: str) -> None:
    values = {"trunk": "carrier1", "did": "+74951234567", "destination": {"hangup": True}, **fields}
    with pytest.raises(RouteError) as error:
        inbound_route_save(**values)
    assert error.value.path == path
    assert not InboundRoute.objects.exists() and rows("crm-inbound") == []


def test_caller_owners_follow_contacts_and_companies(django_capture_on_commit_callbacks) -> None:
    ivanov = user_with_extension("ivanov", "1001")
    acme = Company.objects.create(name="Acme", phone="+7 495 765-43-21")
    with django_capture_on_commit_callbacks(execute=True):
        contact = Contact.objects.create(first_name="A", phone="8 916 123-45-67", owner=ivanov, company=acme)
    owners = dict(CallerOwner.objects.using(realtime_db_alias()).values_list("id", "endpoint"))
    assert owners == {"+79161234567": "1001", "+74957654321": "1001"}
    contact.phone = "8 916 765-43-21"
    with django_capture_on_commit_callbacks(execute=True):
        contact.save()
    owners = dict(CallerOwner.objects.using(realtime_db_alias()).values_list("id", "endpoint"))
    assert owners == {"+79167654321": "1001", "+74957654321": "1001"}
    CallerOwner.objects.using(realtime_db_alias()).all().delete()
    assert caller_owners_rebuild() == 2
    with django_capture_on_commit_callbacks(execute=True):
        contact.delete()
    assert not CallerOwner.objects.using(realtime_db_alias()).exists()
