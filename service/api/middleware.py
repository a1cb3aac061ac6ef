"""Pure-ASGI middleware: request id, body-size limit, timing, metrics and the access log.

Written against ASGI directly (not BaseHTTPMiddleware) because it runs on every request of a
hot path; it never reads message text and never logs it.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from service.api.metrics import Metrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_access = logging.getLogger("service.access")
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._\-]{1,64}")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


async def _send_error(
    send: Send, status: int, code: str, message: str, field: str | None, request_id: str
) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "field": field}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestContext:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int, access_log: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = _header(scope, b"x-request-id")
        candidate = given.decode("latin-1") if given else ""
        request_id = candidate if _REQUEST_ID_RE.fullmatch(candidate) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = [500]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        app_receive = receive
        length = _header(scope, b"content-length")
        limit = self.max_body_bytes
        if length is not None:
            if not length.isdigit() or int(length) > limit:
                await self._too_large(scope, send, started, request_id)
                return
        elif scope.get("method") in ("POST", "PUT", "PATCH"):
            # No Content-Length (chunked): buffer up to the limit, then replay to the app.
            chunks, size, more = [], 0, True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    await self._too_large(scope, send, started, request_id)
                    return
                chunks.append(chunk)
                more = message.get("more_body", False)
            replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

            async def app_receive() -> Message:
                return replay.pop() if replay else await receive()

        try:
            await self.app(scope, app_receive, send_wrapper)
        finally:
            self._record(scope, status[0], started, request_id)

    async def _too_large(self, scope: Scope, send: Send, started: float, request_id: str) -> None:
        message = f"request body is larger than the limit of {self.max_body_bytes} bytes"
        await _send_error(send, 413, "limit_exceeded", message, "body", request_id)
        self._record(scope, 413, started, request_id)

    def _record(self, scope: Scope, status: int, started: float, request_id: str) -> None:
        elapsed = time.perf_counter() - started
        route = scope.get("route")
        path = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        code = str(status)
        self.metrics.requests.labels(path, method, code).inc()
        self.metrics.latency.labels(path, method, code).observe(elapsed)
        if self.access_log:
            state = scope.get("state", {})
            _access.info(
                "request",
                extra={
                    "request_id": request_id, "method": method, "route": path, "status": status,
                    "duration_ms": round(elapsed * 1000, 3), "messages": state.get("messages"),
                },
            )  # fmt: skip
