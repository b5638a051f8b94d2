"""``/metrics``, for Prometheus; who may read it.

With ``FINTRACK_METRICS_TOKEN`` set, a caller sending ``Authorization: Bearer <that token>``
(from anywhere: a scraper in another container); without it, only callers on this machine
(127.0.0.1 or ::1), as ``fintrack serve api`` listens on 127.0.0.1 by default. A request that
carries a proxy header (``Forwarded``, ``X-Forwarded-For``, ``X-Real-IP``) is never taken as
local: behind a reverse proxy on the same host every caller connects from loopback, so the
address tells nothing, and only the token lets such a request read the metrics. The figures
name no user, book or amount, but request rates still tell who uses the service and when,
so they are not public. Not rate limited (not under ``/api/``): a scraper polls steadily.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from fintrack_api.metrics import ApiMetrics
from fintrack_api.problems import ApiError, responses

ENV_METRICS_TOKEN = "FINTRACK_METRICS_TOKEN"  # noqa: S105 - the variable's name

router = APIRouter(tags=["health"])


def _is_local(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def _proxy_header(request: Request) -> str | None:
    """The first proxy header the request carries (its name), or None for a direct caller."""
    return next((name for name in PROXY_HEADERS if name in request.headers), None)


def check_reader(request: Request, authorization: str | None) -> None:
    """401/403 unless this caller may read the metrics (see the module's docstring)."""
    token = os.environ.get(ENV_METRICS_TOKEN, "").strip()
    if token:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                                 token.encode()):
            raise ApiError(401, "unauthorized", "Not signed in",
                           f"send Authorization: Bearer <the {ENV_METRICS_TOKEN} value>",
                           {"WWW-Authenticate": "Bearer"})
    elif (proxied := _proxy_header(request)) is not None:
        raise ApiError(403, "forbidden", "Not allowed",
                       f"this request came through a proxy ({proxied} header), where every "
                       f"caller looks local; set {ENV_METRICS_TOKEN} and send it as a bearer "
                       "token to read the metrics behind a proxy")
    elif not _is_local(request.client.host if request.client else None):
        raise ApiError(403, "forbidden", "Not allowed",
                       f"metrics are served to this machine only; set {ENV_METRICS_TOKEN} "
                       "to let a scraper elsewhere read them with that bearer token")


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "Prometheus text format 0.0.4"},
                       **responses(401, 403)},
            summary="Metrics for Prometheus (local callers, or FINTRACK_METRICS_TOKEN)")
def metrics(request: Request,
            authorization: Annotated[str | None, Header(include_in_schema=False)] = None
            ) -> Response:
    check_reader(request, authorization)
    found: ApiMetrics = request.app.state.metrics
    return Response(found.exposition(), media_type=CONTENT_TYPE_LATEST)
