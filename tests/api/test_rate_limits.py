"""Rate limits: a token over its budget gets 429 with Retry-After and RateLimit headers;
other tokens keep theirs; signing in has a stricter limit per address; probes are free."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fintrack_api.app import create_app
from fintrack_api.ratelimit import RateLimits
from tests.api.conftest import SECRET, Api

PROBLEM = "application/problem+json"


@pytest.fixture
def tight(api: Api) -> Iterator[TestClient]:
    limits = RateLimits(per_caller="3/minute", per_address="8/minute", sign_in="2/minute")
    with TestClient(create_app(api.book.db, secret=SECRET, rate_limits=limits)) as client:
        yield client


def test_a_token_over_its_budget_gets_429_with_retry_after(api: Api,
                                                            tight: TestClient) -> None:
    headers = api.alice
    answers = [tight.get("/api/v1/me", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert refused.headers["content-type"] == PROBLEM
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Limit"] == "3"
    other = tight.get("/api/v1/me", headers=api.pat(api.book.viewer, "read"))
    assert other.status_code == 200  # another token has its own budget


def test_one_address_is_limited_over_all_its_tokens(api: Api, tight: TestClient) -> None:
    codes = [tight.get("/api/v1/me", headers=api.pat(api.book.owner, "read")).status_code
             for _ in range(9)]
    assert codes == [200] * 8 + [429]


def test_signing_in_is_limited_more_strictly(api: Api, tight: TestClient) -> None:
    form = {"username": "nobody", "password": "x"}
    codes = [tight.post("/api/v1/auth/token", data=form).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def test_health_probes_and_docs_are_not_limited(api: Api, tight: TestClient) -> None:
    assert {tight.get("/health").status_code for _ in range(12)} == {200}
    assert tight.get("/openapi.json").status_code == 200


def test_limits_and_the_shared_store_come_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINTRACK_API_RATE_LIMITS", "per_caller=200/minute; sign_in=5/minute")
    monkeypatch.setenv("FINTRACK_API_RATE_LIMIT_STORAGE", "memory://")
    assert RateLimits.from_env() == RateLimits(per_caller="200/minute", sign_in="5/minute")
