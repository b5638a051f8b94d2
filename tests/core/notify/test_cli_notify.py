"""``fintrack notify``: queue the weekly report and alerts, send them to a real SMTP server
named by ``FINTRACK_SMTP_*``; repeated runs send nothing twice; without settings, --send
refuses with a clear message."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fintrack_cli.main import app
from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.schema import upgrade
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger import transactions as tx
from fintrack_core.notify.settings import update_settings
from tests.core.notify.conftest import MailServer, body, set_email

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """Alice (alice@example.org) wants the weekly report on Mondays; one expense last week."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FINTRACK_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    for name in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "FROM"):
        monkeypatch.delenv(f"FINTRACK_SMTP_{name}", raising=False)
    db = Database(url)
    upgrade(db)
    alice = users.create_user(db, "alice", "wonderland-42", "Alice", base_currency="EUR")
    scope = Scope(db, alice.id, books.list_books(db, alice.id)[0].id)
    giro = accounts.create_account(scope, "Girokonto", "checking", "EUR", "100",
                                   dt.date(2024, 1, 1))
    tx.add_transaction(scope, tx.TransactionInput(giro.id, dt.date(2024, 4, 3), "-12.50",
                                                  "Bakery", ""))
    set_email(db, alice.id, "alice@example.org")
    update_settings(scope, weekly=True, weekday=0, channel="email")
    return db


def smtp_env(monkeypatch: pytest.MonkeyPatch, server: MailServer) -> None:
    monkeypatch.setenv("FINTRACK_SMTP_HOST", server.config.host)
    monkeypatch.setenv("FINTRACK_SMTP_PORT", str(server.config.port))
    monkeypatch.setenv("FINTRACK_SMTP_SECURITY", "none")
    monkeypatch.setenv("FINTRACK_SMTP_FROM", "fintrack@example.org")


def test_weekly_alerts_and_send_in_one_run_then_nothing_twice(
        cli_db: Database, smtp_server: MailServer, monkeypatch: pytest.MonkeyPatch) -> None:
    smtp_env(monkeypatch, smtp_server)
    args = ["notify", "--alerts", "--weekly", "--send", "--date", "2024-04-08", "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    out = json.loads(first.stdout)
    assert out["alerts"] == {"queued": [], "no_address": []}
    assert [q.rsplit("/", 1)[1] for q in out["weekly"]["queued"]] == ["weekly:2024-W15"]
    assert (len(out["send"]["sent"]), out["send"]["failed"]) == (1, [])
    [(rcpt, msg)] = smtp_server.inbox.messages
    assert rcpt == ["alice@example.org"]
    assert "Uncategorised: €12.50 (average €0.00)" in body(msg, "plain")
    again = runner.invoke(app, args)
    assert json.loads(again.stdout)["send"] == {"sent": [], "retrying": [], "failed": []}
    assert len(smtp_server.inbox.messages) == 1
    plain = runner.invoke(app, ["notify", "--weekly", "--date", "2024-04-15"])
    assert plain.stdout == "weekly: 1 queued, 0 no address\n"


def test_send_without_mail_settings_is_refused(cli_db: Database) -> None:
    result = runner.invoke(app, ["notify", "--send"])
    assert result.exit_code == 1
    assert "mail is not set up: set FINTRACK_SMTP_HOST" in result.stderr
    nothing = runner.invoke(app, ["notify"])
    assert nothing.exit_code == 1
    assert "choose --alerts, --weekly and/or --send" in nothing.stderr
