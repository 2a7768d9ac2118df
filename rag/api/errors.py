"""Errors in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, for /v1 and /api.

OpenAI's clients read this shape (the official one raises `AuthenticationError`,
`NotFoundError`, `BadRequestError` ... from it), so /api uses it too: one shape for scripts.
A `RagError` is the user's to act on and keeps its message; anything else is a bug and gets
a generic 500 (its traceback goes to the server log, not to the client).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.core import errors as E

API_PREFIXES = ("/v1", "/api")

# Most specific first: NotFoundError is an InputError.
_STATUS: list[tuple[type[E.RagError], int, str, str]] = [
    (E.NotFoundError, 404, "not_found_error", "not_found"),
    (E.InputError, 400, "invalid_request_error", "invalid_input"),
    (E.ConfigError, 400, "invalid_request_error", "invalid_settings"),
    (E.BackendUnavailableError, 400, "invalid_request_error", "backend_unavailable"),
    (E.IndexLockedError, 409, "conflict_error", "index_locked"),
    (E.IndexWriteError, 507, "server_error", "index_write_failed"),
    (E.IndexMissingError, 503, "server_error", "index_missing"),
    (E.IndexCorruptError, 503, "server_error", "index_corrupt"),
    (E.IndexMismatchError, 503, "server_error", "index_mismatch"),
    (E.ModelError, 503, "server_error", "model_unavailable"),
    (E.BackendError, 502, "server_error", "backend_failed"),
    (E.StorageError, 503, "server_error", "storage_unavailable"),
]


class ApiError(Exception):
    """An HTTP error in OpenAI's shape, raised by routes and dependencies."""

    def __init__(self, status: int, message: str, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def sse(self) -> str:
        """The error as a server-sent event: how a stream that already started reports it."""
        return f"data: {json.dumps(self.body(), ensure_ascii=False)}\n\n"


def from_rag_error(exc: E.RagError) -> ApiError:
    for cls, status, type_, code in _STATUS:
        if isinstance(exc, cls):
            return ApiError(status, str(exc), type_, param=getattr(exc, "param", None), code=code)
    return ApiError(500, str(exc), "server_error", code="rag_error")


def _response(err: ApiError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
    return JSONResponse(err.body(), status_code=err.status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Turn ApiError, RagError, validation and routing errors into OpenAI-shaped responses."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return _response(exc)

    @app.exception_handler(E.RagError)
    async def _rag_error(request: Request, exc: E.RagError):
        return _response(from_rag_error(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        # 400 as OpenAI answers; FastAPI's 422 would surface as UnprocessableEntityError.
        first = exc.errors()[0] if exc.errors() else {}
        param = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        return _response(ApiError(400, f"Invalid request: {first.get('msg', 'validation error')}",
                                  param=param, code="invalid_request"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith(API_PREFIXES):
            type_ = {401: "authentication_error", 404: "not_found_error"}.get(exc.status_code, "invalid_request_error")
            return _response(ApiError(exc.status_code, str(exc.detail), type_))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):
        # Starlette re-raises it after this response, so uvicorn logs the traceback.
        return _response(ApiError(500, "Internal server error; see the server log.", "server_error",
                                  code="internal_error"))


def add_catch_all(router) -> None:
    """Answer unknown paths and methods under the router's prefix in the OpenAI shape. With
    Gradio mounted at "/", they would otherwise fall through to Gradio's own 404."""

    @router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def _unknown(rest: str, request: Request):
        raise ApiError(404, f"Unknown endpoint: {request.method} {request.url.path}", code="unknown_url")
