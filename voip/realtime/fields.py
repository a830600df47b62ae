"""Field types for Asterisk's realtime columns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone

from voip.conf import pbx_time_zone


class PbxDateTimeField(models.DateTimeField):
    """A ``timestamp without time zone`` holding the PBX's local wall-clock time.

    Asterisk writes ``cdr.start`` and friends in its own local time with no zone. Django's
    ``DateTimeField`` would create ``timestamp with time zone`` on PostgreSQL and treat values as
    UTC; this field keeps the column type Asterisk's schema has and hands back naive datetimes.
    ``voip.calls`` attaches the zone of :func:`voip.conf.pbx_time_zone` when it needs one.
    """

    description = "Date and time without time zone (PBX local time)"

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "timestamp"
        return super().db_type(connection)

    def get_prep_value(self, value: Any) -> Any:
        value = models.Field.get_prep_value(self, value)
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            value = timezone.make_naive(value, pbx_time_zone())
        return value

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        return value

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # SQLite's backend converter has already made the value aware in UTC; undo that.
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            value = timezone.make_naive(value, dt.UTC)
        return value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if self.auto_now or (self.auto_now_add and add):
            value = timezone.localtime(timezone.now(), pbx_time_zone()).replace(tzinfo=None)
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)
