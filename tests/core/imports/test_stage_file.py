"""A large import on SQLite hands its rows over as a file DuckDB writes (``imports.stage_file``)
and SQLite moves them in: the rows land exactly as the bound rows do, the file never outlives
the import, no pooled connection keeps it attached, a failure half-way leaves nothing, and
when the file cannot be written the import binds its rows instead.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from sqlalchemy import text

from fintrack_core.errors import Conflict
from fintrack_core.imports import batch_write, stage_file
from fintrack_core.imports.bank_ids import stored_duplicates
from fintrack_core.imports.service import import_statement
from fintrack_core.ledger import accounts
from fintrack_core.ledger.categories import list_categories
from fintrack_core.rules.service import Action, Condition, RuleSpec, create_rule

STATEMENT = ("Date,Payee,Description,Amount,Reference\n"
             "2024-03-05,Bakery,,-3.20,\n"
             "2024-03-01,REWE,Weekly shop,-54.10,R1\n"
             "2024-03-05,Bakery,,-3.20,\n"
             "2024-03-02,Employer,Salary March,2500.00,\n"
             "2024-02-28,Café Müller,\"Kaffee, Kuchen\",-7.45,R2\n"
             "2024-03-03,REWE,Weekly shop,-61.00,\n").encode()
# Everything but the ids and the fingerprint (which hashes the account in: the two accounts'
# differ) is compared; the fingerprint by its type and length.
STORED = ("SELECT date, typeof(date), amount_minor, typeof(amount_minor), currency, payee, "
          "description, category_id, typeof(category_id), tags, typeof(fingerprint), "
          "length(fingerprint), external_id, "
          "typeof(external_id), transfer_id, book_id, notes, scheduled FROM transactions "
          "WHERE account_id = :a ORDER BY id")


def stored(book: Any, account_id: int) -> list[tuple[Any, ...]]:
    with book.db.read() as s:
        return [tuple(r) for r in s.execute(text(STORED), {"a": account_id})]


@pytest.fixture
def two_accounts(small_book: Any) -> tuple[int, int]:
    """Two empty accounts and a rule that files REWE under Groceries with a tag."""
    groceries = next(c.id for c in list_categories(small_book.owner) if c.name == "Groceries")
    create_rule(small_book.owner, RuleSpec(name="REWE", conditions=(
        Condition("payee", "contains", "REWE"),), actions=(
        Action("set_category", groceries), Action("add_tags", "weekly"))))
    made = [accounts.create_account(small_book.owner, name, "checking", "EUR", "0",
                                    dt.date(2024, 1, 1)).id for name in ("Bound", "Staged")]
    return made[0], made[1]


@pytest.fixture
def stage_folders(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The private folders the stage files were written in."""
    made: list[Path] = []
    real = tempfile.mkdtemp

    def recording(*args: Any, **kwargs: Any) -> str:
        folder = str(real(*args, **kwargs))
        made.append(Path(folder))
        return folder

    monkeypatch.setattr(tempfile, "mkdtemp", recording)
    return made


def attached_files(book: Any) -> list[str]:
    """Databases attached on every pooled connection (``main`` and ``temp`` aside)."""
    with book.db.engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        return [r[1] for r in driver.execute("PRAGMA database_list") if r[1] not in
                ("main", "temp")]


def test_staged_rows_land_exactly_as_bound_rows(
        small_book: Any, two_accounts: tuple[int, int], stage_folders: list[Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    bound, staged = two_accounts
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 10**9)
    import_statement(small_book.owner, STATEMENT, "march.csv", [bound])
    assert stage_folders == []
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 1)

    result = import_statement(small_book.owner, STATEMENT, "march.csv", [staged])

    assert result.imported == 6
    assert len(stage_folders) == 1
    rows = stored(small_book, staged)
    assert rows == stored(small_book, bound)
    assert [r[0] for r in rows] == ["2024-02-28", "2024-03-01", "2024-03-02", "2024-03-03",
                                    "2024-03-05", "2024-03-05"]  # insert order: by date
    assert rows[0][1:8] == ("text", -745, "integer", "EUR", "Café Müller", "Kaffee, Kuchen",
                            None)
    assert rows[1][9] == ",weekly,"  # the rule's tag, and its category as an integer
    assert rows[1][8] == "integer"
    assert not stage_folders[0].exists()  # the file and its folder are gone
    assert attached_files(small_book) == []


def test_a_failure_half_way_through_the_move_leaves_nothing(
        small_book: Any, two_accounts: tuple[int, int], stage_folders: list[Path],
        snapshot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    _, staged = two_accounts
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 1)
    monkeypatch.setattr(batch_write, "INSERT_CHUNK", 2)
    before = snapshot(small_book.db)

    def fail_after_first_chunk(phase: str, done: int, total: int) -> None:
        if phase == "writing" and done == 2:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        import_statement(small_book.owner, STATEMENT, "march.csv", [staged],
                         progress=fail_after_first_chunk)

    assert snapshot(small_book.db) == before
    assert not stage_folders[0].exists()
    assert attached_files(small_book) == []
    again = import_statement(small_book.owner, STATEMENT, "march.csv", [staged])
    assert (again.imported, again.duplicates) == (6, 0)


def test_when_duckdb_cannot_write_the_file_the_rows_are_bound_instead(
        small_book: Any, two_accounts: tuple[int, int], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    bound, staged = two_accounts
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 10**9)
    import_statement(small_book.owner, STATEMENT, "march.csv", [bound])
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 1)

    def disk_full(path: Path, frame: Any) -> None:
        raise duckdb.IOException("No space left on device")

    monkeypatch.setattr(stage_file, "_write", disk_full)

    result = import_statement(small_book.owner, STATEMENT, "march.csv", [staged])

    assert result.imported == 6
    assert stored(small_book, staged) == stored(small_book, bound)
    assert "binding the rows instead" in caplog.text


def test_rows_that_landed_meanwhile_are_left_out_of_a_staged_import(
        small_book: Any, two_accounts: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Another import committed some of the same rows between the preview and the write
    lock: the rows still to add are bound, and the file (which holds all of them) unused."""
    _, staged = two_accounts
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 1)
    real_write = batch_write._write_batch
    first_two = b"".join(STATEMENT.splitlines(keepends=True)[:3])

    def other_import_first(*args: Any) -> Any:
        monkeypatch.setattr(batch_write, "_write_batch", real_write)
        import_statement(small_book.owner, first_two, "part.csv", [staged])
        return real_write(*args)

    monkeypatch.setattr(batch_write, "_write_batch", other_import_first)

    result = import_statement(small_book.owner, STATEMENT, "march.csv", [staged])

    payees = [r[5] for r in stored(small_book, staged)]
    assert sorted(payees) == sorted(["Bakery", "REWE", "Bakery", "Employer", "Café Müller",
                                     "REWE"])
    assert (result.imported, result.duplicates) == (4, 2)


def test_a_staged_import_leaves_the_log_checkpoint_to_a_thread_and_restores_the_default(
        small_book: Any, two_accounts: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    _, staged = two_accounts
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 1)
    started: list[str] = []
    monkeypatch.setattr(type(small_book.db), "checkpoint_later",
                        lambda db: started.append(db.url))

    import_statement(small_book.owner, STATEMENT, "march.csv", [staged])

    assert started == [small_book.db.url]
    with small_book.db.engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        assert driver.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)


def test_after_a_staged_import_a_thread_copies_the_new_rows_into_the_database_file(
        small_book: Any, two_accounts: tuple[int, int], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    _, staged = two_accounts
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 1)

    import_statement(small_book.owner, STATEMENT, "march.csv", [staged])
    for thread in threading.enumerate():
        if thread.name == "fintrack-checkpoint":
            thread.join(10)

    # The database file alone, without its write-ahead log, already holds the rows.
    main_file = Path(small_book.db.engine.url.database or "")
    alone = tmp_path / "alone.db"
    shutil.copyfile(main_file, alone)
    with sqlite3.connect(alone) as copy:
        count = copy.execute("SELECT count(*) FROM transactions WHERE account_id = ?",
                             (staged,)).fetchone()
    assert count == (6,)


def _wait_for_writer_thread() -> None:
    for thread in threading.enumerate():
        if thread.name == "fintrack-stage-writer":
            thread.join(30)


def test_a_large_file_gets_its_stage_writer_ready_while_it_is_read_and_the_write_uses_it(
        small_book: Any, two_accounts: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    _, staged = two_accounts
    monkeypatch.setattr(stage_file, "_ready", [])
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 1)
    monkeypatch.setattr(batch_write, "STAGE_PREPARE_MIN_BYTES", len(STATEMENT))
    made: list[duckdb.DuckDBPyConnection] = []
    real_writer = stage_file._writer

    def counting() -> duckdb.DuckDBPyConnection:
        made.append(real_writer())
        return made[-1]

    monkeypatch.setattr(stage_file, "_writer", counting)
    stage_file.prepare_writer()
    _wait_for_writer_thread()
    assert len(made) == 1  # loaded ahead, waiting
    assert stage_file._ready == made

    result = import_statement(small_book.owner, STATEMENT, "march.csv", [staged])

    assert result.imported == 6
    _wait_for_writer_thread()
    assert len(made) == 1  # the import's write used the writer made ahead: none made since
    assert stage_file._ready == []


def test_a_writer_that_could_not_be_made_ahead_leaves_the_import_to_make_its_own(
        small_book: Any, two_accounts: tuple[int, int], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    _, staged = two_accounts
    monkeypatch.setattr(stage_file, "_ready", [])
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 1)
    real_writer = stage_file._writer

    def no_extension() -> duckdb.DuckDBPyConnection:
        raise RuntimeError("duckdb-extension-sqlite_scanner is not installed")

    monkeypatch.setattr(stage_file, "_writer", no_extension)
    caplog.set_level("INFO", logger="fintrack_core.imports.stage_file")
    stage_file.prepare_writer()
    _wait_for_writer_thread()
    assert stage_file._ready == []
    assert "not prepared ahead" in caplog.text
    monkeypatch.setattr(stage_file, "_writer", real_writer)

    result = import_statement(small_book.owner, STATEMENT, "march.csv", [staged])

    assert result.imported == 6


def test_a_dry_run_or_a_small_file_prepares_no_writer(
        small_book: Any, two_accounts: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    _, staged = two_accounts
    monkeypatch.setattr(stage_file, "_ready", [])
    asked: list[int] = []
    monkeypatch.setattr(batch_write, "prepare_writer", lambda: asked.append(1))
    monkeypatch.setattr(batch_write, "STAGE_PREPARE_MIN_BYTES", len(STATEMENT))
    import_statement(small_book.owner, STATEMENT, "march.csv", [staged], dry_run=True)
    assert asked == []
    monkeypatch.setattr(batch_write, "STAGE_PREPARE_MIN_BYTES", len(STATEMENT) + 1)
    import_statement(small_book.owner, STATEMENT, "march.csv", [staged])
    assert asked == []


def pooled_foreign_keys(book: Any) -> list[int]:
    """``PRAGMA foreign_keys`` of every connection the pool hands out now (1: on)."""
    conns = [book.db.engine.connect() for _ in range(3)]
    try:
        return [c.exec_driver_sql("PRAGMA foreign_keys").scalar() for c in conns]
    finally:
        for c in conns:
            c.close()


def test_a_staged_import_checks_each_key_once_and_hands_connections_back_with_keys_on(
        small_book: Any, two_accounts: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    _, staged = two_accounts
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 1)
    checked: list[int] = []
    real_check = batch_write._check_keys

    def counting(s: Any, book_id: int, frame: Any) -> None:
        fk = s.connection().exec_driver_sql("PRAGMA foreign_keys").scalar()
        checked.append(fk)
        real_check(s, book_id, frame)

    monkeypatch.setattr(batch_write, "_check_keys", counting)

    result = import_statement(small_book.owner, STATEMENT, "march.csv", [staged])

    assert result.imported == 6
    assert checked == [0]  # the staged write ran with SQLite's per-row checks off ...
    assert pooled_foreign_keys(small_book) == [1, 1, 1]  # ... and only there


def test_a_category_deleted_while_a_staged_import_waits_stops_it_and_stores_nothing(
        small_book: Any, two_accounts: tuple[int, int], snapshot: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The REWE rule files two rows under Groceries; Groceries goes (with the rule) after the
    preview, before the write: the keys check says so, as the foreign keys would have."""
    _, staged = two_accounts
    monkeypatch.setattr(batch_write, "STAGE_FILE_MIN_ROWS", 1)
    groceries = next(c.id for c in list_categories(small_book.owner) if c.name == "Groceries")

    def delete_groceries_first(s: Any, book_id: int, frame: Any) -> Any:
        conn = s.connection()
        for table in ("rules", "budgets", "transactions"):  # what still names it
            if table == "transactions":
                conn.exec_driver_sql("UPDATE transactions SET category_id = NULL "
                                     "WHERE category_id = ?", (groceries,))
            else:
                conn.exec_driver_sql(f"DELETE FROM {table} WHERE book_id = ?", (book_id,))
        conn.exec_driver_sql("DELETE FROM categories WHERE id = ?", (groceries,))
        return stored_duplicates(s, book_id, frame)

    monkeypatch.setattr(batch_write, "stored_duplicates", delete_groceries_first)
    before = snapshot(small_book.db)

    with pytest.raises(Conflict, match=f"category with id {groceries} was deleted"):
        import_statement(small_book.owner, STATEMENT, "march.csv", [staged])

    assert snapshot(small_book.db) == before  # the deletes rolled back with the import
    assert pooled_foreign_keys(small_book) == [1, 1, 1]


def test_another_books_category_is_refused_by_the_keys_check(
        small_book: Any, two_accounts: tuple[int, int]) -> None:
    _, staged = two_accounts
    carols = next(c.id for c in list_categories(small_book.other))
    frame = pd.DataFrame({"account_id": [staged, staged], "category_id": [carols, None]})
    with small_book.db.write() as s, pytest.raises(Conflict, match=f"category with id {carols}"):
        batch_write._check_keys(s, small_book.owner.book_id, frame)


def test_foreign_keys_are_switched_off_only_on_a_connection_held_for_it(small_book: Any) -> None:
    with pytest.raises(ValueError, match="needs attach"), \
            small_book.db.write(foreign_keys=False):
        pass
