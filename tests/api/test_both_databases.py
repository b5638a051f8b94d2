"""The API's write guarantees on SQLite and on PostgreSQL (``any_db``): idempotency keys,
external ids (also when two posts of one bank row race), cursor pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from fintrack_api.app import create_app
from fintrack_core.api import Database, Scope
from fintrack_core.ledger import accounts, users
from fintrack_core.ledger.books import list_books
from fintrack_core.ledger.search import list_transactions
from fintrack_core.ledger.transactions import TransactionInput, add_transaction_once
from fintrack_core.tokens.personal import create_token
from tests.api.conftest import SECRET, Headers, bearer


@pytest.fixture
def world(any_db: Database) -> Iterator[tuple[TestClient, Scope, int, Headers]]:
    alice = users.create_user(any_db, "alice", "wonderland-42", base_currency="EUR")
    scope = Scope(any_db, alice.id, list_books(any_db, alice.id)[0].id)
    account = accounts.create_account(scope, "Girokonto", "checking", "EUR", "0",
                                      dt.date(2024, 1, 1))
    headers = bearer(create_token(scope, "sync", "read-write").secret)
    with TestClient(create_app(any_db, secret=SECRET)) as client:
        yield client, scope, account.id, headers


def test_retries_and_repeated_bank_rows_book_once(
        world: tuple[TestClient, Scope, int, Headers]) -> None:
    client, scope, account_id, headers = world
    path = f"/api/v1/books/{scope.book_id}/transactions"
    body = {"account_id": account_id, "date": "2024-03-01", "amount": "-5.00",
            "external_id": "bank-1"}
    first = client.post(path, json=body, headers={**headers, "Idempotency-Key": "a"})
    retry = client.post(path, json=body, headers={**headers, "Idempotency-Key": "a"})
    again = client.post(path, json=body, headers={**headers, "Idempotency-Key": "b"})
    assert (first.status_code, retry.status_code, again.status_code) == (201, 201, 200)
    assert first.json()["id"] == retry.json()["id"] == again.json()["id"]
    assert list_transactions(scope).total == 1


def test_two_racing_posts_of_one_bank_row_book_it_once(
        world: tuple[TestClient, Scope, int, Headers]) -> None:
    _, scope, account_id, _ = world
    row = TransactionInput(account_id, dt.date(2024, 3, 2), "-7.00", "Kiosk",
                           external_id="bank-2")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: add_transaction_once(scope, row), range(4)))
    assert len({view.id for view, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert list_transactions(scope).total == 1


def test_cursor_pages_agree_on_both_databases(
        world: tuple[TestClient, Scope, int, Headers]) -> None:
    client, scope, account_id, headers = world
    path = f"/api/v1/books/{scope.book_id}/transactions"
    for day, payee in ((1, "b"), (1, "a"), (2, "c"), (3, "a")):
        client.post(path, headers=headers, json={
            "account_id": account_id, "date": f"2024-03-0{day}", "amount": "-1",
            "payee": payee})
    seen, params = [], {"limit": 1, "sort": "payee", "order": "asc"}
    while True:
        page = client.get(path, headers=headers, params=params).json()
        seen += [(r["payee"], r["date"]) for r in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [("a", "2024-03-01"), ("a", "2024-03-03"), ("b", "2024-03-01"),
                    ("c", "2024-03-02")]
