"""Missed calls: the unanswered calls that rang the agent, with call back and "mark handled"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from voip.calls.missed import mark_missed_call_handled
from voip.calls.models import CallLog
from voip.calls.selectors import can_handle_all_missed_calls, missed_calls_for


@require_GET
@login_required
def missed_calls(request: HttpRequest) -> HttpResponse:
    all_agents = request.GET.get("all") == "1" and can_handle_all_missed_calls(request.user)
    calls = missed_calls_for(request.user, all_agents=all_agents)[:200]
    return render(
        request,
        "voip/missed_calls.html",
        {"calls": calls, "all_agents": all_agents, "is_supervisor": can_handle_all_missed_calls(request.user)},
    )


@require_POST
@login_required
def missed_call_handled(request: HttpRequest, call_id: int) -> HttpResponse:
    call = get_object_or_404(CallLog, pk=call_id)
    mark_missed_call_handled(request.user, call)  # 403 for anyone but its agent or a supervisor
    messages.success(request, _("The missed call is marked as handled."))
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("voip:missed_calls")
