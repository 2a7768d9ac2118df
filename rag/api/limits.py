"""`UploadLimit`: refuse an upload from its declared size, before a byte of its body is read.

FastAPI parses a multipart body (spooling each file to a temp file) before the route runs, so
a size check in the route comes after the whole body was received. This ASGI middleware sits
in front: `Content-Length` over the limit is a 413, a body without one (chunked) a 411, both
in OpenAI's error shape. The files are then checked one by one (`ui.max_upload_mb`).
"""

from __future__ import annotations

from typing import Any

from rag.api.errors import ApiError

MULTIPART_SLACK = 64 * 1024  # boundaries and part headers around the files themselves


class UploadLimit:
    """ASGI middleware: POST `path` must declare a Content-Length of at most `max_mb` MB."""

    def __init__(self, app: Any, path: str, max_mb: float, setting: str):
        self.app, self.path, self.max_mb, self.setting = app, path, max_mb, setting

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != self.path:
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        error = None
        if length is None:
            error = ApiError(411, "An upload must declare its size (Content-Length); chunked uploads are not "
                                  "accepted.", code="length_required")
        elif not length.isdigit():
            error = ApiError(400, "The Content-Length header is not a number.", code="invalid_request")
        elif int(length) > self.max_mb * 1048576 + MULTIPART_SLACK:
            error = ApiError(413, f"The upload is {int(length) / 1048576:.1f} MB, over the {self.max_mb:g} MB limit "
                                  f"of one request ({self.setting}); send the files in several requests.",
                             code="upload_too_large")
        if error is None:
            return await self.app(scope, receive, send)
        from fastapi.responses import JSONResponse

        # Connection: close, since the body the client may still send is never read.
        response = JSONResponse(error.body(), status_code=error.status, headers={"Connection": "close"})
        await response(scope, receive, send)
