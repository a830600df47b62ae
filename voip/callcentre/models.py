"""The call centre as the CRM keeps it; Asterisk's own rows are ``queues`` and ``queue_members``.

:class:`CallQueue` is the CRM's description of a queue, mirrored into the realtime ``queues`` row
by :mod:`voip.callcentre.services`. :class:`QueueAgent` says who may work a queue (with a
penalty); an agent logged in to a queue has a ``queue_members`` row (docs/decisions.md,
"Queue membership"). :class:`AgentQueueState` is what the events said last, plus the pause
reason, which the CRM keeps itself.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class Strategy(models.TextChoices):
    RINGALL = "ringall", _("ring all")
    LEASTRECENT = "leastrecent", _("least recent")
    FEWESTCALLS = "fewestcalls", _("fewest calls")
    RANDOM = "random", _("random")
    RRMEMORY = "rrmemory", _("round robin with memory")
    LINEAR = "linear", _("linear")
    WRANDOM = "wrandom", _("weighted random")
    RRORDERED = "rrordered", _("round robin, ordered")


class EmptyRule(models.TextChoices):
    # app_queue's joinempty/leavewhenempty take a list of conditions; these are the useful sets.
    NEVER = "", _("never (always allowed)")
    NO_MEMBERS = "paused,penalty,invalid,unavailable", _("when no agent could answer")
    UNAVAILABLE = "unavailable,invalid", _("when every agent is unavailable")


class CallQueue(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)
    department = models.ForeignKey(
        Group, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    strategy = models.CharField(_("strategy"), max_length=11, choices=Strategy.choices, default=Strategy.RINGALL)
    ring_timeout = models.PositiveIntegerField(_("ring timeout, s"), default=15)
    retry = models.PositiveIntegerField(_("retry after, s"), default=5)
    wrapup = models.PositiveIntegerField(_("wrap-up time, s"), default=0)
    max_wait = models.PositiveIntegerField(_("maximum wait, s"), null=True, blank=True)
    max_wait_destination = models.JSONField(_("after the maximum wait"), null=True, blank=True)
    join_empty = models.CharField(_("refuse callers"), max_length=64, choices=EmptyRule.choices, blank=True)
    leave_when_empty = models.CharField(
        _("send waiting callers away"), max_length=64, choices=EmptyRule.choices, blank=True
    )
    announce_position = models.BooleanField(_("announce position"), default=False)
    announce_holdtime = models.BooleanField(_("announce hold time"), default=False)
    music_on_hold = models.CharField(_("music on hold"), max_length=64, default="default")
    service_level = models.PositiveIntegerField(_("service level, s"), default=20)
    weight = models.PositiveIntegerField(_("weight"), default=0)
    record_calls = models.BooleanField(_("record calls"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("call queue")
        verbose_name_plural = _("call queues")
        permissions = [
            ("supervise_queues", _("Can watch the wallboard, pause agents and listen to their calls")),
        ]

    def __str__(self) -> str:
        return self.name


class QueueAgent(models.Model):
    """A user who may work a queue: a static member with a penalty."""

    queue = models.ForeignKey(CallQueue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="agents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="queue_memberships"
    )
    penalty = models.PositiveSmallIntegerField(_("penalty"), default=0)

    class Meta:
        ordering = ["queue__name", "penalty", "user__username"]
        verbose_name = _("queue agent")
        verbose_name_plural = _("queue agents")
        constraints = [models.UniqueConstraint(fields=["queue", "user"], name="callcentre_agent_once_per_queue")]

    def __str__(self) -> str:
        return f"{self.queue.name}: {self.user}"


class PauseReason(models.Model):
    """One entry of the configurable list agents pick from when they pause."""

    label = models.CharField(_("label"), max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "label"]
        verbose_name = _("pause reason")
        verbose_name_plural = _("pause reasons")

    def __str__(self) -> str:
        return self.label


class AgentStatus(models.TextChoices):
    LOGGED_OUT = "logged_out", _("logged out")
    AVAILABLE = "available", _("available")
    RINGING = "ringing", _("ringing")
    ON_CALL = "on_call", _("on a call")
    WRAPUP = "wrapup", _("wrap-up")
    PAUSED = "paused", _("paused")
    UNAVAILABLE = "unavailable", _("unavailable")


class AgentQueueState(models.Model):
    """One interface in one queue, as Asterisk's events last described it."""

    queue = models.CharField(_("queue"), max_length=64)
    interface = models.CharField(_("interface"), max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("state"), max_length=12, choices=AgentStatus.choices, default=AgentStatus.LOGGED_OUT)
    paused = models.BooleanField(_("paused"), default=False)
    pause_reason = models.CharField(_("pause reason"), max_length=80, blank=True)
    since = models.DateTimeField(_("since"))
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    calls_taken = models.PositiveIntegerField(_("calls taken"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agent state")
        verbose_name_plural = _("agent states")
        constraints = [models.UniqueConstraint(fields=["queue", "interface"], name="callcentre_state_once")]

    def __str__(self) -> str:
        return f"{self.queue}: {self.interface} {self.status}"


class PauseInterval(models.Model):
    """A pause that ended (or is running: ``ended_at`` empty), for pause time by reason."""

    queue = models.CharField(_("queue"), max_length=64, db_index=True)
    interface = models.CharField(_("interface"), max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("pause reason"), max_length=80, blank=True)
    started_at = models.DateTimeField(_("started"), db_index=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")

    def __str__(self) -> str:
        return f"{self.queue}: {self.interface} {self.reason}"


class WaitingCaller(models.Model):
    """A caller waiting in a queue now (QueueCallerJoin until Leave or Abandon)."""

    queue = models.CharField(_("queue"), max_length=64, db_index=True)
    uniqueid = models.CharField(_("call id"), max_length=150, unique=True)
    linkedid = models.CharField(_("linked call id"), max_length=150, blank=True)
    caller_number = models.CharField(_("caller"), max_length=40, blank=True)
    caller_name = models.CharField(_("caller name"), max_length=80, blank=True)
    joined_at = models.DateTimeField(_("joined"))

    class Meta:
        ordering = ["joined_at"]
        verbose_name = _("waiting caller")
        verbose_name_plural = _("waiting callers")

    def __str__(self) -> str:
        return f"{self.queue}: {self.caller_number}"


class QueueCall(models.Model):
    """One call through a queue: its wait and who answered; laid over the CallLog of its linkedid."""

    linkedid = models.CharField(_("linked call id"), max_length=150, db_index=True)
    uniqueid = models.CharField(_("call id"), max_length=150, unique=True)
    queue = models.CharField(_("queue"), max_length=64, db_index=True)
    caller_number = models.CharField(_("caller"), max_length=40, blank=True)
    joined_at = models.DateTimeField(_("joined"), db_index=True)
    wait_seconds = models.PositiveIntegerField(_("wait, s"), null=True, blank=True)
    answered_interface = models.CharField(_("answered by"), max_length=80, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rung = models.JSONField(_("rung"), default=list)
    talk_seconds = models.PositiveIntegerField(_("talk, s"), null=True, blank=True)
    abandoned = models.BooleanField(_("abandoned"), default=False)
    ended = models.BooleanField(_("ended"), default=False)

    class Meta:
        verbose_name = _("queue call")
        verbose_name_plural = _("queue calls")

    def __str__(self) -> str:
        return f"{self.queue}: {self.caller_number} {self.linkedid}"


class SupervisorAction(models.Model):
    """Every listen, whisper or barge a supervisor started: who, on whom, when."""

    class Mode(models.TextChoices):
        LISTEN = "listen", _("listen")
        WHISPER = "whisper", _("whisper")
        BARGE = "barge", _("barge in")

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), on_delete=models.PROTECT, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    error = models.CharField(_("error"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("supervisor action")
        verbose_name_plural = _("supervisor actions")

    def __str__(self) -> str:
        return f"{self.supervisor} {self.mode} {self.agent}"
