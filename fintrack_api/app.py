"""The application factory: ``create_app(db)`` wires routes, error handlers and middleware.

A factory (not a module-level app) so tests and ``fintrack serve api`` each hand in their own
database, and nothing connects at import time.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from fintrack_api import docs, problems
from fintrack_api.headers import HeaderSettings, RequestHeadersMiddleware, add_cors
from fintrack_api.idempotent import IdempotencyMiddleware
from fintrack_api.logs import configure_logging
from fintrack_api.metrics import ApiMetrics
from fintrack_api.observe import ObserveMiddleware
from fintrack_api.ratelimit import RateLimitMiddleware, RateLimits
from fintrack_api.routes import (
    accounts,
    auth,
    books,
    budgets,
    categories,
    health,
    imports,
    metrics,
    notifications,
    portfolio,
    portfolio_reports,
    prices,
    reports,
    rules,
    transactions,
)
from fintrack_core.api import Database
from fintrack_core.config import api_secret, secret_from_toml

API_PREFIX = "/api/v1"
DESCRIPTION = """FinTrack's HTTP API, over the same core as the dashboard and the CLI.

* **Sign in**: `POST /api/v1/auth/token` (OAuth2 password flow) gives a 15-minute token;
  scripts use a personal access token (`fintrack token create`), bound to one book.
* **Money** is `{"amount": "<decimal string>", "currency": "EUR"}`, never a float; dates are
  ISO 8601.
* **Errors** are `application/problem+json` (RFC 9457); `errors[]` names each field.
* **Retries**: send `Idempotency-Key` with a POST; a retry returns the first answer.
* **Lost updates**: resources carry an `ETag`; send it back as `If-Match` on PATCH/DELETE.
* **Rate limits**: 100 requests a minute per token, 1,000 an hour per address, 10 sign-ins
  a minute per address (configurable); 429 with `Retry-After`, and `RateLimit-*` headers.
"""


class FinTrackAPI(FastAPI):
    """FastAPI whose OpenAPI document describes errors as this API sends them."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = problems.document_problems(super().openapi())
        return self.openapi_schema

    def build_middleware_stack(self) -> ASGIApp:
        """The request id and security headers outermost: around the 500 handler too."""
        return RequestHeadersMiddleware(super().build_middleware_stack(), self,
                                        self.state.header_settings)


def create_app(db: Database, *, secret: str | None = None,
               rate_limits: RateLimits | None = None,
               header_settings: HeaderSettings | None = None) -> FastAPI:
    """The API over ``db``; ``secret`` signs login tokens (default: ``config.api_secret``),
    ``rate_limits`` default to ``RateLimits.from_env()``, ``header_settings`` (CORS, HSTS)
    to ``HeaderSettings.from_env()``."""
    configure_logging()
    key = secret or api_secret(secret_from_toml("api_secret"))
    # docs_url=None: FastAPI's own /docs loads Swagger UI from a CDN; ``docs`` serves it here
    app = FinTrackAPI(title="FinTrack API", version="1", description=DESCRIPTION,
                      openapi_url="/openapi.json", docs_url=None, redoc_url=None,
                      swagger_ui_oauth2_redirect_url=docs.REDIRECT_URL)
    app.state.db = db
    app.state.jwt_secret = key
    problems.install(app)
    docs.install(app)
    for module in (auth, books, accounts, categories, transactions, imports, rules, budgets,
                   reports):
        app.include_router(module.router, prefix=API_PREFIX)
    for module in (portfolio, portfolio_reports, prices, notifications):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.state.metrics = ApiMetrics()
    app.state.header_settings = header_settings or HeaderSettings.from_env()
    app.add_middleware(IdempotencyMiddleware, db=db, secret=key)
    app.add_middleware(RateLimitMiddleware, limits=rate_limits or RateLimits.from_env())
    app.add_middleware(ObserveMiddleware, metrics=app.state.metrics)
    add_cors(app, app.state.header_settings)
    return app
