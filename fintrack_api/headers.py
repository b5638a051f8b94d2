"""Headers every answer carries: the request id (for logs and bug reports) and security
headers; and CORS, which is off unless configured.

* Every answer: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer``, ``Cache-Control: no-store`` (balances and statements must
  not sit in shared or browser caches) and a ``Content-Security-Policy`` that allows nothing
  (``default-src 'none'``): a JSON answer needs no scripts, styles or frames.
* ``/docs`` (Swagger UI, ``fintrack_api.docs``) gets a policy of its own that allows exactly
  what its page loads: its script, style sheet and favicon from this server (``'self'``), its
  inline start-up script by hash, and requests back to this server for ``/openapi.json``. The
  hashes are taken from the page as ``fintrack_api.docs`` renders it (per ``root_path``), so
  a FastAPI upgrade cannot silently break it (tests/api/test_security_headers.py checks the
  page against the header).
* ``Strict-Transport-Security`` only when ``FINTRACK_API_HSTS_SECONDS`` is set: only the
  operator knows that the API is reached over HTTPS (a TLS proxy in front of uvicorn).
* CORS: ``FINTRACK_API_CORS_ORIGINS`` (comma-separated origins such as
  ``https://budget.example.org``); unset, no cross-origin browser page may call the API.
  Credentials are bearer tokens, never cookies, so ``allow_credentials`` stays off.

The headers are added outside FastAPI's error middleware (``FinTrackAPI.build_middleware_stack``),
so an unexpected 500 carries them too.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fintrack_api.docs import DOCS_URL, REDIRECT_URL, swagger_page
from fintrack_api.problems import REQUEST_ID

ENV_HSTS = "FINTRACK_API_HSTS_SECONDS"
ENV_CORS = "FINTRACK_API_CORS_ORIGINS"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'none'",
}
CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "If-Match", REQUEST_ID]
CORS_EXPOSED = ["ETag", "Location", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining",
                "RateLimit-Reset", REQUEST_ID]
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_SCRIPT_SRC = re.compile(r"""<script[^>]*\ssrc=["'](https?://[^"']+)["']""")
_STYLE_HREF = re.compile(r"""<link[^>]*rel=["']stylesheet["'][^>]*href=["'](https?://[^"']+)["']""")
_ICON_HREF = re.compile(r"""<link[^>]*rel=["'][^"']*icon["'][^>]*href=["'](https?://[^"']+)["']""")


@dataclass(frozen=True, slots=True)
class HeaderSettings:
    hsts_seconds: int = 0
    cors_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> HeaderSettings:
        raw = os.environ.get(ENV_HSTS, "").strip() or "0"
        if not raw.isdigit():
            raise ValueError(f"{ENV_HSTS}={raw!r}: give the max-age in seconds, e.g. 31536000")
        origins = tuple(o.strip().rstrip("/") for o in os.environ.get(ENV_CORS, "").split(",")
                        if o.strip())
        for found in origins:
            parts = urlsplit(found)
            if found != "*" and (parts.scheme not in ("http", "https") or not parts.netloc
                                 or parts.path):
                raise ValueError(f"{ENV_CORS}: {found!r} is not an origin; write "
                                 "scheme://host[:port], e.g. https://budget.example.org")
        return cls(int(raw), origins)


def add_cors(app: FastAPI, settings: HeaderSettings) -> None:
    """Starlette's CORS middleware for the configured origins; nothing when there are none
    (a browser then refuses every cross-origin call: no preflight is answered)."""
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=CORS_METHODS, allow_headers=CORS_HEADERS,
                           expose_headers=CORS_EXPOSED, allow_credentials=False, max_age=600)


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def _origins(pattern: re.Pattern[str], html: str) -> str:
    return " ".join(sorted({f"{urlsplit(u).scheme}://{urlsplit(u).netloc}"
                            for u in pattern.findall(html)}))


def page_policy(html: str) -> str:
    """A CSP that allows exactly what ``html`` loads: its inline scripts by hash, and the
    origins of the scripts, style sheets and icons it links (each for its own kind)."""
    hashes = " ".join(_sha256(s) for s in _INLINE_SCRIPT.findall(html))
    return (f"default-src 'none'; script-src 'self' {_origins(_SCRIPT_SRC, html)} {hashes}; "
            f"style-src 'self' 'unsafe-inline' {_origins(_STYLE_HREF, html)}; "
            f"img-src 'self' data: {_origins(_ICON_HREF, html)}; connect-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def docs_policies(api: FastAPI, root_path: str) -> dict[str, str]:
    """The policies of ``/docs`` and its OAuth2 redirect page, rendered as their routes
    render them (``fintrack_api.docs``)."""
    return {"docs": page_policy(bytes(swagger_page(api, root_path).body).decode()),
            "redirect": page_policy(bytes(get_swagger_ui_oauth2_redirect_html().body).decode())}


class RequestHeadersMiddleware:
    def __init__(self, app: ASGIApp, api: FastAPI, settings: HeaderSettings) -> None:
        self.app = app
        self.api = api
        self.hsts = (f"max-age={settings.hsts_seconds}; includeSubDomains"
                     if settings.hsts_seconds else None)
        self._policies: dict[str, dict[str, str]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID, "")
        rid = given if _SAFE_ID.match(given) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        policy = self._page_policy(scope)

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID] = rid
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if policy:
                    headers["Content-Security-Policy"] = policy
                if self.hsts:
                    headers["Strict-Transport-Security"] = self.hsts
            await send(message)

        await self.app(scope, receive, add_headers)

    def _page_policy(self, scope: Scope) -> str | None:
        path = scope["path"]
        if path not in (DOCS_URL, REDIRECT_URL):
            return None
        root_path = str(scope.get("root_path", "")).rstrip("/")
        if root_path not in self._policies:  # one entry per proxy prefix: a handful at most
            self._policies[root_path] = docs_policies(self.api, root_path)
        return self._policies[root_path]["docs" if path == DOCS_URL else "redirect"]
