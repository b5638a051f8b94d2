"""Idempotency-Key: a retried POST answers what the first one answered and writes nothing
new; the same key with another request is refused; keys belong to their caller."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from fintrack_api.app import create_app
from fintrack_core.ledger.search import list_transactions
from tests.api.conftest import SECRET, Api, Headers


def _count(api: Api) -> int:
    return list_transactions(api.book.owner).total


def _post(api: Api, headers: Headers, key: str, **change: Any) -> Any:
    body = {"account_id": api.book.checking.id, "date": "2024-03-20", "amount": "-9.99",
            "payee": "Kiosk", **change}
    return api.client.post(api.path("transactions"), json=body,
                           headers={**headers, "Idempotency-Key": key})


def test_a_retry_returns_the_first_answer_and_books_nothing_twice(api: Api) -> None:
    headers, before = api.alice, _count(api)
    first = _post(api, headers, "sync-2024-03-20-1")
    retry = _post(api, headers, "sync-2024-03-20-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotency-Replayed"] == "true"
    assert _count(api) == before + 1


def test_a_login_token_and_its_successor_share_the_users_keys(api: Api) -> None:
    """A script whose 15-minute token expired between a request and its retry."""
    first = _post(api, api.jwt(api.book.owner), "k1")
    retry = _post(api, api.login("alice"), "k1")
    assert retry.json()["id"] == first.json()["id"]


def test_the_same_key_with_another_body_is_refused(api: Api) -> None:
    _post(api, api.alice, "k2")
    headers = api.alice  # another token of the same user: its own keys
    _post(api, headers, "k2")
    other = _post(api, headers, "k2", amount="-10.99")
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_keys_belong_to_their_caller(api: Api) -> None:
    mine = _post(api, api.jwt(api.book.owner), "shared-name")
    theirs = api.client.post(api.path("transactions", api.book.other.book_id),
                             headers={**api.pat(api.book.other), "Idempotency-Key": "shared-name"},
                             json={"account_id": api.book.carol_account.id,
                                   "date": "2024-03-20", "amount": "-1"})
    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]


def test_a_refusal_is_replayed_too_without_a_second_attempt(api: Api) -> None:
    first = _post(api, api.alice, "k3", amount="0")
    headers = first.request.headers
    retry = api.client.post(api.path("transactions"), content=first.request.content,
                            headers=dict(headers))
    assert first.status_code == retry.status_code == 422
    assert retry.json() == first.json()


def test_a_bad_key_is_a_problem_naming_the_header(api: Api) -> None:
    answer = _post(api, api.alice, "x" * 201)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "Idempotency-Key"


def test_requests_without_a_key_or_without_a_valid_token_pass_through(api: Api) -> None:
    before = _count(api)
    assert _post(api, {}, "k4").status_code == 401
    api.client.post(api.path("transactions"), headers=api.alice, json={
        "account_id": api.book.checking.id, "date": "2024-03-20", "amount": "-1"})
    api.client.post(api.path("transactions"), headers=api.alice, json={
        "account_id": api.book.checking.id, "date": "2024-03-20", "amount": "-1"})
    assert _count(api) == before + 2


def test_a_bug_releases_the_key_so_the_retry_runs_again(api: Api) -> None:
    app = create_app(api.book.db, secret=SECRET)
    calls: list[int] = []

    @app.post("/flaky")
    def flaky() -> dict[str, int]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return {"calls": len(calls)}

    with TestClient(app, raise_server_exceptions=False) as client:
        headers = {**api.jwt(api.book.owner), "Idempotency-Key": "flaky-1"}
        assert client.post("/flaky", headers=headers).status_code == 500
        assert client.post("/flaky", headers=headers).json() == {"calls": 2}
        assert client.post("/flaky", headers=headers).json() == {"calls": 2}  # settled now
