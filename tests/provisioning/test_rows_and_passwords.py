"""Pure parts: passwords, md5_cred, caller id, escaping, row contents."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voip.provisioning.conf import ProvisioningSettings
from voip.provisioning.passwords import PASSWORD_ALPHABET, generate_password, md5_cred
from voip.provisioning.rows import aor_row, auth_row, endpoint_row, format_callerid
from voip.realtime.escaping import decode_realtime_value

LOOK_ALIKES = set("0Oo1lIi")


def test_password_length_alphabet_and_randomness() -> None:
    passwords = {generate_password(20) for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) == 20
        assert set(password) <= set(PASSWORD_ALPHABET)
        assert not set(password) & LOOK_ALIKES
    assert not set(PASSWORD_ALPHABET) & LOOK_ALIKES
    # Every symbol of the alphabet turns up: no bias that drops characters.
    assert set("".join(passwords)) == set(PASSWORD_ALPHABET)


def test_password_minimum_length() -> None:
    with pytest.raises(ValueError):
        generate_password(15)
    assert len(generate_password(16)) == 16


def test_md5_cred_is_md5_of_username_realm_password() -> None:
    expected = hashlib.md5(b"1000:asterisk:s3cret").hexdigest()
    assert md5_cred("1000", "asterisk", "s3cret") == expected


def test_callerid_plain() -> None:
    assert format_callerid("Alice Smith", "1001") == '"Alice Smith" <1001>'


def test_callerid_strips_quotes_brackets_and_line_breaks() -> None:
    value = format_callerid('Ev"il <x>\r\nAction: Originate', "1002")
    assert value == '"Evil xAction: Originate" <1002>'
    assert "\r" not in value and "\n" not in value


def test_callerid_shortens_the_name_never_the_number() -> None:
    value = format_callerid("Maximilian Alexander von Hohenzollern-Sigmaringen", "123456")
    assert len(value) <= 40
    assert value.endswith(" <123456>")
    assert value.startswith('"Maximilian Alexander')


def test_callerid_escapes_and_still_fits() -> None:
    value = format_callerid("A;B^C " + "x" * 40, "1003")
    assert len(value) <= 40
    assert ";" not in value
    assert decode_realtime_value(value).startswith('"A;B^C')
    assert value.endswith("<1003>")


def test_callerid_without_a_name() -> None:
    assert format_callerid('""<>', "1004") == "<1004>"


@given(name=st.text(max_size=80), number=st.from_regex(r"[0-9]{2,20}", fullmatch=True))
def test_callerid_always_fits_and_keeps_number(name: str, number: str) -> None:
    value = format_callerid(name, number)
    assert len(value) <= 40
    assert decode_realtime_value(value).endswith(f"<{number}>")
    assert not any(ch in value for ch in "\r\n;")


def test_endpoint_row_columns() -> None:
    conf = ProvisioningSettings(codecs=("ulaw", "alaw"), endpoint_context="ctx;x", endpoint_transport="transport-udp")
    row = endpoint_row("1000", '"A" <1000>', conf)
    assert row["disallow"] == "all"
    assert row["allow"] == "ulaw,alaw"
    assert row["direct_media"] == "no"
    assert row["rtp_symmetric"] == row["force_rport"] == row["rewrite_contact"] == "yes"
    assert row["transport"] == "transport-udp"
    assert row["aors"] == row["auth"] == "1000"
    assert row["context"] == "ctx^3Bx"


def test_auth_row_md5_by_default_and_userpass_when_asked() -> None:
    md5 = auth_row("1000", "pw", ProvisioningSettings(sip_realm="pbx.example"))
    assert md5["auth_type"] == "md5"
    assert md5["password"] is None
    assert md5["realm"] == "pbx.example"
    assert md5["md5_cred"] == hashlib.md5(b"1000:pbx.example:pw").hexdigest()
    plain = auth_row("1000", "p;w^", ProvisioningSettings(store_plaintext_passwords=True))
    assert plain["auth_type"] == "userpass"
    assert plain["md5_cred"] is None
    assert plain["password"] == "p^3Bw^5E"


def test_aor_row() -> None:
    conf = ProvisioningSettings(max_contacts=1, qualify_frequency=60)
    assert aor_row("1000", conf) == {"id": "1000", "max_contacts": 1, "remove_existing": "yes", "qualify_frequency": 60}
    assert aor_row("1000", conf, enabled=False)["max_contacts"] == 0
    assert aor_row("1000", ProvisioningSettings(max_contacts=3))["remove_existing"] == "no"
