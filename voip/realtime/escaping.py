"""Asterisk's realtime value escaping.

Asterisk's own encoder (``ast_realtime_encode_chunk`` in ``main/config.c``) stores ``;`` as
``^3B`` and ``^`` as ``^5E``; its decoder turns any ``^XX`` hex pair back into that byte.
Escaping only ``;`` would corrupt values containing ``^``, so both directions live here and every
writer and every display of realtime values goes through these two functions.
"""

from __future__ import annotations

import re

_ENCODE = str.maketrans({"^": "^5E", ";": "^3B"})
_DECODE = re.compile(rb"\^([0-9A-Fa-f]{2})")


def encode_realtime_value(value: str) -> str:
    """Escape a value for a realtime column the way Asterisk does (``^`` first, then ``;``)."""
    return value.translate(_ENCODE)


def decode_realtime_value(value: str) -> str:
    """Undo Asterisk's escaping: any ``^XX`` hex pair becomes that character."""
    if "^" not in value:
        return value
    # Work on bytes: Asterisk decodes to bytes, so ``^C3^A9`` is one UTF-8 character.
    raw = _DECODE.sub(lambda match: bytes([int(match.group(1), 16)]), value.encode("utf-8"))
    return raw.decode("utf-8", errors="replace")
