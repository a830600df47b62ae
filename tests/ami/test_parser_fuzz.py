"""Property tests: the parser never fails with anything but AMIProtocolError, never hangs,
and split points never change the result for valid streams built from recorded messages."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ami import transcripts as tr
from voip.ami import AMIParser, AMIProtocolError, Message

FUZZ_SETTINGS = settings(max_examples=300, deadline=500, suppress_health_check=[HealthCheck.too_slow])


def _recorded_messages() -> list[bytes]:
    if not tr.transcripts_available():
        return []
    seen: list[bytes] = []
    for sessions in tr.load_all().values():
        for session in sessions:
            seen += session.messages()
    return seen


RECORDED = _recorded_messages()
needs_transcripts = pytest.mark.skipif(not RECORDED, reason=f"{tr.TRANSCRIPT_DIR} (recorded Asterisk bytes) is absent")


def _feed_in_pieces(data: bytes, cuts: list[int], *, expect_greeting: bool = True) -> list[Message]:
    parser = AMIParser(expect_greeting=expect_greeting, max_message_bytes=64 * 1024)
    messages: list[Message] = []
    previous = 0
    for cut in [*sorted({min(cut, len(data)) for cut in cuts}), len(data)]:
        messages += parser.feed(data[previous:cut])
        previous = cut
    return messages


@FUZZ_SETTINGS
@given(data=st.binary(max_size=4096), cuts=st.lists(st.integers(min_value=0, max_value=4096), max_size=12))
def test_arbitrary_bytes_only_raise_protocol_errors(data: bytes, cuts: list[int]) -> None:
    for expect_greeting in (True, False):
        try:
            messages = _feed_in_pieces(data, cuts, expect_greeting=expect_greeting)
        except AMIProtocolError:
            continue
        for message in messages:
            message.to_dict()
            _ = message.is_event, message.action_id


@FUZZ_SETTINGS
@given(
    data=st.lists(
        st.sampled_from(
            [b"\r\n", b"\r\n\r\n", b":", b": ", b"Event", b"Response", b"\n", b"\r", b"x", b"\xff", b"\xc3"]
        ),
        max_size=200,
    ).map(b"".join),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=8),
)
def test_protocol_shaped_noise_only_raises_protocol_errors(data: bytes, cuts: list[int]) -> None:
    try:
        messages = _feed_in_pieces(b"Asterisk Call Manager/11.0.0\r\n" + data, cuts)
    except AMIProtocolError:
        return
    assert all(isinstance(message, Message) for message in messages)


@needs_transcripts
@FUZZ_SETTINGS
@given(
    picks=st.lists(st.integers(min_value=0, max_value=max(len(RECORDED) - 1, 0)), min_size=1, max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=200_000), max_size=20),
)
def test_split_stream_parses_like_the_whole_stream(picks: list[int], cuts: list[int]) -> None:
    stream = b"Asterisk Call Manager/11.0.0\r\n" + b"".join(RECORDED[index] for index in picks)
    whole = AMIParser().feed(stream)
    assert len(whole) == len(picks)
    assert _feed_in_pieces(stream, cuts) == whole
