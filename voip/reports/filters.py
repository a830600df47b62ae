"""What a report is asked for: a date range in the CRM's time zone and the filters, validated at the edge.

Bad values are refused with a message naming the field (never cleaned silently); a valid form gives
a :class:`ReportFilters` that the selectors take.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voip.calls.models import CallDirection

# A year and a day either side of a leap day: longer ranges are refused rather than run.
MAX_RANGE_DAYS = 366
# Queue, trunk and DID names as Asterisk and the trunk/queue models spell them: no spaces, no CR/LF.
_NAME = RegexValidator(re.compile(r"^[\w.+@#*-]{1,128}\Z"), _("Use letters, digits and . + @ # * - _ only."))


@dataclass(frozen=True)
class ReportFilters:
    date_from: dt.date
    date_to: dt.date  # inclusive
    direction: str = ""
    agent_id: int | None = None
    queue: str = ""
    trunk: str = ""
    did: str = ""

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes: midnights in the CRM's time zone."""
        zone = timezone.get_default_timezone()
        start = dt.datetime.combine(self.date_from, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start, end

    def days(self) -> list[dt.date]:
        count = (self.date_to - self.date_from).days + 1
        return [self.date_from + dt.timedelta(days=n) for n in range(count)]

    def as_query(self) -> dict[str, str]:
        """The GET parameters that ask for the same report (for export links)."""
        query = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        for key in ("direction", "queue", "trunk", "did"):
            if getattr(self, key):
                query[key] = getattr(self, key)
        if self.agent_id is not None:
            query["agent"] = str(self.agent_id)
        return query


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This month so far, in the CRM's time zone."""
    today = today or timezone.localdate(timezone=timezone.get_default_timezone())
    return today.replace(day=1), today


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", _("all directions")), *CallDirection.choices]
    )
    agent = forms.ModelChoiceField(label=_("Agent"), required=False, queryset=get_user_model().objects.none())
    queue = forms.CharField(label=_("Queue"), required=False, max_length=128, validators=[_NAME])
    trunk = forms.CharField(label=_("Trunk"), required=False, max_length=40, validators=[_NAME])
    did = forms.CharField(label=_("DID"), required=False, max_length=40, validators=[_NAME])

    def __init__(self, data: Any = None, *, user: AbstractBaseUser | AnonymousUser, all_calls: bool) -> None:
        if data is not None:
            data = data.copy()
            first, last = default_range()
            data.setdefault("date_from", first.isoformat())
            data.setdefault("date_to", last.isoformat())
        super().__init__(data)
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        # Agents may only ask about themselves: another id is refused as an invalid choice.
        agent_field = self.fields["agent"]
        assert isinstance(agent_field, forms.ModelChoiceField)
        agent_field.queryset = users if all_calls else users.filter(pk=user.pk or 0)
        if not all_calls:
            self.fields["agent"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last:
            if last < first:
                self.add_error("date_to", _("The end of the range is before its start."))
            elif (last - first).days + 1 > MAX_RANGE_DAYS:
                self.add_error("date_to", _("A report covers at most %(days)s days.") % {"days": MAX_RANGE_DAYS})
        return cleaned

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        agent = data.get("agent")
        return ReportFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            direction=data.get("direction") or "",
            agent_id=agent.pk if agent is not None else None,
            queue=data.get("queue") or "",
            trunk=data.get("trunk") or "",
            did=data.get("did") or "",
        )
