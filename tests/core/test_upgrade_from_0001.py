"""A database built by the first release (revision 0001) and full of data upgrades to the
newest revision with every row and value intact (tests/fixtures/schema_0001.py builds it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.schema import MIGRATIONS, current_revision, upgrade
from fintrack_core.ledger import accounts, books, users
from tests.fixtures.schema_0001 import LATER_BOOK_DEFAULTS, ROWS, build_at_0001

HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


@pytest.fixture
def old(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'fintrack-0001.db'}")
    build_at_0001(db)
    yield db
    db.dispose()


def rows(db: Database, table: str, columns: list[str]) -> list[dict[str, object]]:
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(
            f"SELECT {', '.join(columns)} FROM {table} ORDER BY {columns[0]}, {columns[1]}"))]


def test_the_fixture_is_at_revision_0001(old: Database) -> None:
    assert current_revision(old) == "0001"


def test_upgrading_keeps_every_row_and_value(old: Database) -> None:
    upgrade(old)
    assert current_revision(old) == HEAD
    for table, expected in ROWS.items():
        assert rows(old, table, list(expected[0])) == expected, table


def test_columns_added_later_get_their_defaults(old: Database) -> None:
    upgrade(old)
    got = rows(old, "books", ["id", *LATER_BOOK_DEFAULTS])
    assert got == [{"id": b["id"], **LATER_BOOK_DEFAULTS} for b in ROWS["books"]]


def test_the_upgraded_database_works_through_the_services(old: Database) -> None:
    """Not just bytes intact: the first release's users log in and their books add up."""
    upgrade(old)
    alice = users.authenticate(old, "alice", "alice-secret")
    assert alice is not None
    assert alice.is_admin
    book = books.list_books(old, alice.id)
    assert [(b.id, b.name) for b in book] == [(1, "Alice's book")]
    scope = Scope(old, alice.id, 1)
    assert accounts.balances(scope) == {1: 150000 + 325000 - 6437 - 20000,
                                        2: -2599 - 999999999999 + 21668}
    with old.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
