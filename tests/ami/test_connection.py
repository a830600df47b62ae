"""The sans-IO session state (:class:`AMIConnection`) fed with recorded Asterisk bytes, no sockets."""

from __future__ import annotations

import pytest

from tests.ami import transcripts as tr
from voip.ami import AMIActionError, AMIAuthenticationError, AMIConnectionClosed, AMIParser, challenge_key
from voip.ami.connection import AMIConnection, ConnectionState, Event, ListComplete, LoggedIn, Response

pytestmark = pytest.mark.skipif(
    not tr.transcripts_available(), reason=f"{tr.TRANSCRIPT_DIR} (recorded Asterisk bytes) is absent"
)

GREETING = b"Asterisk Call Manager/11.0.0\r\n"


def sent_actions(connection: AMIConnection) -> list[dict[str, str]]:
    return [dict(m.headers) for m in AMIParser(expect_greeting=False).feed(connection.data_to_send())]


def reply(action: dict[str, str], raw: bytes) -> bytes:
    """Recorded bytes answering ``action`` (its ActionID substituted)."""
    return tr.with_header(raw, "ActionID", action["ActionID"])


def recorded(message_text: str, prefix: str | None = None) -> bytes:
    return tr.find_message(lambda raw: tr.header(raw, "Message") == message_text and b"ActionID" in raw, prefix)


def logged_in(**options: object) -> AMIConnection:
    connection = AMIConnection(username="admin", secret="s3cret", **options)  # type: ignore[arg-type]
    assert connection.receive_data(GREETING) == []
    (login,) = sent_actions(connection)
    assert connection.receive_data(reply(login, recorded("Authentication accepted", "01"))) == [
        LoggedIn("Asterisk Call Manager/11.0.0", "11.0.0")
    ]
    return connection


def test_plain_login_is_sent_after_the_greeting_only() -> None:
    connection = AMIConnection(username="admin", secret="s3cret", events="call")
    assert connection.data_to_send() == b"" and connection.state is ConnectionState.GREETING
    assert connection.waiting_for == "the AMI greeting"
    connection.receive_data(GREETING[:10])
    assert connection.data_to_send() == b""
    connection.receive_data(GREETING[10:])
    (login,) = sent_actions(connection)
    assert (login["Action"], login["Username"], login["Secret"], login["Events"]) == (
        "Login",
        "admin",
        "s3cret",
        "call",
    )
    assert connection.state is ConnectionState.LOGGING_IN and connection.waiting_for == "the Login response"
    with pytest.raises(AMIConnectionClosed):
        connection.send_action("Ping")  # nothing but the login before it succeeded


def test_md5_login_answers_the_recorded_challenge() -> None:
    connection = AMIConnection(username="crm", secret="crm-secret", auth="md5")
    connection.receive_data(GREETING)
    (challenge,) = sent_actions(connection)
    assert (challenge["Action"], challenge["AuthType"]) == ("Challenge", "MD5")
    challenge_reply = tr.find_message(lambda raw: raw.startswith(b"Response: Success") and b"Challenge: " in raw, "18")
    assert connection.receive_data(reply(challenge, challenge_reply)) == []
    (login,) = sent_actions(connection)
    assert login["Key"] == challenge_key(tr.header(challenge_reply, "Challenge") or "", "crm-secret")
    assert "Secret" not in login
    assert isinstance(connection.receive_data(reply(login, recorded("Authentication accepted", "18")))[0], LoggedIn)
    assert connection.state is ConnectionState.READY


def test_refused_login_raises_authentication_error() -> None:
    connection = AMIConnection(username="admin", secret="wrong", host="pbx", port=5038)
    connection.receive_data(GREETING)
    (login,) = sent_actions(connection)
    with pytest.raises(AMIAuthenticationError) as caught:
        connection.receive_data(reply(login, recorded("Authentication failed", "10")))
    assert caught.value.host == "pbx" and "Authentication failed" in caught.value.reason


def test_filters_are_part_of_the_login() -> None:
    connection = AMIConnection(username="admin", secret="s3cret", event_filters=["Event: Newchannel", "Event: Hangup"])
    connection.receive_data(GREETING)
    (login,) = sent_actions(connection)
    assert connection.receive_data(reply(login, recorded("Authentication accepted", "01"))) == []
    filters = sent_actions(connection)
    assert [f["Filter"] for f in filters] == ["Event: Newchannel", "Event: Hangup"]
    assert connection.waiting_for == "the Filter response"
    success = tr.find_message(lambda raw: raw.startswith(b"Response: Success") and b"ActionID" in raw, "19")
    assert connection.receive_data(reply(filters[0], success)) == []
    assert isinstance(connection.receive_data(reply(filters[1], success))[0], LoggedIn)


def test_a_refused_filter_fails_the_login() -> None:
    connection = AMIConnection(username="admin", secret="s3cret", event_filters=["Event: Newchannel"])
    connection.receive_data(GREETING)
    (login,) = sent_actions(connection)
    connection.receive_data(reply(login, recorded("Authentication accepted", "01")))
    (filter_action,) = sent_actions(connection)
    with pytest.raises(AMIActionError):
        connection.receive_data(reply(filter_action, recorded("Permission denied", "18")))


def test_responses_are_matched_by_action_id_and_events_pass_through() -> None:
    connection = logged_in()
    first = connection.send_action("Ping")
    second = connection.send_action("CoreSettings")
    assert first != second and len(sent_actions(connection)) == 2
    pong = tr.find_message(lambda raw: tr.header(raw, "Ping") == "Pong" and b"ActionID" in raw)
    settings = tr.find_message(lambda raw: tr.header(raw, "AsteriskVersion") is not None and b"ActionID" in raw)
    event = tr.find_message(lambda raw: raw.startswith(b"Event: Newchannel"))
    data = tr.with_header(settings, "ActionID", second) + event + tr.with_header(pong, "ActionID", first)
    outputs = connection.receive_data(data)
    assert [type(output) for output in outputs] == [Response, Event, Response]
    assert isinstance(outputs[0], Response) and (outputs[0].action_id, outputs[0].action) == (second, "CoreSettings")
    assert isinstance(outputs[2], Response) and outputs[2].message["Ping"] == "Pong"


def test_a_forgotten_action_s_late_response_is_dropped() -> None:
    connection = logged_in()
    action_id = connection.send_action("Ping")
    connection.forget(action_id)  # the caller timed out
    pong = tr.find_message(lambda raw: tr.header(raw, "Ping") == "Pong" and b"ActionID" in raw)
    assert connection.receive_data(tr.with_header(pong, "ActionID", action_id)) == []


def test_a_recorded_event_list_comes_back_whole() -> None:
    connection = logged_in()
    action_id = connection.send_list_action("PJSIPShowEndpoints")
    listing = [raw for raw in tr.load("01")[0].messages() if tr.header(raw, "ActionID") == "eps-1"]
    data = b"".join(tr.with_header(raw, "ActionID", action_id) for raw in listing)
    outputs = [output for cut in range(0, len(data), 97) for output in connection.receive_data(data[cut : cut + 97])]
    (complete,) = outputs
    assert isinstance(complete, ListComplete) and complete.action == "PJSIPShowEndpoints"
    assert len(complete.result.items) == 2 and complete.result.list_items == 2


def test_originate_response_with_our_action_id_is_an_event() -> None:
    connection = logged_in()
    action_id = connection.send_action("Originate", [("Channel", "PJSIP/1001"), ("Exten", "1002")])
    queued = recorded("Originate successfully queued", "24")
    outcome = tr.find_message(lambda raw: raw.startswith(b"Event: OriginateResponse"), "24")
    outputs = connection.receive_data(
        tr.with_header(queued, "ActionID", action_id) + tr.with_header(outcome, "ActionID", action_id)
    )
    assert [type(output) for output in outputs] == [Response, Event]


def test_logoff_ends_the_session() -> None:
    connection = logged_in()
    connection.logoff()
    assert sent_actions(connection)[0]["Action"] == "Logoff"
    assert connection.state is ConnectionState.CLOSED
    with pytest.raises(AMIConnectionClosed):
        connection.send_action("Ping")
