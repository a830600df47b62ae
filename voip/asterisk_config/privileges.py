"""The AMI actions the product sends, the manager.conf classes that allow each, and the least-privilege set.

Every class list below is what Asterisk 22 itself reports for the action (``ListCommands`` with a
``read=all``/``write=all`` user, transcript 21-modulecheck-command-output-listcommands.txt;
``(Priv: <none>)`` means any logged-in user). Asterisk runs an action when the user's ``write``
classes contain **any one** of the action's classes: that transcript's session B shows user ``crm``
(``write=call``) allowed
``Hangup`` (``system,call``) and refused ``ModuleCheck`` (``system``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class AmiActionNeed:
    action: str
    classes: tuple[str, ...]  # any one of them allows the action; () = no class needed
    purpose: StrOrPromise  # lazy: translated when shown


# The actions voip.backends / voip.diagnostics / the event listener send.
REQUIRED_ACTIONS: tuple[AmiActionNeed, ...] = (
    AmiActionNeed("Originate", ("originate",), _("click-to-call, test calls")),
    AmiActionNeed("Hangup", ("system", "call"), _("hang up a call from the CRM")),
    AmiActionNeed("MixMonitor", ("system",), _("start recording a call")),
    AmiActionNeed("StopMixMonitor", ("system", "call"), _("stop recording")),
    AmiActionNeed("QueueAdd", ("agent",), _("agent logs in to a queue")),
    AmiActionNeed("QueueRemove", ("agent",), _("agent logs out of a queue")),
    AmiActionNeed("QueuePause", ("agent",), _("pause a queue member")),
    AmiActionNeed("QueueStatus", (), _("queue state")),
    AmiActionNeed("Reload", ("system", "config"), _("Reload res_pjsip.so (admin action)")),
    AmiActionNeed(
        "SorceryMemoryCacheExpireObject", ("system",), _("live on save: expire a changed object (memory cache)")
    ),
    AmiActionNeed("SorceryMemoryCacheExpire", ("system",), _("live on save: expire a whole cache (big batches)")),
    AmiActionNeed("PJSIPShowEndpoint", ("system",), _("endpoint status (admin, My phone)")),
    AmiActionNeed("PJSIPShowEndpoints", ("system",), _("list endpoints")),
    AmiActionNeed("PJSIPShowContacts", ("system",), _("list registrations")),
    AmiActionNeed("PJSIPRegister", ("system", "reporting"), _("live on save: a trunk's new password")),
    AmiActionNeed("PJSIPShowRegistrationsOutbound", ("system", "reporting"), _("trunk registration status")),
    AmiActionNeed("PJSIPQualify", ("system", "reporting"), _("Test registration (admin action)")),
    AmiActionNeed("CoreSettings", ("system", "reporting"), _("Asterisk version (--test-connection)")),
    AmiActionNeed("CoreShowChannels", ("system", "reporting"), _("active calls")),
    AmiActionNeed("DeviceStateList", ("call", "reporting"), _("device states when the listener starts")),
    AmiActionNeed("Filter", ("system",), _("event listener: server-side event filters")),
    AmiActionNeed("ModuleCheck", ("system",), _("--validate: required modules loaded")),
    AmiActionNeed("GetConfig", ("system", "config"), _("--validate: sorcery.conf / extconfig.conf active")),
    AmiActionNeed("Command", ("command",), _("--validate: realtime show pgsql status, pjsip show transports")),
)

# Least privilege covering REQUIRED_ACTIONS (tests check: covers all, and no class is superfluous).
# ``config`` is deliberately absent: Reload and GetConfig accept ``system``, and ``config`` would
# add UpdateConfig/CreateConfig (rewrite any configuration file). ``reporting`` is covered by
# ``system``/``call``. ``originate`` is as powerful as ``system``: Originate can run any dialplan
# application, including System() (a shell command) -- treat this account like root on the PBX.
WRITE_CLASSES: tuple[str, ...] = ("system", "call", "originate", "agent", "command")

# Events the product consumes (Privilege header of each event in the transcripts):
# system: ContactStatus, PeerStatus, FullyBooted, Reload; call: Newchannel, Hangup, Dial*, Bridge*,
# DeviceStateChange, OriginateResponse, MixMonitor*; agent: QueueMember*, QueueCaller*, Agent*;
# cdr: Cdr; dialplan: VarSet MIXMONITOR_FILENAME, the only event naming a recording's file
# (MixMonitorStart carries no file name, transcript 15-mixmonitor-start-mute-stop-during-call.txt). The dialplan class's
# Newexten flood is cut by the user's ``eventfilter = !Event: Newexten`` (MANAGER_EVENT_FILTERS).
# security: ChallengeResponseFailed, InvalidAccountID (SIP password guessing, voip.calls.sip_security),
# with ChallengeSent/SuccessfulAuth for every registration (transcripts
# 12-registration-lifecycle-unregister-unreachable-expiry.txt, 22-pjsipqualify-with-concurrent-listener.txt).
READ_CLASSES: tuple[str, ...] = ("system", "call", "agent", "cdr", "dialplan", "security")

# Per-user blacklist filters ("!" prefix: with black filters only, every other event passes;
# Asterisk's configs/samples/manager.conf.sample). Regexes run over the whole event text.
MANAGER_EVENT_FILTERS: tuple[str, ...] = ("!Event: Newexten",)


def action_allowed(need: AmiActionNeed, classes: set[str] | frozenset[str] | tuple[str, ...]) -> bool:
    """Would a user with these write classes be allowed the action?"""
    granted = set(classes)
    return not need.classes or "all" in granted or bool(granted.intersection(need.classes))


def privilege_table() -> list[tuple[str, str, str]]:
    """(action, classes, purpose) rows for docs and ``--validate`` hints."""
    return [(n.action, ",".join(n.classes) or "<none>", str(n.purpose)) for n in REQUIRED_ACTIONS]
