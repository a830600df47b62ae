"""Recordings, served only through a permission check (never as public static files).

``GET voip/recordings/<call id>/``: 404 when the call is unknown, 403 when the user may not hear
it (agents: their own calls; ``voip.listen_all_recordings``: all), 404 when there is no file.
The file is ``VOIP_CALLS['RECORDINGS_ROOT'] / call.recording_file`` (stored relative to Asterisk's
monitor directory; older absolute paths map by what follows it), resolved and checked to stay
inside the root (:func:`voip.calls.recordings.recording_file_path`). Single byte ranges are answered with 206 so
browsers can seek.
"""

from __future__ import annotations

import mimetypes
import os
import re
from collections.abc import Iterator
from typing import BinaryIO

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from voip.calls.models import CallLog
from voip.calls.selectors import may_listen, recording_path

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024
_AUDIO_TYPES = {".wav": "audio/wav", ".gsm": "audio/x-gsm", ".mp3": "audio/mpeg", ".ogg": "audio/ogg"}


def _content_type(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    return _AUDIO_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) of a single ``Range: bytes=a-b`` that fits the file, else None."""
    match = _RANGE_RE.match(header.strip())
    if not match or size == 0:
        return None
    first_s, last_s = match.groups()
    if not first_s and not last_s:
        return None
    if not first_s:  # suffix: the last N bytes
        length = int(last_s)
        if length == 0:
            return None
        return max(size - length, 0), size - 1
    first = int(first_s)
    last = int(last_s) if last_s else size - 1
    if first >= size or last < first:
        return None
    return first, min(last, size - 1)


def _iter_file(handle: BinaryIO, remaining: int) -> Iterator[bytes]:
    try:
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


@require_GET
@login_required
def recording(request: HttpRequest, call_id: int) -> HttpResponseBase:
    call = get_object_or_404(CallLog, pk=call_id)
    if not may_listen(request.user, call):
        raise PermissionDenied
    path = recording_path(call)
    if path is None:
        raise Http404("No recording")
    content_type = _content_type(path.name)
    size = path.stat().st_size
    range_header = request.headers.get("Range", "")
    response: HttpResponseBase
    if range_header:
        byte_range = _byte_range(range_header, size)
        if byte_range is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        first, last = byte_range
        handle = path.open("rb")
        handle.seek(first)
        response = StreamingHttpResponse(_iter_file(handle, last - first + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    else:
        response = FileResponse(path.open("rb"), content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = f'inline; filename="call-{call.pk}{path.suffix}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
