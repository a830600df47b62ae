"""A small reader of Asterisk's configuration format, strict enough to catch generator mistakes.

Understands ``[section]``, ``[section](!)`` / ``[section](template)``, ``key = value``,
``key => value``, ``;`` comments (``\\;`` is a literal semicolon) and ``#include``. Anything else
raises ``ValueError`` with the line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SECTION = re.compile(r"^\[([^\]\s]+)\](\((!|[^)]*)\))?$")
_OPTION = re.compile(r"^([A-Za-z0-9_.\-/]+)\s*(=>|=)\s*(.*)$")


@dataclass
class Section:
    name: str
    is_template: bool = False
    options: list[tuple[str, str, str]] = field(default_factory=list)  # (key, operator, value)

    def get(self, key: str) -> str | None:
        values = self.getall(key)
        return values[-1] if values else None

    def getall(self, key: str) -> list[str]:
        return [value for k, _op, value in self.options if k == key]


def _strip_comment(line: str) -> str:
    out = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line) and line[i + 1] == ";":
            out.append(";")
            i += 2
            continue
        if ch == ";":
            break
        out.append(ch)
        i += 1
    return "".join(out).strip()


def parse(text: str) -> list[Section]:
    sections: list[Section] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if "\r" in raw:
            raise ValueError(f"line {number}: carriage return")
        line = _strip_comment(raw)
        if not line or line.startswith("#include"):
            continue
        match = _SECTION.match(line)
        if match:
            sections.append(Section(match.group(1), is_template=match.group(3) == "!"))
            continue
        match = _OPTION.match(line)
        if not match:
            raise ValueError(f"line {number}: not Asterisk config syntax: {raw!r}")
        if not sections:
            raise ValueError(f"line {number}: option before any [section]")
        sections[-1].options.append((match.group(1), match.group(2), match.group(3).strip()))
    return sections


def as_dict(text: str) -> dict[str, Section]:
    result: dict[str, Section] = {}
    for section in parse(text):
        if section.name in result:
            raise ValueError(f"section [{section.name}] appears twice")
        result[section.name] = section
    return result
