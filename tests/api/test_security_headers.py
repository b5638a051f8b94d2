"""Security headers on every answer (errors and the 500 handler's too), a CSP that still lets
``/docs`` load what FastAPI's page references, HSTS only when configured, and CORS off unless
origins are configured."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from fintrack_api.app import create_app
from fintrack_api.headers import ENV_CORS, ENV_HSTS, HeaderSettings
from tests.api.conftest import SECRET, Api
from tests.conftest import SmallBook

ALWAYS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
          "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
ORIGIN = "https://budget.example.org"


def directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        name, *values = part.split()
        found[name] = values
    return found


def crash() -> None:
    raise RuntimeError("a bug")


@pytest.fixture
def configured(small_book: SmallBook) -> Iterator[Api]:
    app = create_app(small_book.db, secret=SECRET, header_settings=HeaderSettings(
        hsts_seconds=31_536_000, cors_origins=(ORIGIN,)))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, small_book)


def test_every_kind_of_answer_carries_the_security_headers(small_book: SmallBook) -> None:
    app = create_app(small_book.db, secret=SECRET)
    app.add_api_route("/crash", crash)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, small_book)
        answers = {
            "data": api.get("transactions", api.alice),
            "no token": client.get("/api/v1/books"),
            "unknown path": client.get("/nowhere"),
            "schema": client.get("/openapi.json"),
            "health": client.get("/health"),
            "crash": client.get("/crash"),
        }
    assert [(k, a.status_code) for k, a in answers.items()] == [
        ("data", 200), ("no token", 401), ("unknown path", 404), ("schema", 200),
        ("health", 200), ("crash", 500)]
    for kind, answer in answers.items():
        for name, expected in ALWAYS.items():
            assert answer.headers.get(name) == expected, (kind, name)
        policy = directives(answer.headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'none'"], kind
        assert policy["frame-ancestors"] == ["'none'"], kind
        assert "Strict-Transport-Security" not in answer.headers, kind
        assert answer.headers["X-Request-ID"], kind


def test_the_docs_policy_allows_exactly_what_the_docs_page_loads(api: Api) -> None:
    page = api.client.get("/docs")
    assert page.status_code == 200
    policy = directives(page.headers["Content-Security-Policy"])
    html = page.text
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert inline, "FastAPI's page starts Swagger UI with an inline script"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    [bundle] = re.findall(r'<script src="([^"]+)"', html)
    [sheet] = re.findall(r'rel="stylesheet" href="([^"]+)"', html)
    [icon] = re.findall(r'rel="shortcut icon" href="([^"]+)"', html)
    # served by this server (fintrack_api.docs), so 'self' and no other origin allows them
    assert [urlsplit(u).netloc for u in (bundle, sheet, icon)] == ["", "", ""]
    for directive in ("script-src", "style-src", "img-src"):
        assert "'self'" in policy[directive]
        assert not [v for v in policy[directive] if "://" in v], directive
    assert policy["connect-src"] == ["'self'"]  # Swagger UI fetches /openapi.json from here
    assert policy["frame-ancestors"] == ["'none'"]


def test_the_oauth2_redirect_page_gets_its_own_script_hash(api: Api) -> None:
    page = api.client.get("/docs/oauth2-redirect")
    policy = directives(page.headers["Content-Security-Policy"])
    [script] = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy["script-src"]


def test_hsts_is_sent_only_when_configured(configured: Api) -> None:
    answer = configured.client.get("/health")
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_a_cors_preflight_is_refused_when_no_origin_is_configured(api: Api) -> None:
    preflight = api.client.options(api.path("transactions"), headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    plain = api.client.get(api.path("transactions"), headers={**api.alice, "Origin": ORIGIN})
    assert plain.status_code == 200
    assert "access-control-allow-origin" not in plain.headers  # the browser hides the body


def test_a_configured_origin_may_call_the_api_and_others_may_not(configured: Api) -> None:
    path = configured.path("transactions")
    allowed = configured.client.options(path, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-credentials" not in allowed.headers
    assert allowed.headers["X-Content-Type-Options"] == "nosniff"
    other = configured.client.options(path, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    answer = configured.client.get(path, headers={**configured.alice, "Origin": ORIGIN})
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    exposed = answer.headers["access-control-expose-headers"].lower()
    assert {"etag", "retry-after", "x-request-id"} <= {h.strip() for h in exposed.split(",")}


def test_settings_come_from_the_environment_and_bad_values_are_named(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CORS, f" {ORIGIN}/ , http://localhost:5173")
    monkeypatch.setenv(ENV_HSTS, "63072000")
    assert HeaderSettings.from_env() == HeaderSettings(63_072_000,
                                                       (ORIGIN, "http://localhost:5173"))
    monkeypatch.setenv(ENV_CORS, "budget.example.org")
    with pytest.raises(ValueError, match=f"{ENV_CORS}: 'budget.example.org' is not an origin"):
        HeaderSettings.from_env()
    monkeypatch.setenv(ENV_CORS, "")
    monkeypatch.setenv(ENV_HSTS, "one year")
    with pytest.raises(ValueError, match=ENV_HSTS):
        HeaderSettings.from_env()
    monkeypatch.delenv(ENV_HSTS)
    assert HeaderSettings.from_env() == HeaderSettings()
