"""Asterisk dial patterns: parsing, matching and the toll-fraud checks a route's patterns pass.

A route's pattern is written with or without Asterisk's leading ``_`` (``8XXXXXXXXXX`` or
``_8XXXXXXXXXX``) and is always used as a pattern: ``X`` = 0-9, ``Z`` = 1-9, ``N`` = 2-9,
``[1-5a]`` = a set, ``.`` = one or more of anything, ``!`` = zero or more; anything else is
itself (main/pbx.c, ``ext_cmp_pattern_pos``). Only digits, ``+``, ``*`` and ``#`` are allowed as
literal characters, so a pattern never carries a comma, a quote or CR/LF into the dialplan.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers

from crm.phones import default_region

# One pattern element: a class letter, a set, a wildcard or one literal dial character.
_ELEMENT_RE = re.compile(r"[XZNxzn]|\[[0-9*#+\-]+\]|[.!]|[0-9*#+]")
MAX_PATTERN_LENGTH = 30


class PatternError(ValueError):
    pass


def normalise_pattern(raw: str) -> str:
    """The pattern without its leading ``_``, checked; PatternError says what is wrong."""
    if not isinstance(raw, str):
        raise PatternError("a pattern is a string such as 8XXXXXXXXXX")
    pattern = raw.removeprefix("_")
    if not pattern:
        raise PatternError("empty pattern")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"longer than {MAX_PATTERN_LENGTH} characters")
    elements = _elements(pattern)
    if "".join(elements) != pattern:
        raise PatternError(
            f"{raw!r} is not an Asterisk dial pattern (digits, + * #, X Z N, [sets], and . or ! at the end)"
        )
    for element in elements[:-1]:
        if element in (".", "!"):
            raise PatternError(f"{raw!r}: '{element}' may only end a pattern")
    if elements[0] in (".", "!"):
        raise PatternError(f"{raw!r} matches everything; name the numbers the route is for")
    return pattern.upper() if not any(e.startswith("[") for e in elements) else _upper_classes(elements)


def _upper_classes(elements: list[str]) -> str:
    return "".join(e if e.startswith("[") else e.upper() for e in elements)


def _elements(pattern: str) -> list[str]:
    return _ELEMENT_RE.findall(pattern)


def _charset(element: str) -> set[str] | None:
    """The characters one element accepts; None for the wildcards."""
    upper = element.upper()
    if upper == "X":
        return set("0123456789")
    if upper == "Z":
        return set("123456789")
    if upper == "N":
        return set("23456789")
    if element in (".", "!"):
        return None
    if element.startswith("["):
        body, chars = element[1:-1], set[str]()
        i = 0
        while i < len(body):
            if i + 2 < len(body) and body[i + 1] == "-":
                chars.update(chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1))
                i += 3
            else:
                chars.add(body[i])
                i += 1
        return chars
    return {element}


def matches(pattern: str, number: str) -> bool:
    """Whether a (normalised) pattern matches the whole number, as Asterisk would."""
    return _match(_elements(pattern), number, prefix=False)


def can_start(pattern: str, prefix: str) -> bool:
    """Whether the pattern matches some number beginning with ``prefix``."""
    return _match(_elements(pattern), prefix, prefix=True)


def _match(elements: list[str], text: str, *, prefix: bool) -> bool:
    for index, element in enumerate(elements):
        chars = _charset(element)
        if chars is None:  # "." needs one more character, "!" none; either takes the rest
            return element == "!" or len(text) > index or prefix
        if index >= len(text):
            return prefix
        if text[index] not in chars:
            return False
    return len(text) == len(elements) if not prefix else len(text) <= len(elements)


def is_fixed_length(pattern: str) -> bool:
    return not pattern.endswith((".", "!"))


@cache
def _foreign_country_prefixes(region: str) -> tuple[str, ...]:
    home = phonenumbers.country_code_for_region(region)
    return tuple(f"+{cc}" for cc in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE) if cc != home)


@cache
def _international_dialling_prefix(region: str) -> str:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = (metadata.international_prefix or "") if metadata else ""
    return prefix if prefix.isdigit() else ""


def reaches_international(pattern: str, *, region: str | None = None) -> bool:
    """Whether the pattern can match a number abroad: ``+`` with another country code, ``00``, or
    (for patterns of open length) the region's own international prefix such as Russia's ``810``.

    Fixed-length national patterns (``8XXXXXXXXXX``) are not flagged for ``810`` because no
    foreign number fits in their length once the prefix is dialled.
    """
    region = region or default_region()
    if can_start(pattern, "00"):
        return True
    if any(can_start(pattern, p) for p in _foreign_country_prefixes(region)):
        return True
    intl = _international_dialling_prefix(region)
    return bool(intl) and intl != "00" and not is_fixed_length(pattern) and can_start(pattern, intl)


def names_premium(pattern: str, *, prefixes: tuple[str, ...]) -> bool:
    """Whether the pattern is written for premium numbers (its literal start is a premium prefix).

    Broader patterns that merely could match one (``8XXXXXXXXXX`` and ``8809...``) are not refused
    here: the dialling subroutine refuses premium numbers at call time on routes not marked premium.
    """
    literal = ""
    for element in _elements(pattern):
        if len(element) != 1 or element.upper() in "XZN.!":
            break
        literal += element
    return any(literal.startswith(p) for p in prefixes)
