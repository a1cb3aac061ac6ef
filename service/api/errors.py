"""One error shape for every 4xx/5xx: ``{"error": {"code", "message", "field"}}``.

FastAPI's own validation errors, Starlette's HTTP errors, our ``ChatTriageError`` hierarchy and
anything unexpected all go through these handlers (``tests/test_api_errors.py`` pins the shape).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import ChatTriageError

_log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "limit_exceeded",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
    503: "not_ready",
}


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return JSONResponse(body, status_code=status, headers=headers)


# Pydantic adds the union member or validator it tried to the error location (timestamp.datetime,
# timestamp.function-after[...]); the caller only needs the request field.
_TYPE_TAG = re.compile(r"^(?:datetime|int|float|str|bool|none|[a-z-]+\[.*\])$")


def _field(location: Sequence[Any]) -> str | None:
    parts = []
    for part in location:
        if part == "body":
            continue
        if isinstance(part, str) and _TYPE_TAG.match(part):
            break
        parts.append(str(part))
    return ".".join(parts) or None


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"type": "invalid", "loc": (), "msg": "invalid request"}
    if first.get("type") == "json_invalid":
        return error_response(
            422, "invalid_json", f"request body is not valid JSON: {first.get('msg')}", "body"
        )
    field = _field(first.get("loc", ()))
    # A union field (timestamp: ISO string or epoch seconds) reports one error per alternative: say all.
    same_field = [e for e in errors if _field(e.get("loc", ())) == field]
    messages = list(dict.fromkeys(_message(e) for e in same_field))
    others = len(errors) - len(same_field)
    more = f" (and {others} more problems)" if others else ""
    return error_response(
        422, "invalid_input", f"{field or 'body'}: {'; or '.join(messages)}{more}", field or "body"
    )


def _message(error: Any) -> str:
    kind = error.get("type")
    if kind == "missing":
        return "field required"
    if kind in ("model_attributes_type", "dict_type"):
        return "expected a JSON object here"
    return str(error.get("msg", "invalid value")).removeprefix("Value error, ")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail)
    if exc.status_code == 400 and "parsing the body" in message:
        code, message = "invalid_body", "request body could not be decoded (not UTF-8 JSON?)"
    return error_response(exc.status_code, code, message, None, dict(exc.headers or {}))


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ChatTriageError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    return error_response(exc.http_status, exc.code, exc.message, exc.field, headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    _log.exception(
        "unhandled error",
        extra={"request_id": getattr(request.state, "request_id", None), "path": request.url.path},
    )
    return error_response(500, "internal_error", "internal error; see the server log for this request id")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ChatTriageError, _domain_error)
    app.add_exception_handler(Exception, _unexpected_error)
