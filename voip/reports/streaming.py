"""Responses that stream under both WSGI and ASGI.

Under ASGI Django buffers a synchronous iterator whole before sending it (``StreamingHttpResponse``
"must consume synchronous iterators"), which would put a year of calls in memory: there the chunks
are handed over one at a time through ``sync_to_async`` (one thread, so the same database cursor).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import BinaryIO

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header

FILE_CHUNK = 64 * 1024


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


async def _one_by_one(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    step = sync_to_async(_next_chunk, thread_sensitive=True)
    while True:
        chunk = await step(chunks)
        if chunk is None:
            return
        yield chunk


def file_chunks(handle: BinaryIO) -> Iterator[bytes]:
    """The file's bytes in chunks; the file is closed (and, if temporary, removed) at the end."""
    try:
        while chunk := handle.read(FILE_CHUNK):
            yield chunk
    finally:
        handle.close()


def download_response(
    *, request: HttpRequest, chunks: Iterator[bytes], content_type: str, filename: str
) -> StreamingHttpResponse:
    content: Iterator[bytes] | AsyncIterator[bytes] = (
        _one_by_one(chunks) if isinstance(request, ASGIRequest) else chunks
    )
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response
