"""Whole-database backups of a real SQLite file: made while others write, verified, atomic,
rotated, made daily on demand; restores that verify first, keep a safety backup, and bring an
older backup's schema up to date."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from fintrack_core.backups import database as backup
from fintrack_core.db import engine
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Base
from fintrack_core.db.schema import MIGRATIONS, current_revision
from fintrack_core.errors import ValidationError
from fintrack_core.ledger import transactions as tx
from tests.fixtures.schema_0001 import build_at_0001

if TYPE_CHECKING:
    from tests.conftest import SmallBook

T0 = dt.datetime(2026, 11, 30, 23, 59, 58, tzinfo=dt.UTC)


def db_file(db: Database) -> Path:
    return Path(db.engine.url.database or "")


def count(path: Path, table: str = "transactions") -> int:
    with sqlite3.connect(path) as con:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def add(sb: SmallBook, payee: str, amount: str = "-1.00") -> None:
    tx.add_transaction(sb.owner, tx.TransactionInput(sb.checking.id, dt.date(2024, 4, 1),
                                                     amount, payee))


def test_a_backup_is_a_verified_copy_of_every_table(small_book: SmallBook,
                                                    tmp_path: Path) -> None:
    result = backup.create_backup(small_book.db, tmp_path / "b", now=T0)
    assert result.path == tmp_path / "b" / "fintrack-20261130-235958-000000.db"
    assert set(result.tables) == set(Base.metadata.tables) | {"alembic_version"}
    with sqlite3.connect(result.path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    live = backup.table_counts(sqlite3.connect(db_file(small_book.db)))
    assert live["audit_log"] == result.tables["audit_log"] + 1  # the backup's own entry, after
    assert result.tables == {**live, "audit_log": live["audit_log"] - 1}
    assert result.tables["transactions"] == 8
    assert list((tmp_path / "b").iterdir()) == [result.path]  # no temporary file left


def test_the_default_folder_is_backups_beside_the_database(small_book: SmallBook) -> None:
    result = backup.create_backup(small_book.db, now=T0)
    assert result.path.parent == db_file(small_book.db).resolve().parent / "backups"


def test_a_backup_holds_what_was_committed_and_not_what_is_in_flight(
        small_book: SmallBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another connection sits in an open write transaction (the app mid-import): the backup
    neither waits for it nor contains its uncommitted rows; its audit entry, which would have
    to wait for that writer, is reported as not written rather than failing the backup."""
    monkeypatch.setattr(engine, "WRITE_WAIT_S", 0.5)
    sb = small_book
    add(sb, "Committed before")
    writer = sqlite3.connect(db_file(sb.db), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO transactions (book_id, account_id, date, amount_minor, "
                   f"currency, payee, description) VALUES ({sb.owner.book_id}, "
                   f"{sb.checking.id}, '2024-04-02', -100, 'EUR', 'In flight', '')")
    result = backup.create_backup(sb.db, tmp_path, now=T0)
    writer.execute("COMMIT")
    writer.close()
    with sqlite3.connect(result.path) as con:
        payees = {r[0] for r in con.execute("SELECT payee FROM transactions")}
    assert "Committed before" in payees
    assert "In flight" not in payees
    assert result.tables["transactions"] == 9
    assert count(db_file(sb.db)) == 10
    assert result.audited is False


def test_a_backup_while_another_process_keeps_writing(small_book: SmallBook,
                                                      tmp_path: Path) -> None:
    """A writer commits rows as fast as it can during three backups: each backup verifies
    (its counts are those of its own snapshot) and holds every row committed before it."""
    sb = small_book
    stop = threading.Event()
    committed: list[int] = []

    def write() -> None:
        con = sqlite3.connect(db_file(sb.db), isolation_level=None, timeout=5)
        n = 0
        while not stop.is_set():
            n += 1
            con.execute("INSERT INTO transactions (book_id, account_id, date, amount_minor, "
                        f"currency, payee, description) VALUES ({sb.owner.book_id}, "
                        f"{sb.checking.id}, '2024-05-01', -{n}, 'EUR', 'w{n}', '')")
            committed.append(n)
        con.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        results = []
        for i in range(3):
            while len(committed) < 50 * (i + 1):
                stop.wait(0.01)
            before = len(committed)
            results.append((before, backup.create_backup(
                sb.db, tmp_path, now=T0 + dt.timedelta(seconds=i))))
    finally:
        stop.set()
        thread.join()
    for before, result in results:
        assert result.tables["transactions"] >= 8 + before
        assert count(result.path) == result.tables["transactions"]
        with sqlite3.connect(result.path) as con:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_failed_verification_leaves_no_file(small_book: SmallBook, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def damaged(path: Path, field_name: str = "file") -> Any:
        raise ValidationError(field_name, "damaged")

    monkeypatch.setattr(backup, "check_sqlite_file", damaged)
    with pytest.raises(ValidationError, match="damaged"):
        backup.create_backup(small_book.db, tmp_path / "b", now=T0)
    assert list((tmp_path / "b").iterdir()) == []


def test_rotation_keeps_the_newest_n_and_nothing_else_is_touched(
        small_book: SmallBook, tmp_path: Path) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "fintrack.db").write_text("not a backup")
    made = [backup.create_backup(small_book.db, folder, keep=3,
                                 now=T0 + dt.timedelta(hours=h)) for h in range(5)]
    assert [p for p, _ in backup.list_backups(folder)] == [r.path for r in made[:1:-1]]
    assert made[-1].removed == [made[1].path]
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "fintrack.db").exists()


@pytest.mark.parametrize("keep", [0, -1])
def test_keep_must_be_positive(small_book: SmallBook, tmp_path: Path, keep: int) -> None:
    with pytest.raises(ValidationError, match="keep"):
        backup.create_backup(small_book.db, tmp_path, keep=keep)
    assert not list(tmp_path.glob("fintrack-*"))


def test_daily_backup_runs_only_when_the_newest_is_old_enough(small_book: SmallBook,
                                                              tmp_path: Path) -> None:
    """A cron job calls ``fintrack backup --if-older-than 24h`` every hour (frozen clock)."""
    day = backup.parse_age("24h")
    first = backup.backup_if_older_than(small_book.db, day, tmp_path, now=T0)
    assert first is not None
    for hours in (1, 12, 23):
        assert backup.backup_if_older_than(small_book.db, day, tmp_path,
                                           now=T0 + dt.timedelta(hours=hours)) is None
    second = backup.backup_if_older_than(small_book.db, day, tmp_path,
                                         now=T0 + dt.timedelta(hours=24))
    assert second is not None
    assert second.path.name == "fintrack-20261201-235958-000000.db"
    assert len(backup.list_backups(tmp_path)) == 2


@pytest.mark.parametrize(("text_", "expected"), [("90m", dt.timedelta(minutes=90)),
                                                 ("24h", dt.timedelta(days=1)),
                                                 ("7d", dt.timedelta(days=7))])
def test_ages(text_: str, expected: dt.timedelta) -> None:
    assert backup.parse_age(text_) == expected


@pytest.mark.parametrize("bad", ["", "24", "1w", "0h", "-1h", "h"])
def test_bad_ages_name_the_option(bad: str) -> None:
    with pytest.raises(ValidationError, match="if-older-than"):
        backup.parse_age(bad)


def cols_of(table: str) -> list[str]:
    return list(Base.metadata.tables[table].c.keys())


def test_restore_round_trip_into_the_live_file(small_book: SmallBook, tmp_path: Path,
                                               snapshot: Callable[..., Any]) -> None:
    """A second engine (a running app) stays open throughout and sees the restored data."""
    sb = small_book
    app = Database(sb.db.url)
    before = snapshot(sb.db)
    made = backup.create_backup(sb.db, tmp_path, now=T0)
    add(sb, "After the backup")
    with sb.db.write() as s:
        s.execute(text("DELETE FROM fx_rates"))
    changed = snapshot(sb.db)

    result = backup.restore_backup(sb.db, made.path, tmp_path,
                                   now=T0 + dt.timedelta(minutes=5))

    after = snapshot(app)
    cols = list(Base.metadata.tables["books"].c.keys())
    moved = [cols.index("data_version"), cols.index("rewrite_version")]

    def steady(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        return [tuple(v for i, v in enumerate(r) if i not in moved) for r in rows]

    assert steady(after.pop("books")) == steady(before.pop("books"))
    restored_log = after.pop("audit_log")
    assert restored_log[:-1] == before.pop("audit_log")
    assert restored_log[-1][cols_of("audit_log").index("action")] == "backup.restore"
    assert after == before
    with app.read() as s:  # report caches keyed on the versions must refresh
        now: dict[int, int] = dict(s.execute(text("SELECT id, data_version FROM books")).all())
    assert all(now[r[0]] > r[moved[0]] for r in changed["books"])
    assert result.safety_backup.path.name.endswith("-pre-restore.db")
    with sqlite3.connect(result.safety_backup.path) as con:
        assert con.execute("SELECT count(*) FROM fx_rates").fetchone() == (0,)
    assert len(changed["transactions"]) == result.safety_backup.tables["transactions"]
    app.dispose()


@pytest.mark.parametrize("kind", ["garbage", "truncated", "not fintrack", "missing",
                                  "newer revision"])
def test_a_bad_file_is_refused_and_nothing_is_lost(small_book: SmallBook, tmp_path: Path,
                                                   snapshot: Callable[..., Any],
                                                   kind: str) -> None:
    sb = small_book
    good = backup.create_backup(sb.db, tmp_path / "b", now=T0).path
    bad = tmp_path / "bad.db"
    if kind == "garbage":
        bad.write_bytes(b"PK\x03\x04 this is a zip, not a database" * 100)
    elif kind == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "not fintrack":
        with sqlite3.connect(bad) as con:
            con.execute("CREATE TABLE notes (x)")
    elif kind == "newer revision":
        bad.write_bytes(good.read_bytes())
        with sqlite3.connect(bad) as con:
            con.execute("UPDATE alembic_version SET version_num = '9999'")
    before = snapshot(sb.db)
    with pytest.raises(ValidationError, match="file") as err:
        backup.restore_backup(sb.db, bad, tmp_path / "b")
    assert "Traceback" not in str(err.value)
    assert snapshot(sb.db) == before
    assert [p for p, _ in backup.list_backups(tmp_path / "b")] == [good]  # no restore began


def test_restoring_a_backup_from_revision_0001_upgrades_it(db: Database,
                                                           tmp_path: Path) -> None:
    old = Database(f"sqlite:///{tmp_path / 'old.db'}")
    expected = build_at_0001(old)
    old.dispose()
    backup.restore_backup(db, tmp_path / "old.db", tmp_path / "b")
    assert current_revision(db) == ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with db.engine.connect() as conn:
        for table, rows in expected.items():
            cols = ", ".join(rows[0])
            got = [dict(r._mapping) for r in conn.execute(
                text(f"SELECT {cols} FROM {table} ORDER BY 1"))]
            assert got == rows, table


def test_only_an_administrator_downloads_the_whole_database(small_book: SmallBook) -> None:
    from fintrack_core.errors import PermissionDenied

    alice, bob = small_book.owner.user_id, small_book.viewer.user_id
    name, data = backup.backup_for_download(small_book.db, alice)
    assert name.startswith("fintrack-")
    assert data.startswith(b"SQLite format 3\x00")
    with pytest.raises(PermissionDenied, match="administrator"):
        backup.backup_for_download(small_book.db, bob)
