"""Backups and restores on a real PostgreSQL server (pg_dump -Fc / pg_restore).

Skipped only where no PostgreSQL binaries exist and FINTRACK_REQUIRE_POSTGRES is not 1 (CI
sets it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import create_engine, text

from fintrack_core.access import Scope
from fintrack_core.backups import database as backup
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Base
from fintrack_core.db.schema import current_revision, upgrade
from fintrack_core.errors import ValidationError
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger import transactions as tx

pytestmark = pytest.mark.postgres
T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def fill(db: Database) -> tuple[Scope, int]:
    alice = users.create_user(db, "alice", "wonderland-42", base_currency="EUR")
    scope = Scope(db, alice.id, books.list_books(db, alice.id)[0].id)
    giro = accounts.create_account(scope, "Giro", "checking", "EUR", "100.00",
                                   dt.date(2024, 1, 1))
    for i in range(1, 30):
        tx.add_transaction(scope, tx.TransactionInput(
            giro.id, dt.date(2024, 2, 1), f"-{i}.01", f"Bäckerei {i}",
            description="tab\there\nnewline \\N backslash", tags=["food"]))
    return scope, giro.id


def test_backup_and_restore_round_trip(pg: Database, tmp_path: Path,
                                       snapshot: Callable[..., Any]) -> None:
    scope, giro = fill(pg)
    before = snapshot(pg)
    made = backup.create_backup(pg, tmp_path, keep=2, now=T0)
    assert made.path.name == "fintrack-20261130-120000-000000.dump"
    assert made.tables["transactions"] == 29
    assert set(Base.metadata.tables) <= set(made.tables)

    tx.add_transaction(scope, tx.TransactionInput(giro, dt.date(2024, 3, 1), "-5", "Later"))
    with pg.engine.begin() as conn:
        conn.execute(text("DELETE FROM fx_rates; UPDATE accounts SET name = 'Changed'"))

    result = backup.restore_backup(pg, made.path, tmp_path, now=T0 + dt.timedelta(hours=1))
    after = snapshot(pg)
    cols = list(Base.metadata.tables["books"].c.keys())
    moved = {cols.index("data_version"), cols.index("rewrite_version")}

    def steady(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        return [tuple(v for i, v in enumerate(r) if i not in moved) for r in rows]

    assert steady(after.pop("books")) == steady(before.pop("books"))
    restored_log = after.pop("audit_log")  # what the backup held, and the restore itself
    assert restored_log[:-1] == before.pop("audit_log")
    action = list(Base.metadata.tables["audit_log"].c.keys()).index("action")
    assert restored_log[-1][action] == "backup.restore"
    assert after == before
    assert result.safety_backup.tables["transactions"] == 30
    assert current_revision(pg) == result.revision_now
    # Sequences came back too: new rows get fresh ids.
    new = tx.add_transaction(scope, tx.TransactionInput(giro, dt.date(2024, 3, 2), "-1", "Next"))
    assert new.id > max(r[0] for r in before["transactions"])


def test_a_backup_does_not_wait_for_or_contain_an_open_transaction(
        pg: Database, tmp_path: Path) -> None:
    scope, giro = fill(pg)
    other = create_engine(pg.url)
    with other.connect() as conn:
        trans = conn.begin()
        conn.execute(text("INSERT INTO transactions (book_id, account_id, date, amount_minor, "
                          "currency, payee, description) VALUES (:b, :a, '2024-04-02', -100, "
                          "'EUR', 'In flight', '')"), {"b": scope.book_id, "a": giro})
        made = backup.create_backup(pg, tmp_path, now=T0)
        trans.commit()
    other.dispose()
    assert made.tables["transactions"] == 29


@pytest.mark.parametrize("kind", ["garbage", "truncated", "sqlite file"])
def test_a_bad_dump_is_refused_and_nothing_is_lost(pg: Database, tmp_path: Path,
                                                   snapshot: Callable[..., Any],
                                                   kind: str) -> None:
    fill(pg)
    good = backup.create_backup(pg, tmp_path / "b", now=T0).path
    bad = tmp_path / "bad.dump"
    if kind == "garbage":
        bad.write_bytes(b"not a dump" * 1000)
    elif kind == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    else:
        bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)
    before = snapshot(pg)
    with pytest.raises(ValidationError, match="file"):
        backup.restore_backup(pg, bad, tmp_path / "b")
    assert snapshot(pg) == before
    assert [p for p, _ in backup.list_backups(tmp_path / "b")] == [good]


def test_a_book_archive_round_trips_through_postgresql(pg: Database, tmp_path: Path) -> None:
    """Exported from PostgreSQL, imported into an empty SQLite file and back into an empty
    PostgreSQL database: the same rows every time, and new rows get fresh ids after."""
    import io

    from fintrack_core.backups import archive as book_archive
    from tests.core.test_book_archive import book_rows

    scope, giro = fill(pg)
    first = io.BytesIO()
    book_archive.export_book(scope, first)
    expected = book_rows(pg, scope.book_id)

    lite = Database(f"sqlite:///{tmp_path / 'lite.db'}")
    upgrade(lite)
    book_archive.import_book(lite, io.BytesIO(first.getvalue()))
    assert book_rows(lite, scope.book_id) == expected
    second = io.BytesIO()
    book_archive.export_book(Scope(lite, scope.user_id, scope.book_id), second)
    lite.dispose()

    with pg.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(pg)
    book_archive.import_book(pg, io.BytesIO(second.getvalue()))
    assert book_rows(pg, scope.book_id) == expected
    new = tx.add_transaction(scope, tx.TransactionInput(giro, dt.date(2024, 3, 2), "-1", "Next"))
    assert new.id == max(cast(int, r[0]) for r in expected["transactions"]) + 1
