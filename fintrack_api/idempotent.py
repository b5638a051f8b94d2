"""``Idempotency-Key`` on every POST: a retry gets the first answer, never a second write.

Why an ASGI middleware and not code in each route: "every POST" must stay true when a route
is added, and the first answer includes refusals (a 422 for a bad field) made before any
route code runs. The bookkeeping (claim, settle, the rules for a reused key) is in
``fintrack_core.tokens.idempotency``; this layer only buffers the request and response.

* Keys belong to the caller (``Caller.principal``): one user's key never answers another's.
* The fingerprint is method, path, query and body; a multipart body's random boundary is
  left out, so re-sending the same upload from another client library still matches.
* A 503 (database busy: nothing was written) or an unexpected error (a bug; its write was
  rolled back) releases the key so the retry can run.
"""

from __future__ import annotations

import hashlib
import json
import re

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fintrack_api.problems import PROBLEM_JSON, TYPE_BASE
from fintrack_api.security import principal_of
from fintrack_core.api import Database, FinTrackError, ValidationError
from fintrack_core.tokens.idempotency import HEADER, Replay, claim, release, settle

REPLAYED = "Idempotency-Replayed"
KEPT_HEADERS = ("content-type", "location", "etag")
_BOUNDARY = re.compile(r"boundary=\"?([^\";]+)\"?", re.IGNORECASE)


def fingerprint(method: str, path: str, query: bytes, content_type: str, body: bytes) -> str:
    match = _BOUNDARY.search(content_type)
    if match:
        body = body.replace(match.group(1).encode("latin-1"), b"--boundary--")
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, db: Database, secret: str) -> None:
        self.app, self.db, self.secret = app, db, secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        key = headers.get(HEADER) if headers is not None else None
        if headers is None or scope["method"] != "POST" or key is None:
            await self.app(scope, receive, send)
            return
        principal = await run_in_threadpool(principal_of, self.db, self.secret,
                                            headers.get("authorization"))
        if principal is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        print_ = fingerprint("POST", scope["path"], scope.get("query_string", b""),
                             headers.get("content-type", ""), body)
        try:
            replay = await run_in_threadpool(claim, self.db, principal, key, print_)
        except FinTrackError as exc:
            await _send_problem(send, exc)
            return
        if replay is not None:
            await _send_replay(send, replay)
            return
        await self._run_and_settle(scope, body, receive, send, principal, key)

    async def _run_and_settle(self, scope: Scope, body: bytes, receive: Receive, send: Send,
                              principal: str, key: str) -> None:
        started: dict[str, object] = {}
        chunks: list[bytes] = []
        delivered = False

        async def replay_body() -> Message:
            """The buffered body once; then the client's own messages (a disconnect)."""
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            # A bug (answered as a 500 problem further out): its write, if any, was rolled
            # back with the exception, so a retry may run again.
            await run_in_threadpool(release, self.db, principal, key)
            raise
        status = int(started.get("status", 500))  # type: ignore[call-overload]
        if status == 503:
            await run_in_threadpool(release, self.db, principal, key)
            return
        raw = Headers(raw=started.get("headers", []))  # type: ignore[arg-type]
        stored = json.dumps({"headers": {h: raw[h] for h in KEPT_HEADERS if h in raw},
                             "body": b"".join(chunks).decode("utf-8", "replace")})
        await run_in_threadpool(settle, self.db, principal, key, status, stored)


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(parts)


async def _send_replay(send: Send, replay: Replay) -> None:
    stored = json.loads(replay.body or "{}")
    headers = [(k.encode(), str(v).encode()) for k, v in stored.get("headers", {}).items()]
    await send({"type": "http.response.start", "status": replay.status,
                "headers": [*headers, (REPLAYED.lower().encode(), b"true")]})
    await send({"type": "http.response.body", "body": stored.get("body", "").encode()})


async def _send_problem(send: Send, exc: FinTrackError) -> None:
    """A reused key (422) or a request still running (409), as problem+json."""
    invalid = isinstance(exc, ValidationError)
    status = 422 if invalid else 409
    errors = [{"field": HEADER, "reason": exc.message}] if isinstance(exc, ValidationError) \
        else []
    body = json.dumps({"type": TYPE_BASE
                               + ("idempotency-key-reused" if invalid else "conflict"),
                       "title": "Idempotency-Key reused" if invalid else "Conflict",
                       "status": status, "detail": str(exc), "instance": "",
                       "request_id": "", "errors": errors}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM_JSON.encode())]})
    await send({"type": "http.response.body", "body": body})
