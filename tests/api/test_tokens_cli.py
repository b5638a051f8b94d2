"""``fintrack token create|list|revoke``: the secret is shown once and works with the API;
lists never show it again; a revoked token stops working; a viewer gets no write token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from fintrack_api.app import create_app
from fintrack_cli.main import app
from fintrack_core.api import Database
from tests.api.conftest import SECRET, bearer

runner = CliRunner()


def ok(*args: str, stdin: str | None = None) -> Result:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FINTRACK_DATABASE_URL", url)
    ok("user", "add", "alice", "--password-stdin", stdin="wonderland-42\n")
    ok("user", "add", "bob", "--password-stdin", "--as", "alice", stdin="builder-jobs1\n")
    return url


def test_a_created_token_is_shown_once_and_works_until_revoked(url: str) -> None:
    made = ok("token", "create", "bank sync", "--scope", "read-write", "--user", "alice")
    secret = made.stdout.splitlines()[1]
    assert secret.startswith("ftp_")
    listed = ok("token", "list", "--user", "alice", "--json")
    [token] = json.loads(listed.stdout)
    assert (token["name"], token["scope"], token["revoked_at"]) == ("bank sync", "read-write",
                                                                    None)
    assert secret not in listed.stdout
    db = Database(url)
    try:
        with TestClient(create_app(db, secret=SECRET)) as client:
            assert client.get("/api/v1/me", headers=bearer(secret)).json()["username"] == "alice"
            ok("token", "revoke", str(token["id"]), "--user", "alice")
            assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    finally:
        db.dispose()


def test_another_users_token_cannot_be_revoked(url: str) -> None:
    ok("token", "create", "mine", "--user", "alice")
    [token] = json.loads(ok("token", "list", "--user", "alice", "--json").stdout)
    result = runner.invoke(app, ["token", "revoke", str(token["id"]), "--user", "bob"])
    assert result.exit_code == 1
    assert "not found" in result.stderr


def test_an_expiry_in_the_past_names_the_option(url: str) -> None:
    result = runner.invoke(app, ["token", "create", "old", "--expires", "2020-01-01",
                                 "--user", "alice"])
    assert result.exit_code == 1
    assert "expires_at" in result.stderr
