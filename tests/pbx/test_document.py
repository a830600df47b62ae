"""The file layer alone: YAML to data with key paths, ``${env:NAME}``, what is refused."""

from __future__ import annotations

import pytest

from voip.pbx.document import read_document


def read(text: str, **environ: str) -> tuple[dict, list[str]]:
    document, errors = read_document(text, environ=environ)
    return document, [str(error) for error in errors]


def test_env_references_are_replaced_inside_strings() -> None:
    document, errors = read(
        "trunks:\n  - {name: t, password: '${env:PASS}', host: '${env:HOST}:5060', from_user: 'a$${b'}\n",
        PASS="s3cret",
        HOST="192.0.2.1",
    )
    assert errors == []
    assert document == {"trunks": [{"name": "t", "password": "s3cret", "host": "192.0.2.1:5060", "from_user": "a${b"}]}


def test_an_unset_variable_and_a_malformed_reference_name_their_path() -> None:
    _document, errors = read("trunks:\n  - password: ${env:NOPE}\n    host: ${HOST}\n")
    assert errors == [
        "trunks[0].password: environment variable NOPE is not set",
        "trunks[0].host: '${HOST}' is not a reference: write ${env:NAME}, or $${ for a literal ${",
    ]


def test_a_variable_cannot_smuggle_a_line_break_into_a_value() -> None:
    _document, errors = read("trunks:\n  - password: ${env:PASS}\n", PASS="x\r\nAction: Originate")
    assert errors == ["trunks[0].password: control characters (line breaks, tabs) are not allowed in values"]


def test_substitution_gives_strings_only() -> None:
    document, errors = read("trunks:\n  - max_channels: ${env:N}\n", N="10")
    assert errors == [] and document["trunks"][0]["max_channels"] == "10"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a: 1\na: 2\n", "a: duplicate key (line 2)"),
        ("x:\n  - &t {name: a}\n  - *t\n", "x[1]: anchors and aliases (&, *) are not supported (line 2)"),
        ("x: !!python/object:os.system {}\n", "x: unsupported tag tag:yaml.org,2002:python/object:os.system (line 1)"),
        ("x:\n  1: a\n", "x: key '1' is not a string (line 2)"),
        ("x: 2026-12-02\n", "x: expected a string, number, boolean or null, not date"),
        ("- a\n", "(file): expected a mapping of keys (trunks:, extensions:, ...) at the top"),
        ("", "(file): the file is empty"),
        ("a: 1\n---\nb: 2\n", "(file): one YAML document expected, found several (---)"),
        ("x:\n  <<: {a: 1}\n", "x: merge keys (<<) are not supported (line 2)"),
    ],
)
def test_what_is_not_plain_data_is_refused_with_its_path(text: str, error: str) -> None:
    _document, errors = read(text)
    assert errors == [error]


def test_broken_yaml_names_the_line() -> None:
    _document, errors = read("trunks: [\n  - a\n")
    assert len(errors) == 1 and errors[0].startswith("(file): not valid YAML: ") and "(line " in errors[0]
