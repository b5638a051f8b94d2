"""Errors as ``application/problem+json`` (RFC 9457), mapped in one place.

Why one module: every interface must answer the same domain error the same way (STYLE.md,
"one error handler per error class"), and a client should be able to rely on ``errors[].field``
naming what to fix. Nothing here ever puts a traceback in a response: an unexpected error is a
500 problem carrying the request id, and the traceback goes to the log under that id.
"""

from __future__ import annotations

import logging
import math
import re
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from fintrack_core.api import Busy, Conflict, FinTrackError, NotFound, PermissionDenied
from fintrack_core.api import ValidationError as CoreValidationError
from fintrack_core.auth.signin import SecondFactorRequired, SignInFailed, TooManyAttempts
from fintrack_core.imports.statement import StatementError
from fintrack_core.tokens.personal import TokenInvalid

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://fintrack.invalid/problems/"  # stable names; not fetched by clients
REQUEST_ID = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
log = logging.getLogger("fintrack.api")


class FieldError(BaseModel):
    field: str = Field(examples=["amount"])
    reason: str = Field(examples=["must not be zero"])


class Problem(BaseModel):
    """An error (RFC 9457 problem details) with the fields at fault, if any."""

    type: str = Field(examples=[TYPE_BASE + "validation"])
    title: str = Field(examples=["Invalid input"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["amount: must not be zero"])
    instance: str = Field(examples=["/api/v1/books/1/transactions"])
    request_id: str = Field(examples=["5f0c3e0e9b6b4c43"])
    errors: list[FieldError] = Field(default_factory=list)


class ApiError(Exception):
    """A problem raised by the API layer itself (bad credentials, a failed precondition)."""

    def __init__(self, status: int, kind: str, title: str, detail: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.headers = headers or {}


DESCRIPTIONS = {
    400: "The request could not be read (a body that is not UTF-8 JSON or form data)",
    401: "No token, or a token that is not valid (expired, revoked, unknown)",
    403: "Your role in this book, or the token's scope, does not allow this",
    404: "No such thing in this book (another book's ids answer the same)",
    409: "Conflicts with the current state (a used name, a request still running)",
    412: "If-Match does not match: the resource changed since you read it",
    422: "Invalid input; errors[] names each field and the reason",
    429: "Too many requests or sign-in attempts; retry after Retry-After seconds",
    503: "The database is busy; retry after Retry-After seconds",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error statuses, each a Problem."""
    return {status: {"model": Problem, "description": DESCRIPTIONS[status],
                     "content": {PROBLEM_JSON: {}}} for status in statuses}


def request_id(request: Request) -> str:
    """The caller's X-Request-ID if it is a sane token, else a new one (kept per request)."""
    existing = getattr(request.state, "request_id", None)
    if isinstance(existing, str):
        return existing
    given = request.headers.get(REQUEST_ID, "")
    rid = given if _SAFE_ID.match(given) else uuid.uuid4().hex[:16]
    request.state.request_id = rid
    return rid


def problem(request: Request, status: int, kind: str, title: str, detail: str,
            errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    rid = request_id(request)
    body = {"type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail,
            "instance": request.url.path, "request_id": rid, "errors": errors or []}
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON,
                        headers={REQUEST_ID: rid, **(headers or {})})


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "amount")`` -> ``amount``; ``("query", "date_from")`` -> ``date_from``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _retry_after(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, CoreValidationError):
        return problem(request, 422, "validation", "Invalid input", str(exc),
                       [{"field": exc.field, "reason": exc.message}])
    if isinstance(exc, NotFound):
        return problem(request, 404, "not-found", "Not found", str(exc))
    if isinstance(exc, PermissionDenied):
        return problem(request, 403, "forbidden", "Not allowed", str(exc))
    if isinstance(exc, Conflict):
        return problem(request, 409, "conflict", "Conflict", str(exc))
    if isinstance(exc, Busy):
        return problem(request, 503, "busy", "Database busy", str(exc), headers=_retry_after(2))
    if isinstance(exc, TooManyAttempts):
        return problem(request, 429, "too-many-attempts", "Too many attempts", str(exc),
                       headers=_retry_after(exc.retry_after.total_seconds()))
    if isinstance(exc, SecondFactorRequired):
        return problem(request, 401, "second-factor-required", "Second factor required",
                       str(exc), [{"field": "totp_code", "reason": "required for this user"}],
                       headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, (SignInFailed, TokenInvalid)):
        return problem(request, 401, "unauthorized", "Not signed in", str(exc),
                       headers={"WWW-Authenticate": "Bearer"})
    return problem(request, 400, "bad-request", "Bad request", str(exc))


async def _unreadable_statement(request: Request, exc: Exception) -> JSONResponse:
    """A file that cannot be read as a statement at all (empty, binary, no date column)."""
    return problem(request, 422, "validation", "Invalid input", f"file: {exc}",
                   [{"field": "file", "reason": str(exc)}])


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem(request, exc.status, exc.kind, exc.title, exc.detail, headers=exc.headers)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field_of(e.get("loc", ())), "reason": str(e.get("msg", "invalid"))}
              for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors) or "invalid request"
    return problem(request, 422, "validation", "Invalid input", detail, errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kinds = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}
    return problem(request, exc.status_code, kinds.get(exc.status_code, "http-error"),
                   str(exc.detail) if exc.status_code != 404 else "Not found",
                   str(exc.detail), headers=dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    rid = request_id(request)
    log.error("unexpected error in %s %s (request %s)", request.method, request.url.path, rid,
              exc_info=exc)
    return problem(request, 500, "internal", "Internal error",
                   f"an unexpected error happened; quote request id {rid} when reporting it")


def _is_problem(answer: dict[str, Any]) -> bool:
    """An error answer documented as a Problem (or FastAPI's default), not one with a body of
    its own (the readiness probe's 503 is its report)."""
    content = answer.get("content", {})
    ref = str(content.get("application/json", {}).get("schema", {}).get("$ref", ""))
    return not content or PROBLEM_JSON in content or ref.endswith(
        ("/Problem", "/HTTPValidationError"))


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the API sends: every error answer (4xx/5xx) is a
    ``Problem`` as ``application/problem+json`` (FastAPI's own default for 422 is its
    ``HTTPValidationError`` as ``application/json``, which this API never sends)."""
    problem_ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for path, path_item in schema.get("paths", {}).items():
        for operation in path_item.values():
            answers = operation.setdefault("responses", {})
            answers.setdefault("400", {"description": DESCRIPTIONS[400]})
            if path.startswith("/api/"):  # rate-limited (fintrack_api.ratelimit)
                answers.setdefault("429", {"description": DESCRIPTIONS[429]})
            for code, answer in answers.items():
                if code[:1] in ("4", "5") and _is_problem(answer):
                    answer["content"] = {PROBLEM_JSON: problem_ref}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(FinTrackError, _domain_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StatementError, _unreadable_statement)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
