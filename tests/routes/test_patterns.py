"""Dial pattern parsing, matching and the toll-fraud checks (pure)."""

from __future__ import annotations

import pytest

from voip.routes.patterns import (
    PatternError,
    can_start,
    matches,
    names_premium,
    normalise_pattern,
    reaches_international,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("8XXXXXXXXXX", "8XXXXXXXXXX"), ("_+7xxxxxxxxxx", "+7XXXXXXXXXX"), ("_9[1-5]X.", "9[1-5]X."), ("112", "112")],
)
def test_patterns_are_normalised(raw: str, expected: str) -> None:
    assert normalise_pattern(raw) == expected


@pytest.mark.parametrize("raw", ["", "_", "X,1", "8XXX\r\n", "8X.X", ".", "!", "_abc", "8(X)", "X" * 31, 7])
def test_bad_patterns_are_refused(raw: object) -> None:
    with pytest.raises(PatternError):
        normalise_pattern(raw)  # type: ignore[arg-type]


def test_matching_follows_asterisk_classes() -> None:
    assert matches("8XXXXXXXXXX", "84951234567")
    assert not matches("8XXXXXXXXXX", "8495123456")
    assert matches("NXX", "200") and not matches("NXX", "100")
    assert matches("Z!", "1") and matches("9.", "95") and not matches("9.", "9")
    assert matches("[1-3]5", "25") and not matches("[1-3]5", "45")
    assert can_start("+X.", "+1") and not can_start("+7X.", "+1")


@pytest.mark.parametrize(
    ("pattern", "international"),
    [
        ("8XXXXXXXXXX", False),  # national, fixed length: no room for 810 + a foreign number
        ("+7XXXXXXXXXX", False),
        ("+X.", True),
        ("00X.", True),
        ("X.", True),
        ("8X.", True),  # open length from 8: reaches 810..., Russia's international prefix
        ("9XXX", False),
    ],
)
def test_international_reach(pattern: str, international: bool) -> None:
    assert reaches_international(pattern, region="RU") is international


def test_premium_is_named_only_by_its_literal_prefix() -> None:
    prefixes = ("8809", "+7809")
    assert names_premium("8809XXXXXXX", prefixes=prefixes)
    assert names_premium("+7809XXXXXXX", prefixes=prefixes)
    assert not names_premium("8XXXXXXXXXX", prefixes=prefixes)
