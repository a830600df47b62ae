"""SIP passwords: random, long, easy to type, never stored in plain text by default."""

from __future__ import annotations

import hashlib
import secrets

from voip.provisioning.conf import MIN_PASSWORD_LENGTH, provisioning_settings

# Letters and digits without look-alikes: no 0/O/o/Q/D, 1/l/I/i/j, 2/Z/z, 5/S/s, 8/B, u/v/V/U, 6/b/G, 9/g/q.
PASSWORD_ALPHABET = "acdefhkmnprtwxyACEFHJKLMNPRTWXY347"  # noqa: S105  an alphabet, not a password

# Rejection sampling over os.urandom bytes: accept bytes below the largest multiple of the alphabet size.
_ACCEPT_BELOW = 256 - (256 % len(PASSWORD_ALPHABET))


def generate_password(length: int | None = None) -> str:
    """A random password from :data:`PASSWORD_ALPHABET` (``secrets``), at least 16 characters."""
    if length is None:
        length = provisioning_settings().password_length
    if length < MIN_PASSWORD_LENGTH:
        raise ValueError(f"SIP passwords must be at least {MIN_PASSWORD_LENGTH} characters")
    size = len(PASSWORD_ALPHABET)
    chars: list[str] = []
    while len(chars) < length:
        for byte in secrets.token_bytes(length * 2):
            if byte < _ACCEPT_BELOW:
                chars.append(PASSWORD_ALPHABET[byte % size])
                if len(chars) == length:
                    break
    return "".join(chars)


def md5_cred(username: str, realm: str, password: str) -> str:
    """``md5_cred`` as Asterisk checks it: MD5 of ``username:realm:password`` (valid for that realm only)."""
    return hashlib.md5(f"{username}:{realm}:{password}".encode(), usedforsecurity=False).hexdigest()
