"""The agent panel's actions and the wallboard: thin, every one permission-checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from voip.ami.errors import AMIError
from voip.backends import ValidationError as BackendValidationError
from voip.callcentre import selectors, services
from voip.callcentre.models import CallQueue


def _back(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("/")


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError as exc:
        raise ValidationError(_("Choose a pause reason from the list.")) from exc


def _answer(request: HttpRequest, ok_message: str, run: Callable[[], object]) -> HttpResponse:
    try:
        run()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except (AMIError, BackendValidationError, OSError) as exc:
        messages.error(request, _("Asterisk did not take it: %(error)s") % {"error": str(exc)[:200]})
    else:
        messages.success(request, ok_message)
    return _back(request)


def _target(request: HttpRequest) -> Any:
    """The agent acted on: yourself, or (supervisors) the one named in the form."""
    agent_id = request.POST.get("agent")
    if not agent_id or str(agent_id) == str(request.user.pk):
        return request.user
    if not request.user.has_perm(services.SUPERVISE):
        raise PermissionDenied
    return get_object_or_404(get_user_model(), pk=_int(agent_id))


@require_POST
@login_required
def pause(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = get_object_or_404(CallQueue, pk=queue_id)
    user = _target(request)
    return _answer(
        request,
        _("Paused."),
        lambda: services.agent_pause(
            actor=request.user, user=user, queue=queue, reason_id=_int(request.POST.get("reason"))
        ),
    )


@require_POST
@login_required
def unpause(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = get_object_or_404(CallQueue, pk=queue_id)
    user = _target(request)
    return _answer(
        request, _("Back from pause."), lambda: services.agent_unpause(actor=request.user, user=user, queue=queue)
    )


@require_POST
@login_required
def login(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = get_object_or_404(CallQueue, pk=queue_id)
    return _answer(request, _("Logged in to the queue."), lambda: services.agent_login(user=request.user, queue=queue))


@require_POST
@login_required
def logout(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = get_object_or_404(CallQueue, pk=queue_id)
    return _answer(
        request, _("Logged out of the queue."), lambda: services.agent_logout(user=request.user, queue=queue)
    )


@require_GET
@login_required
@permission_required(services.SUPERVISE, raise_exception=True)
def wallboard(request: HttpRequest) -> HttpResponse:
    board = selectors.wallboard()
    if request.GET.get("format") == "json":
        return JsonResponse({"queues": board})
    return render(request, "callcentre/wallboard.html", {"board": board, "reasons": selectors.pause_reasons()})


@require_POST
@login_required
@permission_required(services.SUPERVISE, raise_exception=True)
def spy(request: HttpRequest) -> HttpResponse:
    agent = get_object_or_404(get_user_model(), pk=_int(request.POST.get("agent")))
    mode = request.POST.get("mode", "")
    return _answer(
        request,
        _("Your phone rings: answer to listen."),
        lambda: services.supervisor_spy(supervisor=request.user, agent=agent, mode=mode),
    )
