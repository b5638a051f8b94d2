"""Whatever people type, and whatever state the database file is in, ``fintrack`` answers with
one line on stderr naming what was wrong and a non-zero status: never a traceback.

Each case below crashed with a traceback before (OverflowError from SQLite, decimal.Overflow,
``date value out of range``, MemoryError, "file is not a database"), or was accepted although
it is not an amount a person means (``1_000``, Arabic-Indic or fullwidth digits).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fintrack_cli import ledger as cli_ledger
from fintrack_cli.main import app
from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.schema import upgrade
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger.accounts import create_account
from fintrack_core.ledger.books import list_books
from fintrack_core.ledger.search import list_transactions
from fintrack_core.ledger.users import create_user

runner = CliRunner()


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FINTRACK_DATABASE_URL", url)
    monkeypatch.delenv("FINTRACK_DEBUG", raising=False)
    return url


@pytest.fixture
def scope(db_url: str) -> Scope:
    """Alice, the only user, with a EUR account "Giro" (made through the core, not the CLI)."""
    db = Database(db_url)
    upgrade(db)
    alice = create_user(db, "alice", "correct-horse-battery", "Alice")
    book = list_books(db, alice.id)[0]
    scope = Scope(db, alice.id, book.id)
    create_account(scope, "Giro", "checking", "EUR")
    return scope


def one_line_error(result: Result, *words: str) -> None:
    """Non-zero exit, exactly one line on stderr, naming the field, no traceback anywhere."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"


TX_ADD = ("tx", "add", "--account", "Giro", "--date", "2024-01-01")
ACCOUNT_ADD = ("account", "add", "Savings", "--type", "savings", "--currency", "EUR")

CASES = {
    "amount 1e309": ([*TX_ADD, "--amount", "1e309"], ["amount", "not a number"]),
    "amount 23 digits": ([*TX_ADD, "--amount", "99999999999999999999999"],
                         ["amount", "too large", "1,000,000,000,000"]),
    "amount just too large": ([*TX_ADD, "--amount", "-1000000000000"], ["amount", "too large"]),
    "amount 1e999999999": ([*TX_ADD, "--amount", "1e999999999"], ["amount", "not a number"]),
    "amount with _": ([*TX_ADD, "--amount", "1_000"], ["amount", "not a number"]),
    "amount Arabic-Indic digits": ([*TX_ADD, "--amount", "١٢٣"], ["amount", "not a number"]),
    "amount fullwidth digits": ([*TX_ADD, "--amount", "１２３"], ["amount", "not a number"]),
    "opening balance 1e309": ([*ACCOUNT_ADD, "--opening-balance", "1e309"],
                              ["opening_balance", "not a number"]),
    "opening balance 23 digits": ([*ACCOUNT_ADD, "--opening-balance",
                                   "99999999999999999999999"], ["opening_balance", "too large"]),
    "opening balance with _": ([*ACCOUNT_ADD, "--opening-balance", "1_000"],
                               ["opening_balance", "not a number"]),
    "import undo 23 digits": (["import", "undo", "99999999999999999999999"],
                              ["import batch", "not found"]),
    "report monthly 9999-12": (["report", "monthly", "--month", "9999-12"],
                               ["month", "out of range", "9999-11"]),
    "report monthly 0001-01": (["report", "monthly", "--month", "0001-01"],
                               ["month", "out of range"]),
    "demo a trillion": (["demo", "-n", "1000000000000"], ["transactions", "too many"]),
}


@pytest.mark.parametrize(("args", "words"), list(CASES.values()), ids=list(CASES))
def test_bad_input_is_one_line_naming_the_field(scope: Scope, args: list[str],
                                                words: list[str]) -> None:
    one_line_error(runner.invoke(app, args), *words)
    rows = list_transactions(scope, TransactionFilter()).rows
    assert rows == []  # and nothing was written


@pytest.mark.parametrize("command", [["init"], ["tx", "list"], ["account", "list"]])
def test_corrupt_database_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           command: list[str]) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not SQLite at all\x00" * 200)
    monkeypatch.setenv("FINTRACK_DATABASE_URL", f"sqlite:///{garbage}")
    one_line_error(runner.invoke(app, command), "database", "file is not a database",
                   str(garbage))


def test_largest_amount_still_fits(scope: Scope) -> None:
    result = runner.invoke(app, [*TX_ADD, "--amount", "-999999999999.99"])
    assert result.exit_code == 0, result.output
    [row] = list_transactions(scope, TransactionFilter()).rows
    assert row.amount_minor == -99999999999999


def test_unexpected_errors_are_one_line_and_the_traceback_is_opt_in(
        scope: Scope, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("something deep broke\nsecond line")

    monkeypatch.setattr(cli_ledger, "list_accounts", broken)
    result = runner.invoke(app, ["account", "list"])
    one_line_error(result, "unexpected error", "RuntimeError", "something deep broke",
                   "--debug")

    debug = runner.invoke(app, ["--debug", "account", "list"])
    assert debug.exit_code == 1
    assert "Traceback" in debug.stderr
    assert "something deep broke" in debug.stderr

    monkeypatch.setenv("FINTRACK_DEBUG", "1")
    assert "Traceback" in runner.invoke(app, ["account", "list"]).stderr
