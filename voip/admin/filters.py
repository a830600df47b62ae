"""List filters for Asterisk's columns, worded for people."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# Asterisk's ast_bool_values enum spells yes and no three ways each (ps_* schema).
TRUE_VALUES = ("yes", "1", "on", "true")
FALSE_VALUES = ("no", "0", "off", "false")


class AsteriskBooleanFilter(admin.FieldListFilter):
    """Yes / No for an ast_bool column, whichever of Asterisk's spellings a row uses."""

    def __init__(self, field: Any, request: HttpRequest, params: dict, model: Any, model_admin: Any, field_path: str):
        self.parameter_name = f"{field_path}__yesno"
        value = params.get(self.parameter_name)  # read before the base class takes it out of params
        self.value = (value[-1] if isinstance(value, list) else value) or None
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self) -> list[str | None]:
        return [self.parameter_name]

    def has_output(self) -> bool:
        return True

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value == "yes":
            return queryset.filter(**{f"{self.field_path}__in": TRUE_VALUES})
        if self.value == "no":
            return queryset.filter(**{f"{self.field_path}__in": FALSE_VALUES})
        return queryset

    def choices(self, changelist: Any) -> Any:
        for value, label in ((None, _("All")), ("yes", _("Yes")), ("no", _("No"))):
            yield {
                "selected": self.value == value,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: value} if value else {}, [] if value else [self.parameter_name]
                ),
                "display": label,
            }


class AgentFilter(admin.SimpleListFilter):
    """ "By agent": only users who can take calls (the agents, supervisors, PBX admins with an extension)."""

    title = _("agent")
    parameter_name = "agent"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        from voip.provisioning.models import InternalNumber

        rows = InternalNumber.objects.select_related("user").order_by("user__last_name", "user__username")
        return [(str(row.user_id), row.user.get_full_name() or row.user.get_username()) for row in rows]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(agent_id=int(value))
        return queryset
