"""``fintrack subscriptions`` and ``fintrack forecast`` against a real SQLite file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from typer.testing import CliRunner, Result

from fintrack_cli.main import app
from fintrack_core.access import Scope
from fintrack_core.budgets.subscriptions import list_subscriptions
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Role
from fintrack_core.db.schema import upgrade
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.accounts import create_account
from fintrack_core.ledger.books import list_books, share_book
from fintrack_core.ledger.users import create_user

runner = CliRunner()
D = dt.date


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result


def one_line_error(result: Result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"


@pytest.fixture
def scope(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scope]:
    """Alice's EUR Giro (1,000.00 opening) paying Spotify 10.99 on 12 Jan-Mar 2024 and 12.99
    on 12 April; Bob views the book. The clock at 1 May 2024."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FINTRACK_DATABASE_URL", url)
    db = Database(url)
    upgrade(db)
    alice = create_user(db, "alice", "correct-horse-battery", "Alice", base_currency="EUR")
    create_user(db, "bob", "builder-jobs1", "Bob", acting_user_id=alice.id)
    scope = Scope(db, alice.id, list_books(db, alice.id)[0].id)
    share_book(scope, "bob", Role.VIEWER)
    giro = create_account(scope, "Giro", "checking", "EUR", "1000", D(2024, 1, 1))
    for month, amount in ((1, "-10.99"), (2, "-10.99"), (3, "-10.99"), (4, "-12.99")):
        tx.add_transaction(scope, tx.TransactionInput(giro.id, D(2024, month, 12), amount,
                                                      "Spotify AB", "", None))
    with time_machine.travel(dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC), tick=True):
        yield scope
    db.dispose()




def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def test_list_shows_series_totals_and_alerts(scope: Scope) -> None:
    data = as_json(ok("subscriptions", "list", "--user", "alice", "--json"))
    [spotify] = data["series"]
    assert spotify["key"].endswith("|spotify ab|monthly|2024-01-12")
    assert (spotify["name"], spotify["account"], spotify["cadence"], spotify["amount"]) == (
        "Spotify AB", "Giro", "monthly", "-12.99")
    assert (spotify["next_date"], spotify["occurrences"], spotify["missed"]) == (
        "2024-05-12", 4, False)
    assert spotify["price_change"] == {"from": "-10.99", "to": "-12.99", "on": "2024-04-12"}
    assert (data["monthly"], data["yearly"]) == ({"EUR": "-12.99"}, {"EUR": "-155.88"})
    assert data["alerts"] == [{"kind": "price_change", "key": spotify["key"],
                               "name": "Spotify AB"}]
    table = ok("subscriptions", "list", "--user", "alice").stdout
    assert "Spotify AB" in table
    assert "was -€10.99 until 2024-04-12" in table
    assert "-€155.88 a year" in table


def test_confirm_with_corrections_then_dismiss(scope: Scope) -> None:
    key = list_subscriptions(scope).series[0].series.key
    out = ok("subscriptions", "confirm", key, "--user", "alice", "--name", "Music",
             "--amount=-13.49", "--cadence", "monthly", "--next", "2024-05-14").stdout
    assert out == f"Series {key!r} confirmed as a schedule.\n"
    [kept] = list_subscriptions(scope).series
    assert (kept.status, kept.name, kept.amount_minor, kept.next_date) == (
        "confirmed", "Music", -1349, D(2024, 5, 14))
    ok("subscriptions", "dismiss", key, "--user", "alice")
    assert as_json(ok("subscriptions", "list", "--user", "alice", "--json"))["series"] == []
    [hidden] = as_json(ok("subscriptions", "list", "--all", "--user", "alice", "--json"))[
        "series"]
    assert hidden["status"] == "dismissed"


def test_bad_input_and_missing_rights_are_one_line(scope: Scope) -> None:
    key = list_subscriptions(scope).series[0].series.key
    one_line_error(run("subscriptions", "confirm", key, "--user", "alice", "--cadence",
                       "daily"), "cadence: choose one of weekly")
    one_line_error(run("subscriptions", "confirm", key, "--user", "alice", "--amount", "ten"),
                   "amount")
    one_line_error(run("subscriptions", "confirm", key, "--user", "alice", "--next",
                       "2024-04-01"), "next_date: must be after the last payment 2024-04-12")
    one_line_error(run("subscriptions", "confirm", key, "--user", "alice", "--next", "1 May"),
                   "next_date", "YYYY-MM-DD")
    one_line_error(run("subscriptions", "dismiss", "1|nothing|monthly|2024-01-01", "--user",
                       "alice"), "series")
    one_line_error(run("subscriptions", "dismiss", key, "--user", "bob"))
    assert list_subscriptions(scope).series[0].status == "detected"


def test_forecast_lists_balances_low_points_and_payments(scope: Scope) -> None:
    # Giro today: 1000 - 3 x 10.99 - 12.99 = 954.04; Spotify 12.99 on 12 May and 12 June.
    data = as_json(ok("forecast", "--days", "60", "--user", "bob", "--book", "1", "--json"))
    assert (data["today"], data["days"], data["base_currency"]) == ("2024-05-01", 60, "EUR")
    assert data["end_balances"] == [{"account": "Giro", "currency": "EUR",
                                     "balance": "928.06"}]
    assert data["lows"][-1] == {"account": "Total", "currency": "EUR", "balance": "928.06",
                                "date": "2024-06-12"}
    assert [(e["date"], e["source"], e["amount"]) for e in data["events"]] == [
        ("2024-05-12", "Spotify AB", "-12.99"), ("2024-06-12", "Spotify AB", "-12.99")]
    assert (data["below_zero"], data["without_rate"]) == ([], [])
    table = ok("forecast", "--user", "alice").stdout
    assert "Total (EUR)" in table
    assert "3 expected payments used" in table
    one_line_error(run("forecast", "--days", "0", "--user", "alice"), "days: choose 1 to 366")
