import datetime as dt

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from voip.models import Cdr
from voip.realtime.escaping import decode_realtime_value, encode_realtime_value


@pytest.mark.parametrize(
    "plain,stored",
    [
        ("ulaw;alaw", "ulaw^3Balaw"),
        ("a^b", "a^5Eb"),
        ("^3B", "^5E3B"),  # a literal ^3B must survive a round trip, so ^ is escaped first
        ("no special", "no special"),
    ],
)
def test_encode_matches_asterisks_encoder(plain, stored):
    assert encode_realtime_value(plain) == stored
    assert decode_realtime_value(stored) == plain


def test_decode_turns_any_hex_pair_back_into_its_byte():
    assert decode_realtime_value("caf^C3^A9^3B") == "café;"
    assert decode_realtime_value("100^25") == "100%"


@given(st.text())
def test_round_trip_is_lossless(value):
    assert decode_realtime_value(encode_realtime_value(value)) == value
    assert ";" not in encode_realtime_value(value)


@pytest.mark.django_db(databases=["default", "asterisk"])
@override_settings(VOIP_PBX_TIME_ZONE="Europe/Moscow")
def test_cdr_times_stay_pbx_local_wall_clock():
    naive = dt.datetime(2026, 11, 27, 21, 53, 10)
    cdr = Cdr.objects.create(src="1003", dst="1001", start=naive)
    assert Cdr.objects.get(pk=cdr.pk).start == naive
    aware = dt.datetime(2026, 11, 27, 18, 0, tzinfo=dt.UTC)
    cdr = Cdr.objects.create(src="1003", dst="1001", start=aware)
    # Stored as the PBX's wall clock (Moscow is UTC+3), the way Asterisk itself writes it.
    assert Cdr.objects.get(pk=cdr.pk).start == dt.datetime(2026, 11, 27, 21, 0)
