"""Asterisk's numeric codes and state names as they appear in AMI, in one table for every reader.

Sources: ``include/asterisk/frame.h`` (control frames: OriginateResponse ``Reason``),
``include/asterisk/causes.h`` (Q.850 hangup causes) and ``main/devicestate.c`` (device states,
spelled ``INUSE`` in DeviceStateChange events and ``In use`` in PJSIPShowEndpoint, transcript
20-listings-during-call-channels-endpoint-contacts-devicestate.txt).
"""

from __future__ import annotations

__all__ = [
    "CALL_REJECTED",
    "DEVICE_STATES",
    "FAILURE_BY_CAUSE",
    "FAILURE_BY_DIAL_STATUS",
    "FAILURE_BY_REASON",
    "IN_CALL_DEVICE_STATES",
    "NORMAL_CLEARING",
    "NORMAL_UNSPECIFIED",
    "NO_ANSWER",
    "NO_USER_RESPONSE",
    "ORIGINATE_REASONS",
    "USER_BUSY",
    "device_state_name",
    "is_in_call",
    "originate_outcome",
]

# OriginateResponse "Reason" is the last control frame seen on the outgoing channel (enum
# ast_control_frame_type); 0 means no frame at all. In 13-originate-failures-noanswer-busy-sync.txt an unregistered
# or nonexistent endpoint AND a callee rejecting with 486 all gave 0; ringing until Timeout gave 3 (the last frame
# was RINGING); answered calls give 4 (transcripts 04-originate-to-softphone-playback.txt,
# 14-click-to-call-originate-variables-hangup-action.txt, 24-webapp-originate-channelid-wait-hangup-crm-refused.txt).
ORIGINATE_REASONS: dict[int, str] = {
    0: "failed",
    1: "hangup",
    2: "ring",
    3: "no_answer",
    4: "answered",
    5: "busy",
    8: "congestion",
}

# Q.850 hangup causes the call log reasons about (Hangup "Cause", transcript
# 13-originate-failures-noanswer-busy-sync.txt: 17 and 19).
NORMAL_CLEARING = 16
USER_BUSY = 17
NO_USER_RESPONSE = 18
NO_ANSWER = 19
CALL_REJECTED = 21  # SIP 603 Decline
NORMAL_UNSPECIFIED = 31

# Why a call failed, from what the outgoing channel showed (Q.850 hangup causes as Asterisk names
# them in include/asterisk/causes.h; Dial statuses of DialEnd). In 13-originate-failures-noanswer-busy-sync.txt
# the busy phone's channel ended with HangupRequest/Hangup "Cause: 17" (User busy, TechCause 486) and DialEnd
# "DialStatus: BUSY", while its OriginateResponse said only "Reason: 0".
FAILURE_BY_CAUSE: dict[int, str] = {
    1: "unallocated_number",
    3: "unallocated_number",
    17: "busy",
    18: "no_answer",
    19: "no_answer",
    20: "not_registered",
    21: "rejected",
    27: "unreachable",
    34: "congestion",
    38: "congestion",
    41: "congestion",
    42: "congestion",
    44: "congestion",
}
FAILURE_BY_DIAL_STATUS: dict[str, str] = {
    "BUSY": "busy",
    "NOANSWER": "no_answer",
    "CONGESTION": "congestion",
    "CHANUNAVAIL": "unreachable",
    "CANCEL": "cancelled",
}
FAILURE_BY_REASON: dict[int, str] = {1: "hangup", 3: "no_answer", 5: "busy", 8: "congestion"}

# Device state: event spelling -> the spelling of listings (devstatestring in main/devicestate.c).
DEVICE_STATES: dict[str, str] = {
    "UNKNOWN": "Unknown",
    "NOT_INUSE": "Not in use",
    "INUSE": "In use",
    "BUSY": "Busy",
    "INVALID": "Invalid",
    "UNAVAILABLE": "Unavailable",
    "RINGING": "Ringing",
    "RINGINUSE": "Ring+Inuse",
    "ONHOLD": "On Hold",
}
IN_CALL_DEVICE_STATES = frozenset({"INUSE", "BUSY", "RINGING", "RINGINUSE", "ONHOLD"})
_BY_EITHER_SPELLING = {key.lower(): key for key in DEVICE_STATES} | {
    text.lower(): key for key, text in DEVICE_STATES.items()
}


def originate_outcome(reason: int | None) -> str:
    """The word for an OriginateResponse ``Reason`` code (``unknown`` for codes Asterisk never sent)."""
    return ORIGINATE_REASONS.get(reason, "unknown") if reason is not None else "unknown"


def device_state_name(value: str | None) -> str | None:
    """``INUSE`` for either ``INUSE`` or ``In use``; None for anything else."""
    return _BY_EITHER_SPELLING.get((value or "").strip().lower())


def is_in_call(device_state: str | None) -> bool:
    """Whether a device state, in either spelling, means the phone is busy with a call."""
    return device_state_name(device_state) in IN_CALL_DEVICE_STATES
