"""Rate limits: per token, per client address, and stricter on signing in.

Why here and not in the core: a limit protects this HTTP process (and the database behind it)
from one script in a loop; it is not a rule of the domain. The sign-in throttle of the core
(failed attempts per username and address, in the database) stays the protection against
password guessing; the sign-in limit here only bounds the bcrypt work one address can ask for.

* **Per caller**: keyed by the bearer token itself (its hash), so a personal access token or a
  login token has its own budget and nobody can spend another's (a key taken from an
  unverified token would let anyone exhaust someone else's).
* **Per address** over everything under ``/api/``, and **signing in** per address.
* Limit state lives in memory by default: one API process. Several processes behind a load
  balancer share a store: ``FINTRACK_API_RATE_LIMIT_STORAGE=redis://host:6379`` (any storage
  URI of the ``limits`` library; redis needs its client package installed).
* A refused request gets 429 with ``Retry-After``; every answer carries ``RateLimit-Limit``,
  ``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds) of its tightest limit.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fintrack_api.problems import PROBLEM_JSON, TYPE_BASE
from fintrack_api.security import TOKEN_URL

ENV_LIMITS = "FINTRACK_API_RATE_LIMITS"
ENV_STORAGE = "FINTRACK_API_RATE_LIMIT_STORAGE"


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Limits in the ``limits`` notation (``100/minute``, ``1000/hour``)."""

    per_caller: str = "100/minute"
    per_address: str = "1000/hour"
    sign_in: str = "10/minute"
    storage: str = "memory://"

    @classmethod
    def from_env(cls) -> RateLimits:
        """``FINTRACK_API_RATE_LIMITS="per_caller=200/minute;sign_in=5/minute"`` overrides
        some limits; ``FINTRACK_API_RATE_LIMIT_STORAGE`` names the shared store."""
        values: dict[str, str] = {}
        for part in os.environ.get(ENV_LIMITS, "").split(";"):
            name, _, limit = part.partition("=")
            if name.strip() in ("per_caller", "per_address", "sign_in") and limit.strip():
                values[name.strip()] = limit.strip()
        storage = os.environ.get(ENV_STORAGE, "").strip() or "memory://"
        return cls(**values, storage=storage)


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.per_caller, self.per_address, self.sign_in = (
            parse(limits.per_caller), parse(limits.per_address), parse(limits.sign_in))
        storage = storage_from_string(limits.storage)
        self.in_memory = isinstance(storage, MemoryStorage)
        self.limiter = FixedWindowRateLimiter(storage)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        checks = self._checks(scope)
        tightest: tuple[RateLimitItem, int, float] | None = None
        for item, key in checks:
            allowed, remaining, reset = await self._hit(item, key)
            if not allowed:
                await _refuse(send, item, reset)
                return
            if tightest is None or remaining < tightest[1]:
                tightest = (item, remaining, reset)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and tightest is not None:
                _limit_headers(MutableHeaders(scope=message), *tightest)
            await send(message)

        await self.app(scope, receive, with_headers)

    def _checks(self, scope: Scope) -> list[tuple[RateLimitItem, str]]:
        address = scope["client"][0] if scope.get("client") else "unknown"
        checks = [(self.per_address, f"address:{address}")]
        if scope["path"] == TOKEN_URL and scope["method"] == "POST":
            checks.append((self.sign_in, f"sign-in:{address}"))
        scheme, _, token = (Headers(scope=scope).get("authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            digest = hashlib.sha256(token.strip().encode()).hexdigest()[:32]
            checks.append((self.per_caller, f"caller:{digest}"))
        return checks

    async def _hit(self, item: RateLimitItem, key: str) -> tuple[bool, int, float]:
        def hit() -> tuple[bool, int, float]:
            allowed = self.limiter.hit(item, key)
            stats = self.limiter.get_window_stats(item, key)
            return allowed, stats.remaining, stats.reset_time

        return hit() if self.in_memory else await run_in_threadpool(hit)


def _limit_headers(headers: MutableHeaders, item: RateLimitItem, remaining: int,
                   reset: float) -> None:
    headers["RateLimit-Limit"] = str(item.amount)
    headers["RateLimit-Remaining"] = str(max(0, remaining))
    headers["RateLimit-Reset"] = str(max(0, math.ceil(reset - time.time())))


async def _refuse(send: Send, item: RateLimitItem, reset: float) -> None:
    wait = max(1, math.ceil(reset - time.time()))
    body = json.dumps({"type": TYPE_BASE + "rate-limited", "title": "Too many requests",
                       "status": 429,
                       "detail": f"more than {item.amount} requests per "
                                 f"{item.get_expiry()} seconds; retry in {wait} s",
                       "instance": "", "request_id": "", "errors": []}).encode()
    headers = MutableHeaders()
    headers["Content-Type"] = PROBLEM_JSON
    headers["Retry-After"] = str(wait)
    _limit_headers(headers, item, 0, reset)
    await send({"type": "http.response.start", "status": 429, "headers": headers.raw})
    await send({"type": "http.response.body", "body": body})
