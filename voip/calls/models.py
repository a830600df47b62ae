from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CallDirection(models.TextChoices):
    INTERNAL = "internal", _("internal")
    OUTBOUND = "outbound", _("outbound")
    INBOUND = "inbound", _("inbound")


class CallDisposition(models.TextChoices):
    IN_PROGRESS = "in_progress", _("in progress")
    ANSWERED = "answered", _("answered")
    NO_ANSWER = "no_answer", _("no answer")
    BUSY = "busy", _("busy")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")
    # A queue caller who hung up (or timed out) before any agent answered.
    ABANDONED = "abandoned", _("abandoned")


class CallLog(models.Model):
    """One call (Asterisk ``linkedid``), created at its first event and updated until hangup."""

    linkedid = models.CharField(_("call id"), max_length=150, unique=True)
    # The channel of the call's first leg: what start_recording() and hangup() take.
    session_id = models.CharField(_("channel"), max_length=255, blank=True, db_index=True)
    direction = models.CharField(_("direction"), max_length=10, choices=CallDirection.choices)
    caller_number = models.CharField(_("caller"), max_length=40, blank=True, db_index=True)
    caller_name = models.CharField(_("caller name"), max_length=80, blank=True)
    callee_number = models.CharField(_("callee"), max_length=40, blank=True, db_index=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_logs",
    )
    agent_extension = models.CharField(_("agent extension"), max_length=40, blank=True)
    contact = models.ForeignKey(
        "crm.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    company = models.ForeignKey(
        "crm.Company", verbose_name=_("company"), null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    started_at = models.DateTimeField(_("started"), db_index=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("duration, s"), default=0)
    billsec = models.PositiveIntegerField(_("billable, s"), default=0)
    disposition = models.CharField(
        _("disposition"), max_length=12, choices=CallDisposition.choices, default=CallDisposition.IN_PROGRESS
    )
    hangup_cause = models.PositiveSmallIntegerField(_("hangup cause"), null=True, blank=True)
    hangup_cause_text = models.CharField(_("hangup cause text"), max_length=80, blank=True)
    recording_file = models.CharField(_("recording"), max_length=255, blank=True)
    # The ChannelId click-to-call chose for the agent's leg (it becomes the call's linkedid).
    origination_id = models.CharField(_("origination id"), max_length=150, blank=True, db_index=True)
    # A call that rang the agent unanswered stays in their missed calls until they handle it.
    missed_handled_at = models.DateTimeField(_("missed call handled"), null=True, blank=True)
    # External calls: the trunk (by name, so the record outlives the trunk) and the number called in.
    trunk = models.CharField(_("trunk"), max_length=40, blank=True, db_index=True)
    did = models.CharField(_("DID"), max_length=40, blank=True, db_index=True)
    # Outbound calls: the number as the agent dialled it and as the route sent it to the provider.
    dialled_number = models.CharField(_("dialled number"), max_length=40, blank=True)
    sent_number = models.CharField(_("number sent"), max_length=40, blank=True)
    # Queue calls: the queue (by name), the caller's wait until answered or abandoned.
    queue = models.CharField(_("queue"), max_length=128, blank=True, db_index=True)
    wait_seconds = models.PositiveIntegerField(_("wait, s"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["contact", "-started_at"], name="calllog_contact_started"),
            models.Index(fields=["agent", "-started_at"], name="calllog_agent_started"),
            # Call reports (voip.reports): a month's figures from this index alone (PostgreSQL
            # index-only scans; SQLite ignores INCLUDE), and queue calls without the others.
            models.Index(
                fields=["started_at"],
                include=[
                    "direction",
                    "disposition",
                    "agent",
                    "queue",
                    "wait_seconds",
                    "billsec",
                    "caller_number",
                    "agent_extension",
                ],
                name="calllog_report_cover",
            ),
            models.Index(fields=["queue", "started_at"], condition=~models.Q(queue=""), name="calllog_queue_started"),
        ]

    def __str__(self) -> str:
        when = f"{self.started_at:%Y-%m-%d %H:%M}"
        return f"{self.get_direction_display()} {self.caller_number} -> {self.callee_number} ({when})"


class PresenceStatus(models.TextChoices):
    REGISTERED = "registered", _("registered")
    UNREACHABLE = "unreachable", _("unreachable")
    UNREGISTERED = "unregistered", _("unregistered")
    IN_CALL = "in_call", _("in a call")
    UNKNOWN = "unknown", _("unknown")


class EndpointPresence(models.Model):
    """Last known state of an endpoint, kept by the event listener so pages never ask AMI per row."""

    endpoint_id = models.CharField(_("endpoint"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PresenceStatus.choices, default=PresenceStatus.UNKNOWN
    )
    # Asterisk's own words: Reachable, NonQualified, Unreachable, Removed, ...
    contact_status = models.CharField(_("contact status"), max_length=20, blank=True)
    device_state = models.CharField(_("device state"), max_length=20, blank=True)
    contact_uri = models.CharField(_("contact URI"), max_length=511, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    roundtrip_usec = models.PositiveIntegerField(_("round trip, µs"), null=True, blank=True)
    since = models.DateTimeField(_("since"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("endpoint presence")
        verbose_name_plural = _("endpoint presence")
        ordering = ["endpoint_id"]

    def __str__(self) -> str:
        return f"{self.endpoint_id}: {self.get_status_display()}"


class PendingOrigination(models.Model):
    """A click-to-call the web app just started: lets the event listener (another process) attribute
    the call to the agent before, or without, any channel event. Short-lived; pruned by the services."""

    channel_id = models.CharField(_("channel id"), max_length=150, unique=True)
    action_id = models.CharField(_("action id"), max_length=150, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="+"
    )
    extension = models.CharField(_("agent extension"), max_length=40, blank=True)
    dialled = models.CharField(_("dialled number"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("pending origination")
        verbose_name_plural = _("pending originations")

    def __str__(self) -> str:
        return f"{self.channel_id} ({self.dialled})"


class RecordingDeletionReason(models.TextChoices):
    RETENTION = "retention", _("retention period over")
    REQUEST = "request", _("deleted on request")


class RecordingDeletion(models.Model):
    """The log of deleted recordings: which call's file, when, why and by whom."""

    call = models.ForeignKey(
        CallLog, verbose_name=_("call"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linkedid = models.CharField(_("call id"), max_length=150)
    recording_file = models.CharField(_("recording"), max_length=255)
    file_found = models.BooleanField(_("file found"), help_text=_("whether a file was there to delete"))
    reason = models.CharField(_("reason"), max_length=10, choices=RecordingDeletionReason.choices)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deleted_at = models.DateTimeField(_("deleted"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-deleted_at"]
        verbose_name = _("deleted recording")
        verbose_name_plural = _("deleted recordings")

    def __str__(self) -> str:
        return f"{self.recording_file} ({self.get_reason_display()})"
