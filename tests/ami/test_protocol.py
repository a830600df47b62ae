"""The sans-IO core against every recorded byte from Asterisk 22.10.1."""

from __future__ import annotations

import hashlib
import json
import time

import pytest

from tests.ami import transcripts as tr
from voip.ami import (
    MAX_HEADERS,
    MAX_RECEIVED_HEADERS,
    AMIInjectionError,
    AMIParser,
    AMIProtocolError,
    EventListCollector,
    Message,
    challenge_key,
    serialize_action,
)

pytestmark = pytest.mark.skipif(
    not tr.transcripts_available(), reason=f"{tr.TRANSCRIPT_DIR} (recorded Asterisk bytes) is absent"
)


def all_sessions() -> list[tr.Session]:
    return [session for sessions in tr.load_all().values() for session in sessions]


def session_ids() -> list[str]:
    return [f"{session.file[:2]}-{index}" for index, session in enumerate(all_sessions())]


def test_transcripts_decode_to_the_announced_sizes() -> None:
    # parse_file raises if any block differs from its "(N bytes)" header; check coverage too.
    files = tr.load_all()
    assert len(files) == 25
    assert sum(len(sessions) for sessions in files.values()) >= 25
    for sessions in files.values():
        for session in sessions:
            assert session.blocks[0].kind == "RECEIVED"
            assert session.blocks[0].data == b"Asterisk Call Manager/11.0.0\r\n"


@pytest.mark.parametrize("session", all_sessions(), ids=session_ids())
def test_every_received_stream_parses_into_one_message_per_terminator(session: tr.Session) -> None:
    stream = session.received()
    parser = AMIParser()
    messages = parser.feed(stream)
    assert parser.greeting == "Asterisk Call Manager/11.0.0"
    assert parser.ami_version == "11.0.0"
    assert len(messages) == tr.strip_greeting(stream).count(b"\r\n\r\n")
    assert parser.buffered == 0
    for message in messages:
        assert message.is_event or message.is_response
        json.dumps(message.to_dict())


@pytest.mark.parametrize("session", all_sessions(), ids=session_ids())
def test_each_received_block_parses_on_its_own(session: tr.Session) -> None:
    parser = AMIParser()
    total = 0
    for block in session.blocks:
        if block.kind != "RECEIVED":
            continue
        total += len(parser.feed(block.data))
        assert parser.buffered == 0  # the recorder guarantees blocks end on a boundary
    assert total == len(session.messages())


@pytest.mark.parametrize("prefix", ["10", "18", "20", "22", "25"])
def test_splitting_at_every_byte_boundary_gives_the_same_messages(prefix: str) -> None:
    stream = tr.load(prefix)[-1 if prefix != "20" else 0].received()
    whole = AMIParser().feed(stream)
    for cut in range(len(stream) + 1):
        parser = AMIParser()
        parts = parser.feed(stream[:cut]) + parser.feed(stream[cut:])
        assert parts == whole, cut


def test_byte_at_a_time_feed_matches_whole_feed() -> None:
    stream = tr.load("21")[0].received()
    parser = AMIParser()
    messages: list[Message] = []
    for index in range(len(stream)):
        messages += parser.feed(stream[index : index + 1])
    assert messages == AMIParser().feed(stream)


def test_headers_keep_order_repeats_and_empty_values() -> None:
    stream = tr.load("17")[0].received()
    messages = AMIParser().feed(stream)
    pjsip = next(
        m for m in messages if m.is_response and "Output" in m and any("Endpoint:" in o for o in m.getall("Output"))
    )
    outputs = pjsip.getall("output")
    assert len(outputs) > 5
    assert "" in outputs  # blank CLI lines come as "Output: " (README: Command action)
    assert pjsip.headers[0] == ("Response", "Success")
    assert pjsip["MESSAGE"] == "Command output follows"
    core_settings = AMIParser().feed(tr.load("01")[0].received())[3]
    assert core_settings.get("SystemName") == ""
    assert core_settings.get("AsteriskVersion") == "22.10.1"


def test_bare_lf_inside_error_message_stays_in_the_value() -> None:
    messages = AMIParser().feed(tr.load("20")[0].received())
    error = next(m for m in messages if m.action_id == "ep-none")
    assert error.is_response and error.is_error
    assert error.message == "Unable to retrieve endpoint 9999\n"
    assert error.message.strip() == "Unable to retrieve endpoint 9999"


def test_colon_less_line_goes_to_extra_lines() -> None:
    messages = AMIParser().feed(tr.load("25")[0].received())
    reply = next(m for m in messages if m.action_id == "gc-manager-nocat")
    assert reply.extra_lines == ("No categories found",)
    assert reply.response == "Success"
    assert reply.to_dict()["_extra_lines"] == ["No categories found"]


def test_tab_and_listcommands_values() -> None:
    messages = AMIParser().feed(tr.load("21")[0].received())
    listing = next(m for m in messages if m.is_response and "SendText" in m)
    assert "\t" in listing["SendText"]
    assert listing["Originate"].endswith("(Priv: originate,all)")


def test_originate_response_is_an_event_with_an_action_id() -> None:
    messages = AMIParser().feed(tr.load("13")[0].received())
    failures = [m for m in messages if m.event == "OriginateResponse"]
    assert failures
    assert all(m.is_event and not m.is_response for m in failures)
    assert {m.action_id for m in failures} >= {"orig-unreg", "orig-noendpoint", "orig-noanswer", "orig-reject"}
    assert {m["Reason"] for m in failures} == {"0", "3"}


def test_message_api() -> None:
    message = Message([("Event", "VarSet"), ("Variable", "A"), ("Variable", "B"), ("ActionID", "x")])
    assert message.event == "VarSet" and message.is_event and message.action_id == "x"
    assert message.get("variable") == "A"
    assert message.getall("VARIABLE") == ["A", "B"]
    assert message.get("missing", "d") == "d"
    assert "event" in message and "nope" not in message
    with pytest.raises(KeyError):
        message["nope"]
    assert message.to_dict() == {"Event": "VarSet", "Variable": ["A", "B"], "ActionID": "x"}
    assert len(message) == 4 and list(message)[1] == ("Variable", "A")


def test_greeting_split_across_feeds_and_key_without_space() -> None:
    parser = AMIParser()
    assert parser.feed(b"Asterisk Call Man") == []
    assert parser.feed(b"ager/11.0.0\r") == []
    messages = parser.feed(b"\nResponse: Success\r\nKey:value\r\n\r\n")
    assert parser.ami_version == "11.0.0"
    assert messages[0].get("Key") == "value"


def test_endless_garbage_raises_protocol_error() -> None:
    parser = AMIParser(expect_greeting=False, max_message_bytes=1000)
    with pytest.raises(AMIProtocolError):
        parser.feed(b"x" * 2000)
    with pytest.raises(AMIProtocolError):
        AMIParser().feed(b"y" * 2000)  # no greeting line within 1,024 bytes


# -- event lists -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "action_id", "items"),
    [("01", "eps-1", 2), ("20", "ep-1003", 5), ("08", None, None), ("16", None, None)],
)
def test_event_list_collector_on_recorded_lists(prefix: str, action_id: str | None, items: int | None) -> None:
    for session in tr.load(prefix):
        for sent, received in session.exchanges():
            sent_message = AMIParser(expect_greeting=False).feed(sent)[0]
            if action_id is not None and sent_message.action_id != action_id:
                continue
            messages = AMIParser(expect_greeting=False).feed(b"".join(received))
            if not messages or messages[0].get("EventList") != "start":
                continue
            collector = EventListCollector(sent_message.action_id or "")
            for message in messages:
                if collector.accepts(message):
                    collector.add(message)
            result = collector.result()
            assert collector.done
            assert result.complete is not None
            assert len(result.items) == result.list_items
            if items is not None:
                assert len(result.items) == items
            json.dumps(result.to_dict())


def test_event_list_collector_stops_on_error_response() -> None:
    messages = AMIParser().feed(tr.load("20")[0].received())
    error = next(m for m in messages if m.action_id == "ep-none")
    collector = EventListCollector("ep-none")
    assert collector.add(error) is True
    assert collector.result().items == () and collector.result().complete is None
    with pytest.raises(ValueError):
        collector.add(error)


# -- serializer ------------------------------------------------------------------------


def test_serializer_matches_recorded_action_bytes() -> None:
    sent = next(
        data for session in tr.load("14") for data, _ in session.exchanges() if data.startswith(b"Action: Originate")
    )
    recorded = tr.parse_headers(sent)
    action_id = dict(recorded)["ActionID"]
    rebuilt = serialize_action("Originate", [(k, v) for k, v in recorded if k not in ("Action", "ActionID")], None)
    assert sorted(rebuilt.split(b"\r\n")) == sorted(
        sent.replace(f"ActionID: {action_id}\r\n".encode(), b"").split(b"\r\n")
    )
    assert rebuilt.count(b"Variable: ") == 2


def test_serializer_repeats_keys_and_appends_action_id() -> None:
    data = serialize_action("Originate", {"Channel": "PJSIP/1001", "Variable": ["A=1", "B=2"], "Priority": 1}, "id-1")
    assert data == (
        b"Action: Originate\r\nChannel: PJSIP/1001\r\nVariable: A=1\r\nVariable: B=2\r\n"
        b"Priority: 1\r\nActionID: id-1\r\n\r\n"
    )
    assert serialize_action("Ping") == b"Action: Ping\r\n\r\n"
    assert b"Async: true" in serialize_action("Originate", [("Async", True)])


@pytest.mark.parametrize(
    ("action", "headers", "action_id"),
    [
        ("Ping", [("Channel", "PJSIP/1001\r\nAction: Hangup")], None),
        ("Ping", [("Channel", "x\ny")], None),
        ("Ping", [("Channel", "x\ry")], None),
        ("Ping", [("Channel", "x\x00y")], None),
        ("Ping", [("Chan\nnel", "x")], None),
        ("Ping", [("", "x")], None),
        ("Ping", [("Chan nel", "x")], None),
        ("Ping", [("Channel:", "x")], None),
        ("Ping", [(None, "x")], None),
        ("Ping", [("Channel", 1.5)], None),
        ("Ping", [("Channel", None)], None),
        ("Ping\r\nAction: Hangup", None, None),
        ("", None, None),
        ("Ping", None, "id\r\nAction: Hangup"),
        ("Ping", [("Data", "x" * 1020)], None),
        ("Ping", [("H", str(i)) for i in range(MAX_HEADERS)], None),
        ("Ping", [("ActionID", "a")], "b"),
    ],
)
def test_serializer_refuses_unsafe_actions(action: str, headers: object, action_id: str | None) -> None:
    with pytest.raises(AMIInjectionError) as caught:
        serialize_action(action, headers, action_id)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)


def test_serializer_limits_are_exact() -> None:
    # 1,024 bytes per line including CRLF and 128 header lines including Action are allowed.
    longest_value = "x" * (1024 - len("Data: ") - 2)
    assert serialize_action("Ping", [("Data", longest_value)]).count(b"\r\n") == 3
    assert serialize_action("Ping", [("H", str(i)) for i in range(MAX_HEADERS - 1)]).count(b"\r\n") == MAX_HEADERS + 1
    with pytest.raises(AMIInjectionError):
        serialize_action("Ping", [("Data", longest_value + "x")])
    # A multi-byte character counts by its UTF-8 bytes.
    with pytest.raises(AMIInjectionError):
        serialize_action("Ping", [("Data", "é" * 509)])


def test_real_keys_are_tokens() -> None:
    # Every key Asterisk sent (CID-CallingPres, Line-000000-000000, 100rel ...) must be
    # accepted by the serializer's key rule, so nothing legitimate is refused.
    for sessions in tr.load_all().values():
        for session in sessions:
            for message in AMIParser().feed(session.received()):
                serialize_action("Ping", [(key, "v") for key, _ in message.headers[:100]])


def test_challenge_key_is_md5_of_challenge_plus_secret() -> None:
    assert challenge_key("173033300", "s3cret") == hashlib.md5(b"173033300s3cret").hexdigest()
    assert len(challenge_key("1", "")) == 32 and challenge_key("1", "") == challenge_key("1", "").lower()


def test_parser_refuses_a_message_with_too_many_headers() -> None:
    """A 4 MiB message of 699,000 one-letter headers was 1.2 s of parsing on the event loop."""
    flood = b"Event: Flood\r\n" + b"a: \r\n" * 699_000 + b"\r\n"
    parser = AMIParser(expect_greeting=False)
    started = time.perf_counter()
    with pytest.raises(AMIProtocolError, match="headers"):
        parser.feed(flood)
    assert time.perf_counter() - started < 0.2


def test_parser_header_bound_is_exact_and_far_above_real_messages() -> None:
    # The largest recorded message (EndpointDetail, transcript 20) has 145 headers.
    largest = max(
        len(AMIParser(expect_greeting=False).feed(raw)[0])
        for raw in tr.split_messages(tr.load("20")[0].received().split(b"\r\n", 1)[1])
    )
    assert largest < MAX_RECEIVED_HEADERS // 10
    at_bound = b"Event: Big\r\n" + b"Output: x\r\n" * (MAX_RECEIVED_HEADERS - 1) + b"\r\n"
    assert len(AMIParser(expect_greeting=False).feed(at_bound)[0]) == MAX_RECEIVED_HEADERS
    with pytest.raises(AMIProtocolError):
        AMIParser(expect_greeting=False).feed(b"Event: Big\r\n" + b"Output: x\r\n" * MAX_RECEIVED_HEADERS + b"\r\n")


def test_device_states_in_both_spellings_of_the_recordings() -> None:
    from voip.ami.codes import device_state_name, is_in_call

    # DeviceStateChange says INUSE (transcript 12), PJSIPShowEndpoint says "In use" (transcript 20).
    assert device_state_name("INUSE") == device_state_name("In use") == "INUSE"
    assert is_in_call("Ring+Inuse") and is_in_call("On Hold") and is_in_call("RINGINUSE")
    assert not is_in_call("Not in use") and not is_in_call("UNAVAILABLE") and not is_in_call(None)
    spelled = {tr.header(raw, "DeviceState") for raw in tr.load("20")[0].messages()} - {None}
    assert spelled and all(device_state_name(value) for value in spelled)
