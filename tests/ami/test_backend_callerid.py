"""Explicit caller IDs: unsafe characters are refused before any byte is sent; quotes are quoted.

Asterisk reads Originate's ``CallerID`` header with ``ast_callerid_parse`` (main/callerid.c) and
writes names back with ``ast_escape_quoted``; :func:`parse_callerid` is a port of the former, so
"what Asterisk would read" is checked against the header that reached the fake AMI server.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fixtures_ami import FakeAMIHandle
from voip.ami import AMIInjectionError
from voip.backends import ValidationError
from voip.backends.asteriskbackend import CALLERID_MAX_BYTES, AsteriskRealtimeAPI, build_callerid, parse_callerid

# The value from the real Asterisk run that placed a call with the rest of it in the header.
ISSUE_INJECTION = '"Evil" <1001>\r\n\r\nAction: Command\r\nCommand: core stop now\r\n\r\n'
CONTROLS = [chr(code) for code in (*range(0x00, 0x20), 0x7F, 0x80, 0x85, 0x9F)]
BIDI_CONTROLS = [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


@pytest.fixture
def api(fake_ami: FakeAMIHandle) -> AsteriskRealtimeAPI:
    return AsteriskRealtimeAPI(**fake_ami.ami_options())


def sent_callerid(handle: FakeAMIHandle) -> str | None:
    (originate,) = [action for action in handle.server.actions if action.get("Action") == "Originate"]
    return originate.get("CallerID")


REFUSED: list[Any] = [
    ISSUE_INJECTION,
    *(f'"Ag{char}ent" <1001>' for char in CONTROLS),
    *(f'"Ag{char}ent" <1001>' for char in BIDI_CONTROLS),
    *((f"Ag{char}ent", "1001") for char in [*CONTROLS, *BIDI_CONTROLS]),
    ("Agent", "1001\r\n"),
    ("Agent", "1001\x00"),
    '"Agent" <1001\u202e>',
    "\u2028Agent",
    ("Agent", "1001>\r\nAction: Hangup"),
    ("Agent", "10 01@evil"),
    '"Agent" <sip:1001@evil>',
    ("A" * CALLERID_MAX_BYTES, "1001"),
    ("Agent",),
    ("Agent", 1001),
    1001,
]


@pytest.mark.parametrize("callerid", REFUSED, ids=[repr(value)[:40] for value in REFUSED])
def test_unsafe_callerid_is_refused_before_any_byte_is_sent(
    api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle, callerid: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        api.originate_call("1001", "1003", callerid=callerid)
    # The same error family as a bad to_number, naming the argument.
    assert caught.value.field == "callerid"
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, AMIInjectionError)
    assert fake_ami.server.connections == 0
    assert fake_ami.server.received == b""


def test_to_number_and_callerid_refusals_are_the_same_error(api: AsteriskRealtimeAPI) -> None:
    with pytest.raises(ValidationError) as number:
        api.originate_call("1001", "1003\r\nAction: Hangup")
    with pytest.raises(ValidationError) as callerid:
        api.originate_call("1001", "1003", callerid=ISSUE_INJECTION)
    assert type(number.value) is type(callerid.value)
    assert (number.value.field, callerid.value.field) == ("to_number", "callerid")


@pytest.mark.parametrize(
    ("full_name", "header"),
    [
        ("Ivan Petrov", '"Ivan Petrov" <1001>'),
        ('John "JJ" Smith', r'"John \"JJ\" Smith" <1001>'),
        ('"Quoted"', r'"\"Quoted\"" <1001>'),
        ("Smith <Sales>", '"Smith <Sales>" <1001>'),
        ("Иван Петров", '"Иван Петров" <1001>'),
    ],
)
def test_guide_example_names_are_quoted_safely(
    api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle, full_name: str, header: str
) -> None:
    # The guide's click-to-call example builds the caller ID from the user's full name.
    api.originate_call(from_endpoint="1001", to_number="1003", callerid=f'"{full_name}" <1001>')
    assert sent_callerid(fake_ami) == header
    assert parse_callerid(header) == (full_name, "1001")


def test_a_pair_keeps_the_name_literally(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    api.originate_call("1001", "1003", callerid=('Back\\slash "B"', "+7 495 123-45-67"))
    assert sent_callerid(fake_ami) == r'"Back\\slash \"B\"" <+74951234567>'
    assert parse_callerid(sent_callerid(fake_ami) or "") == ('Back\\slash "B"', "+74951234567")


@pytest.mark.parametrize(
    ("given_callerid", "header"),
    [
        ('"Agent" <1001>', '"Agent" <1001>'),
        ("Agent <1001>", '"Agent" <1001>'),
        ("Just A Name", '"Just A Name" <1001>'),  # no number: the endpoint's
        ("5550100", "<5550100>"),  # Asterisk reads a bare number as the number
        ('"Agent" <>', '"Agent"'),
        (("", "+74951234567"), "<+74951234567>"),
        ('"Already \\"escaped\\"" <7>', r'"Already \"escaped\"" <7>'),
    ],
)
def test_strings_are_read_as_asterisk_reads_them(given_callerid: Any, header: str) -> None:
    assert build_callerid(given_callerid, "1001") == header


def test_a_name_with_angle_brackets_and_no_number_stays_a_name() -> None:
    header = build_callerid(("a <b>", ""))
    assert header == '"a <b>" <>'
    assert parse_callerid(header) == ("a <b>", "")


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029"), max_size=60
).filter(lambda name: name.strip(" ") == name and name and not set(name) & set(BIDI_CONTROLS))


@given(name=names, number=st.from_regex(r"\+?[0-9*#]{1,15}", fullmatch=True))
def test_asterisk_reads_back_exactly_the_name_and_number(name: str, number: str) -> None:
    header = build_callerid((name, number))
    assert header is not None
    assert parse_callerid(header) == (name, number)


# Asterisk's own unit tests of ast_callerid_parse (tests/test_callerid.c, parse_nominal and
# parse_off_nominal); there an empty name or number counts as none.
ASTERISK_PARSE_CASES = [
    ('"name" <number>', "name", "number"),
    ('"   name  " <number>', "   name  ", "number"),
    ("name <number>", "name", "number"),
    ("         name     <number>", "name", "number"),
    ('"" <number>', None, "number"),
    ("<number>", None, "number"),
    ("name", "name", None),
    (" name", "name", None),
    ('"name"', "name", None),
    ('"*10"', "*10", None),
    (' "*10"', "*10", None),
    ('"name" <>', "name", None),
    ("name <>", "name", None),
    ("1234", None, "1234"),
    (" 1234", None, "1234"),
    ('"na\\"me" <number>', 'na"me', "number"),
    ('na\\"me <number>', 'na"me', "number"),
    ('"na"me" <number>', 'na"me', "number"),
    ('na"me <number>', 'na"me', "number"),
    ('"name <number>', '"name', "number"),
    ("name <number", "name", "number"),
    ('"name <number>"', "name", "number"),
]


@pytest.mark.parametrize(("text", "name", "number"), ASTERISK_PARSE_CASES)
def test_parse_callerid_agrees_with_asterisks_own_tests(text: str, name: str | None, number: str | None) -> None:
    parsed_name, parsed_number = parse_callerid(text)
    assert (parsed_name or None, parsed_number or None) == (name, number)
