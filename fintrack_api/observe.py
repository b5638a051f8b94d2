"""One place that watches every request: its metrics, and its one JSON log line.

The log line (logger ``fintrack.api.access``) holds the request id (``X-Request-ID``), the
user and book ids, the method, the route *template*, the status and the time in ms; never the
query string, a header or a body (they may hold tokens, payees or amounts). The user id comes
from ``security.current_caller`` and the book id from the path, both once routing is done.

Core calls made while a request runs report to this app's metrics
(``fintrack_core.telemetry.observing``): report times and imported rows.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fintrack_api.metrics import UNMATCHED, ApiMetrics
from fintrack_api.problems import PROBLEM_JSON
from fintrack_core.telemetry import observing

log = logging.getLogger("fintrack.api.access")


def route_template(scope: Scope) -> str:
    """The matched route's full path template, from what routing left in the scope.

    FastAPI 0.165 nests included routers: ``scope["route"]`` is the route as its router
    declared it (``/books/{book_id}``, without the ``/api/v1`` prefix), and the full template
    is in FastAPI's route context. A plain route without parameters (``/docs``,
    ``/openapi.json``) leaves only its endpoint: its path is its template.
    """
    context: Any = (scope.get("fastapi") or {}).get("effective_route_context")
    path = getattr(context, "path_format", None) or getattr(scope.get("route"), "path_format",
                                                              None)
    if path is None and scope.get("endpoint") is not None and not scope.get("path_params"):
        path = scope["path"]
    return path if isinstance(path, str) and path else UNMATCHED


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer = {"status": 500, "problem": False}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                answer["problem"] = content_type.startswith(PROBLEM_JSON)
            await send(message)

        try:
            with observing(self.metrics):
                await self.app(scope, receive, watch)
        finally:
            self._done(scope, int(answer["status"]), bool(answer["problem"]),
                       time.perf_counter() - started)

    def _done(self, scope: Scope, status: int, problem: bool, seconds: float) -> None:
        route, method = route_template(scope), _method(scope["method"])
        self.metrics.request_done(method, route, status, seconds, problem)
        state = scope.get("state") or {}
        fields = {"event": "request", "request_id": state.get("request_id"),
                  "user_id": state.get("user_id"),
                  "book_id": _int_or_none((scope.get("path_params") or {}).get("book_id")),
                  "method": method, "route": route, "status": status,
                  "duration_ms": round(seconds * 1000, 1)}
        log.log(logging.WARNING if status >= 500 else logging.INFO, "%s %s %d", method, route,
                status, extra=fields)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method(method: str) -> str:
    """The method as a metrics label and log field: any other name a client makes up becomes
    ``OTHER``, so made-up methods cannot grow the metrics without bound."""
    return method if method in _METHODS else "OTHER"
