"""``fintrack serve api`` really serves: started as a subprocess on a free port, called over
the network with httpx, stopped at the end."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fintrack_core.api import Database, Scope, upgrade
from fintrack_core.ledger import accounts, users
from fintrack_core.ledger.books import list_books

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    url = f"sqlite:///{tmp_path / 'fintrack.db'}"
    db = Database(url)
    upgrade(db)
    alice = users.create_user(db, "alice", "wonderland-42", "Alice", base_currency="EUR")
    book = list_books(db, alice.id)[0]
    account = accounts.create_account(Scope(db, alice.id, book.id), "Girokonto",
                                      "checking", "EUR", "100", dt.date(2024, 1, 1))
    db.dispose()
    port = free_port()
    env = {**os.environ, "FINTRACK_DATABASE_URL": url, "FINTRACK_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "fintrack_cli.main", "serve", "api",
                             "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"the API did not start: {out}")
                time.sleep(0.2)
        yield base, account.id
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        if proc.stdout:
            proc.stdout.close()


def test_fintrack_serve_api_answers_over_http(server: tuple[str, int]) -> None:
    base, account_id = server
    with httpx.Client(base_url=base, timeout=10) as client:
        token = client.post("/api/v1/auth/token",
                            data={"username": "alice", "password": "wonderland-42"})
        assert token.status_code == 200
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        [book] = client.get("/api/v1/books", headers=auth).json()
        added = client.post(f"/api/v1/books/{book['id']}/transactions", headers={
            **auth, "Idempotency-Key": "first"}, json={
            "account_id": account_id, "date": "2024-03-01", "amount": "-12.50",
            "payee": "Bäckerei"})
        assert added.status_code == 201
        balance = client.get(f"/api/v1/books/{book['id']}/accounts/{account_id}/balance",
                             headers=auth, params={"as_of": "2024-03-31"})
        assert balance.json()["balance"] == {"amount": "87.50", "currency": "EUR"}
        assert "server" not in balance.headers  # uvicorn's banner is off
