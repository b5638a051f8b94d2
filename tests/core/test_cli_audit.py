"""``fintrack audit``: owners read their book's log, administrators everything, with --json for
scripts; what the CLI does is recorded as coming from ``cli``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fintrack_cli.main import app
from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.schema import upgrade
from fintrack_core.ledger import accounts, books, users

runner = CliRunner()
BOOK = "Alice's book"


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result


def fails(result: Result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, f"{word!r} not in {result.stderr!r}"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Alice (administrator, owner) shares her book with Bob as viewer (from the web); Carol
    has a book of her own. Alice's Girokonto takes a statement imported with the CLI."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FINTRACK_DATABASE_URL", url)
    database = Database(url)
    upgrade(database)
    alice = users.create_user(database, "alice", "wonderland-42", "Alice", base_currency="EUR")
    users.create_user(database, "bob", "builder-jobs1", acting_user_id=alice.id)
    users.create_user(database, "carol", "xmas-songs-3", acting_user_id=alice.id)
    owner = Scope(database, alice.id, books.list_books(database, alice.id)[0].id,
                  origin="web 192.0.2.10")
    books.share_book(owner, "bob", "viewer")
    accounts.create_account(owner, "Girokonto", "checking", "EUR", "0", dt.date(2024, 1, 1))
    statement = tmp_path / "march.csv"
    statement.write_text("Date,Description,Amount\n2024-03-20,Corner shop,-7.40\n")
    ok("import", str(statement), "--account", "Girokonto", "--user", "alice")
    yield database
    database.dispose()


def test_an_owner_reads_the_books_log_as_json(db: Database) -> None:
    data = json.loads(ok("audit", "--book", BOOK, "--user", "alice", "--json").stdout)
    assert data["total"] == 2
    imported, shared = data["entries"]
    assert (imported["action"], imported["actor"], imported["origin"]) == (
        "import.batch", "alice", "cli")
    assert imported["detail"]["filename"] == "march.csv"
    assert (shared["action"], shared["detail"], shared["origin"]) == (
        "book.share", {"role": "viewer", "user": "bob"}, "web 192.0.2.10")
    assert dt.datetime.fromisoformat(shared["at"]).tzinfo is not None


def test_filters_and_limit(db: Database) -> None:
    only = json.loads(ok("audit", "-b", BOOK, "-u", "alice", "--action", "book.share",
                         "--json").stdout)
    assert [e["action"] for e in only["entries"]] == ["book.share"]
    newest = json.loads(ok("audit", "-b", BOOK, "-u", "alice", "--limit", "1", "--json").stdout)
    assert (newest["total"], len(newest["entries"])) == (2, 1)


def test_the_table_names_who_what_and_where(db: Database) -> None:
    out = ok("audit", "--book", BOOK, "--user", "alice").stdout
    for word in ("import.batch", "book.share", "alice", "web 192.0.2.10", "Events 1-2 of 2"):
        assert word in out


def test_a_viewer_or_an_outsider_cannot_read_the_books_log(db: Database) -> None:
    fails(run("audit", "--book", BOOK, "--user", "bob"), "viewer")
    fails(run("audit", "--book", BOOK, "--user", "carol"), "book")


def test_administrators_see_every_event_and_filter_by_user(db: Database) -> None:
    everything = json.loads(ok("audit", "--as", "alice", "--json").stdout)
    assert {e["action"] for e in everything["entries"]} == {"book.share", "import.batch"}
    by_bob = json.loads(ok("audit", "--user", "bob", "--json").stdout)
    assert by_bob == {"total": 0, "entries": []}
    fails(run("audit", "--as", "bob"), "administrator")


def test_an_unknown_action_is_an_error_naming_the_field(db: Database) -> None:
    fails(run("audit", "--action", "tx.delet"), "action", "tx.delete")
