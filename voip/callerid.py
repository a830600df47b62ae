"""The one caller-ID cleaner: a person's name made safe for ``"Name" <number>``.

Used where the CRM builds a caller ID from its own data (a user's name for their extension or for
click-to-call). A caller ID passed explicitly to the backend is validated there, not cleaned.
"""

from __future__ import annotations

import re

__all__ = ["clean_callerid_name", "name_from_ami"]

# Quotes, backslashes and angle brackets would break the "Name" <number> syntax; control characters
# (CR/LF ...) must never reach AMI headers, events or SIP headers.
_NAME_FORBIDDEN = re.compile(r"[\"<>\\\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def clean_callerid_name(name: str, *, max_length: int | None = None) -> str:
    """``name`` without what would break a caller ID, blanks collapsed, cut to ``max_length``."""
    cleaned = _SPACES.sub(" ", _NAME_FORBIDDEN.sub("", name or "")).strip()
    return cleaned[:max_length].rstrip() if max_length is not None else cleaned


# Asterisk writes caller and connected-line names into AMI C-escaped (ast_escape_c_alloc in
# main/manager_channels.c, the sequences of main/utils.c escape_sequences): John "JJ" Smith
# arrives as John \"JJ\" Smith. Control characters come back as a blank: a name is for display.
_C_ESCAPE = re.compile(r"\\(.)")
_C_UNESCAPED = {"\\": "\\", "'": "'", '"': '"', "?": "?"}


def name_from_ami(value: str | None) -> str | None:
    """A caller name as the channel has it, from the C-escaped form AMI shows."""
    if not value or "\\" not in value:
        return value
    return _C_ESCAPE.sub(lambda match: _C_UNESCAPED.get(match.group(1), " "), value)
