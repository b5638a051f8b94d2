"""``fintrack budget``, and the budget alerts ``fintrack tx add`` and ``fintrack import`` report,
driven through the arguments against a real SQLite file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.ledger.books import list_books
from fintrack_core.ledger.categories import list_categories
from fintrack_core.ledger.users import get_user
from fintrack_core.rules.service import create_rule
from fintrack_core.rules.spec import Action, Condition, RuleSpec
from tests.conftest import clock_kept_on
from tests.core.test_cli import add_tx, alice, as_json, database, db_url, fails, ok, run

__all__ = ["alice", "database", "db_url"]  # fixtures shared with test_cli

TODAY = dt.date.today()



_clock = clock_kept_on(TODAY)



def budget(*args: str) -> list[str]:
    return ["budget", *args, "--user", "alice"]


def test_add_list_and_delete_a_budget(alice: str) -> None:
    added = as_json(ok(*budget("add", "--category", "Food/Groceries", "--amount", "250.50",
                               "--start-day", "25", "--start", "2024-01-25", "--rollover",
                               "--thresholds", "50,90", "--json")))
    assert added == {"id": added["id"], "category": "Food → Groceries", "amount": "250.50",
                     "currency": "EUR", "period": "monthly", "start_day": 25,
                     "starts_on": "2024-01-25", "ends_on": None, "rollover": True,
                     "thresholds": [50, 90]}
    weekly = as_json(ok(*budget("add", "--category", "Coffee", "--amount", "20",
                                "--period", "weekly", "--start", "2024-01-01", "--json")))
    assert (weekly["period"], weekly["start_day"]) == ("weekly", 0)  # Monday by default
    listed = ok(*budget("list")).stdout
    assert "Food → Groceries" in listed
    assert "€250.50" in listed
    assert [b["category"] for b in as_json(ok(*budget("list", "--json")))] == [
        "Food → Coffee", "Food → Groceries"]
    assert ok(*budget("delete", str(added["id"]))).stdout.strip() == \
        f"Deleted budget #{added['id']}."
    assert as_json(ok(*budget("delete", str(weekly["id"]), "--json"))) == {
        "deleted": weekly["id"]}
    assert as_json(ok(*budget("list", "--json"))) == []


@pytest.mark.parametrize(("args", "words"), [
    (("--category", "Salary", "--amount", "100"), ("category", "income")),
    (("--category", "Groceries", "--amount", "-5"), ("amount", "more than zero")),
    (("--category", "Groceries", "--amount", "1e3"), ("amount",)),
    (("--category", "Groceries", "--amount", "10", "--start-day", "32"), ("start_day",)),
    (("--category", "Groceries", "--amount", "10", "--thresholds", "80,lots"), ("thresholds",)),
    (("--category", "Groceries", "--amount", "10", "--period", "custom",
      "--start", "2024-01-01"), ("ends_on", "custom")),
    (("--category", "Nope", "--amount", "10"), ("category", "Nope")),
])
def test_add_errors_are_one_line_naming_the_field(alice: str, args: tuple[str, ...],
                                                  words: tuple[str, ...]) -> None:
    fails(run(*budget("add", *args)), *words)


def test_delete_of_an_unknown_budget_is_one_line(alice: str) -> None:
    fails(run(*budget("delete", "999")), "budget")


def test_status_on_a_day_with_exact_amounts(alice: str) -> None:
    ok(*budget("add", "--category", "Groceries", "--amount", "100", "--start", "2024-03-01"))
    add_tx("--account", "Girokonto", "--amount=-64.37", "--date", "2024-03-05",
           "--category", "Groceries")
    [status] = as_json(ok(*budget("status", "--as-of", "2024-03-10", "--json")))
    # 35.63 left over the 22 days from 10 to 31 March: 1.61 a day (rounded down)
    assert {k: status[k] for k in ("category", "period_start", "period_end", "spent", "limit",
                                   "remaining", "percent_used", "days_left", "safe_per_day",
                                   "level", "crossed")} == {
        "category": "Food → Groceries", "period_start": "2024-03-01",
        "period_end": "2024-03-31", "spent": "64.37", "limit": "100.00",
        "remaining": "35.63", "percent_used": "64.4", "days_left": 22,
        "safe_per_day": "1.61", "level": "ok", "crossed": []}
    table = ok(*budget("status", "--as-of", "2024-03-10")).stdout
    assert "€64.37" in table
    assert "64.4 %" in table
    assert ok(*budget("status", "--as-of", "2024-02-10")).stdout.strip() == \
        "No budget applies on that day."
    fails(run(*budget("status", "--as-of", "10.03.2024")), "as_of")


def test_tx_add_prints_the_alerts_it_caused_and_budget_alerts_lists_them(alice: str) -> None:
    ok(*budget("add", "--category", "Groceries", "--amount", "100"))
    quiet = add_tx("--account", "Girokonto", "--amount=-50", "--date", TODAY.isoformat(),
                   "--category", "Groceries")
    assert "Budget alert" not in quiet.stderr
    loud = add_tx("--account", "Girokonto", "--amount=-35", "--date", TODAY.isoformat(),
                  "--category", "Groceries")
    assert "Budget alert: Food → Groceries: 80 % of its budget reached (€85.00 of €100.00" \
        in loud.stderr
    assert loud.stdout.startswith("Added transaction #")  # stdout stays the result
    [alert] = as_json(ok(*budget("alerts", "--json")))
    assert (alert["threshold"], alert["spent"], alert["limit"], alert["read"]) == (
        80, "85.00", "100.00", False)
    assert "[new] Food → Groceries: 80 %" in ok(*budget("alerts")).stdout


def test_no_alerts_says_so(alice: str) -> None:
    assert ok(*budget("alerts")).stdout.strip() == "No budget alerts."
    assert as_json(ok(*budget("alerts", "--all", "--json"))) == []


def test_import_reports_the_alerts_it_caused(alice: str, database: Database,
                                             tmp_path: Path) -> None:
    user = get_user(database, "alice")
    scope = Scope(database, user.id, list_books(database, user.id)[0].id)
    groceries = next(c.id for c in list_categories(scope) if c.name == "Groceries")
    create_rule(scope, RuleSpec("REWE", (Condition("payee", "contains", "rewe"),),
                                (Action("set_category", groceries),)))
    ok(*budget("add", "--category", "Groceries", "--amount", "100"))
    statement = tmp_path / "giro.csv"
    statement.write_text(f"Date,Payee,Amount\n{TODAY.isoformat()},REWE Markt,-120.00\n",
                         encoding="utf-8")
    result = ok("import", str(statement), "--account", "Girokonto", "--user", "alice",
                "--json")
    data = as_json(result)
    assert data["imported"] == 1
    assert [(a["kind"], a["threshold"], a["spent_minor"]) for a in data["alerts"]] == [
        ("fired", 80, 12000), ("fired", 100, 12000)]
    assert "Budget alert: Food → Groceries: 100 % of its budget reached" in result.stderr
