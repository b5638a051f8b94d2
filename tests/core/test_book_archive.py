"""A book as a zip archive (docs/book_archive.md) and back into an empty database, exactly:
every table of the book row by row, ids included; damaged archives are refused with nothing
written; only owners export, and an archive holds nothing of another book."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import ForeignKey, select, text

from fintrack_core.backups import archive
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Base
from fintrack_core.db.schema import current_revision, upgrade
from fintrack_core.errors import Conflict, PermissionDenied, ValidationError
from fintrack_core.imports import service as imports
from fintrack_core.ledger import users

if TYPE_CHECKING:
    from tests.conftest import SmallBook

Snapshot = dict[str, list[tuple[object, ...]]]
HOSTILE = ["\\N", "\\", "\\\\N", "", "line\nbreak\r\nand \"quotes\", commas",
           "=HYPERLINK(\"x\")", "Ünïcödé € ¥ 🙂", "\t tab"]


def export(sb: SmallBook) -> bytes:
    buf = io.BytesIO()
    archive.export_book(sb.owner, buf)
    return buf.getvalue()


def book_rows(db: Database, book_id: int) -> Snapshot:
    """What the archive promises: every book table's rows of this book (+ shared FX rates),
    and the members' non-secret user columns."""
    out: Snapshot = {}
    with db.read() as s:
        for table in archive.book_tables():
            where = table.c.id == book_id if table.name == "books" else (
                table.c.book_id == book_id)
            if table.name in archive.SHARED_WHEN_NULL:
                where = where | table.c.book_id.is_(None)
            out[table.name] = [tuple(r) for r in s.execute(
                select(table).where(where).order_by(*table.primary_key.columns))]
        u = Base.metadata.tables["users"]
        member_ids = [r[0] for r in out["memberships"]]
        out["users"] = [tuple(r) for r in s.execute(
            select(*[u.c[c] for c in archive.USER_COLUMNS]).where(u.c.id.in_(member_ids))
            .order_by(u.c.id))]
    return out


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Database]:
    """A second, migrated and empty database file (``db`` holds the small book)."""
    target = Database(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(target)
    yield target
    target.dispose()


@pytest.fixture
def rich_book(small_book: SmallBook) -> SmallBook:
    """The small book plus an import batch, a rule, a shared market rate and hostile text."""
    sb = small_book
    imports.import_statement(sb.owner, b"Date,Description,Amount\n2024-03-20,Kiosk,-3.20\n",
                             "march.csv", [sb.checking.id])
    with sb.db.write() as s:
        s.execute(text("INSERT INTO fx_rates (book_id, base, quote, date, rate, source) "
                       "VALUES (NULL, 'USD', 'JPY', '2024-01-02', '151.123456789', 'ecb')"))
        for i, value in enumerate(HOSTILE):
            s.execute(text(
                "INSERT INTO transactions (book_id, account_id, date, amount_minor, currency, "
                "payee, description, notes, tags, fingerprint, transfer_id) VALUES "
                "(:b, :a, '2024-03-25', :amt, 'EUR', :v, :v, :v, '', :fp, NULL)"),
                {"b": sb.owner.book_id, "a": sb.checking.id, "amt": -(10 ** (i + 6)),
                 "v": value, "fp": "" if i % 2 else None})
    return sb


def test_round_trip_into_an_empty_database_is_exact(rich_book: SmallBook,
                                                    empty: Database) -> None:
    sb = rich_book
    data = export(sb)
    target = empty
    summary = archive.import_book(target, io.BytesIO(data))
    assert book_rows(target, sb.owner.book_id) == book_rows(sb.db, sb.owner.book_id)
    assert summary.users == ["alice", "bob"]
    with target.read() as s:  # Carol (another book) did not come along
        assert s.execute(text("SELECT username FROM users ORDER BY id")).scalars().all() == [
            "alice", "bob"]


def test_after_an_import_members_set_new_passwords_and_the_owner_administers(
        rich_book: SmallBook, empty: Database) -> None:
    """Password hashes never leave in an archive: nobody can log in until given a new one."""
    archive.import_book(empty, io.BytesIO(export(rich_book)))
    assert users.authenticate(empty, "alice", "alice-secret") is None
    alice = users.get_user(empty, "alice")
    assert alice.is_admin
    assert not users.get_user(empty, "bob").is_admin
    users.reset_password(empty, alice.id, "bob", "tulip-field-77")
    assert users.authenticate(empty, "bob", "tulip-field-77") is not None


def test_the_manifest_describes_every_file(rich_book: SmallBook) -> None:
    zf = zipfile.ZipFile(io.BytesIO(export(rich_book)))
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "fintrack-book-archive"
    assert manifest["format_version"] == 1
    assert manifest["schema_revision"] == current_revision(rich_book.db)
    assert manifest["book"] == {"id": rich_book.owner.book_id, "name": "Alice's book"}
    expected_tables = {t.name for t in archive.book_tables()} | {"users"}
    assert set(manifest["tables"]) == expected_tables
    assert sorted(zf.namelist()) == sorted([f"{t}.csv" for t in expected_tables]
                                           + ["manifest.json"])
    for entry in manifest["tables"].values():
        body = zf.read(entry["file"])
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
        assert body.decode().splitlines()[0] == ",".join(entry["columns"])
    assert "password_hash" not in manifest["tables"]["users"]["columns"]
    assert b"$2b$" not in zf.read("users.csv")
    # the small book's 7, the imported kiosk row, the hostile ones
    assert manifest["tables"]["transactions"]["rows"] == 7 + 1 + len(HOSTILE)
    assert manifest["tables"]["fx_rates"]["rows"] == 2  # the book's rate and the shared one


def test_money_is_integer_minor_units_and_null_is_backslash_n(rich_book: SmallBook) -> None:
    zf = zipfile.ZipFile(io.BytesIO(export(rich_book)))
    rows = list(csv.DictReader(io.StringIO(zf.read("transactions.csv").decode(), newline="")))
    rewe = next(r for r in rows if r["payee"] == "REWE")
    assert (rewe["amount_minor"], rewe["currency"], rewe["transfer_id"]) == ("-6437", "EUR",
                                                                              "\\N")
    literal = next(r for r in rows if r["amount_minor"] == "-1000000")  # HOSTILE[0]
    assert literal["payee"] == "\\\\N"  # the text \N, escaped: not NULL
    assert (literal["category_id"], literal["fingerprint"]) == ("\\N", "\\N")
    empty = next(r for r in rows if r["amount_minor"] == "-10000000")  # HOSTILE[1]
    assert (empty["payee"], empty["fingerprint"]) == ("\\\\", "")  # text \ and ''


def test_another_books_archive_holds_nothing_of_this_book(small_book: SmallBook) -> None:
    buf = io.BytesIO()
    archive.export_book(small_book.other, buf)
    zf = zipfile.ZipFile(buf)
    everything = b"".join(zf.read(n) for n in zf.namelist())
    for marker in (b"Girokonto", b"REWE", b"alice", b"Landlord", b"1.10"):
        assert marker not in everything
    assert b"Carol checking" in everything


@pytest.mark.parametrize("who", ["viewer", "other"])
def test_only_owners_export(small_book: SmallBook, who: str) -> None:
    scope = small_book.viewer
    if who == "other":  # Carol with Alice's book id
        scope = type(scope)(small_book.db, small_book.other.user_id, small_book.owner.book_id)
    with pytest.raises(PermissionDenied):
        archive.export_book(scope, io.BytesIO())


def test_a_database_with_data_is_refused(rich_book: SmallBook,
                                         snapshot: Callable[..., Any]) -> None:
    before = snapshot(rich_book.db)
    with pytest.raises(Conflict, match="not empty"):
        archive.import_book(rich_book.db, io.BytesIO(export(rich_book)))
    assert snapshot(rich_book.db) == before


def _rewrite(data: bytes, change: Callable[[dict[str, bytes]], object]) -> bytes:
    zf = zipfile.ZipFile(io.BytesIO(data))
    files = {n: zf.read(n) for n in zf.namelist()}
    change(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as new:
        for name, body in files.items():
            new.writestr(name, body)
    return out.getvalue()


def _manifest(files: dict[str, bytes], **changes: Any) -> None:
    manifest = json.loads(files["manifest.json"])
    manifest.update(changes)
    files["manifest.json"] = json.dumps(manifest).encode()


def _edit_csv(files: dict[str, bytes]) -> None:
    files["transactions.csv"] = files["transactions.csv"].replace(b"-6437", b"-6438")


def _drop_row(files: dict[str, bytes]) -> None:
    body = files["accounts.csv"].splitlines(keepends=True)
    files["accounts.csv"] = b"".join(body[:-1])
    manifest = json.loads(files["manifest.json"])
    manifest["tables"]["accounts"]["sha256"] = hashlib.sha256(files["accounts.csv"]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()


def _unknown_column(files: dict[str, bytes]) -> None:
    manifest = json.loads(files["manifest.json"])
    manifest["tables"]["accounts"]["columns"].append("iban")
    files["manifest.json"] = json.dumps(manifest).encode()


DAMAGE: dict[str, Callable[[dict[str, bytes]], object]] = {
    "checksum": _edit_csv,
    "row count": _drop_row,
    "unknown column": _unknown_column,
    "newer revision": lambda f: _manifest(f, schema_revision="9999"),
    "newer format": lambda f: _manifest(f, format_version=2),
    "foreign zip": lambda f: f.pop("manifest.json"),
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=str)
def test_a_damaged_archive_is_refused_and_nothing_is_written(
        rich_book: SmallBook, empty: Database, damage: str,
        snapshot: Callable[..., Any]) -> None:
    data = _rewrite(export(rich_book), DAMAGE[damage])
    before = snapshot(empty)
    with pytest.raises(ValidationError, match="archive"):
        archive.import_book(empty, io.BytesIO(data))
    assert snapshot(empty) == before


def test_not_a_zip_file_is_refused(db: Database) -> None:
    with pytest.raises(ValidationError, match="not a zip file"):
        archive.import_book(db, io.BytesIO(b"SQLite format 3\x00"))


def test_every_table_holding_book_data_carries_book_id() -> None:
    """A future table pointing at book data without its own book_id would be left out of
    archives silently: it must carry book_id (DESIGN.md boundary 2) and so be exported."""
    book = {t.name for t in archive.book_tables()}
    for table in Base.metadata.sorted_tables:
        if table.name in book or table.name == "users":
            continue
        refs: set[ForeignKey] = set(table.foreign_keys)
        assert not {fk.column.table.name for fk in refs} & book, table.name


def test_import_into_a_fresh_file_gives_working_services(rich_book: SmallBook,
                                                         empty: Database) -> None:
    from fintrack_core.access import Scope
    from fintrack_core.ledger import accounts, transactions

    archive.import_book(empty, io.BytesIO(export(rich_book)))
    scope = Scope(empty, rich_book.owner.user_id, rich_book.owner.book_id)
    assert accounts.balances(scope) == accounts.balances(rich_book.owner)
    new = transactions.add_transaction(scope, transactions.TransactionInput(
        rich_book.checking.id, dt.date(2024, 4, 1), "-1.00", "After import"))
    assert new.id > 0
