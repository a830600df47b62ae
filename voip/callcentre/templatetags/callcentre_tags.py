"""``{% agent_panel %}`` (every page, for queue agents) and ``{% wallboard_link %}`` (supervisors)."""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static

from voip.callcentre import selectors
from voip.callcentre.services import SUPERVISE

register = template.Library()


@register.inclusion_tag("callcentre/agent_panel.html", takes_context=True)
def agent_panel(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not selectors.user_is_agent(user=user):
        return {"enabled": False}
    return {
        "enabled": True,
        "panel": selectors.agent_panel(user=user),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "script_url": static("js/callcentre.js"),
    }


@register.inclusion_tag("callcentre/wallboard_link.html", takes_context=True)
def wallboard_link(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"show": bool(user is not None and user.is_authenticated and user.has_perm(SUPERVISE))}
