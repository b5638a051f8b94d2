"""One book as a documented archive (docs/book_archive.md): a zip with one CSV per table and
a ``manifest.json`` (format version, schema revision, row counts, SHA-256 of every file), and
its import into an empty database with the same ids.

Why the tables are found, not listed: every table of the models with a ``book_id`` column is
book data, so a table added by a later migration is exported without touching this module.
Rows with a NULL ``book_id`` belong to nobody in particular and stay out, unless the table is
in ``SHARED_WHEN_NULL`` (market FX rates, which the book's reports need). Users come along
only when a row of the book refers to them (memberships, ``created_by``...), and only with the
columns in ``USER_COLUMNS``: never a password hash or any other secret a later migration adds
(an owner must not carry other members' hashes away). After an import, every member gets a
new password (``fintrack user passwd NAME --reset``); the book's first owner becomes the
administrator, as the first user of any new install does.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import Connection, Integer, Table, func, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from fintrack_core.access import MANAGE, Scope, check_role
from fintrack_core.backups.archive_csv import decode_row, encode_row, read_csv, write_csv
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Base, Role
from fintrack_core.db.schema import current_revision, known_revisions
from fintrack_core.errors import Conflict, ValidationError
from fintrack_core.ledger.users import NO_PASSWORD

FORMAT = "fintrack-book-archive"
FORMAT_VERSION = 1
USER_COLUMNS = ("id", "username", "name", "email", "settings", "created_at")
SHARED_WHEN_NULL = frozenset({"fx_rates"})
# Derived data the database writes for itself (the report copy's change log): not book data,
# and meaningless in another database, whose copies start from their own full build.
DERIVED = frozenset({"change_log"})
MAX_FILE_BYTES = 4 * 1024**3  # a CSV inside the zip larger than this is refused (zip bomb)


@dataclass(frozen=True)
class ArchiveSummary:
    book_id: int
    book_name: str
    schema_revision: str | None
    tables: dict[str, int]
    users: list[str]  # usernames in the archive (after an import: who needs a password)


def book_tables() -> list[Table]:
    """The tables holding one book's rows, parents before children (from the models)."""
    return [t for t in Base.metadata.sorted_tables
            if ("book_id" in t.c or t.name == "books") and t.name not in DERIVED]


def _user_fks(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "users"]


@contextmanager
def _snapshot(db: Database) -> Iterator[Connection]:
    """One read transaction seeing one state of the database for every table it reads."""
    if db.is_sqlite:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("BEGIN")  # pysqlite would not start one for SELECTs
            try:
                yield conn
            finally:
                conn.rollback()
    else:
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, \
                conn.begin():
            yield conn


def _require_owner(conn: Connection, scope: Scope) -> None:
    """The owner check of ``access.require``, without its version bump (this only reads)."""
    with Session(bind=conn) as s:
        check_role(s, scope, MANAGE)


def _rows(conn: Connection, table: Table, book_id: int) -> list[dict[str, Any]]:
    if table.name == "books":
        where = table.c.id == book_id
    elif table.name in SHARED_WHEN_NULL:
        where = (table.c.book_id == book_id) | table.c.book_id.is_(None)
    else:
        where = table.c.book_id == book_id
    query = select(table).where(where).order_by(*table.primary_key.columns)
    return [dict(r._mapping) for r in conn.execute(query)]


def export_book(scope: Scope, target: IO[bytes]) -> ArchiveSummary:
    """Write the scope's book as a zip archive to ``target``. Owners only."""
    with _snapshot(scope.db) as conn:
        _require_owner(conn, scope)
        data = {t.name: (t, _rows(conn, t, scope.book_id)) for t in book_tables()}
        user_ids = sorted({r[c] for t, rows in data.values() for c in _user_fks(t)
                           for r in rows if r[c] is not None})
        users_t = Base.metadata.tables["users"]
        user_rows = [dict(r._mapping) for r in conn.execute(
            select(*[users_t.c[c] for c in USER_COLUMNS]).where(users_t.c.id.in_(user_ids))
            .order_by(users_t.c.id))]
        revision = conn.execute(sql_text("SELECT version_num FROM alembic_version")).scalar()
    files: dict[str, tuple[Table, list[str], list[dict[str, Any]]]] = {
        "users": (users_t, list(USER_COLUMNS), user_rows)}
    for name, (table, rows) in data.items():
        files[name] = (table, [c.name for c in table.c], rows)
    manifest: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": revision,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "book": {"id": scope.book_id, "name": data["books"][1][0]["name"]}, "tables": {}}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (table, columns, rows) in files.items():
            body = write_csv(columns, (encode_row(table, columns, r) for r in rows))
            zf.writestr(f"{name}.csv", body)
            manifest["tables"][name] = {"file": f"{name}.csv", "columns": columns,
                                        "rows": len(rows),
                                        "sha256": hashlib.sha256(body).hexdigest()}
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return ArchiveSummary(scope.book_id, manifest["book"]["name"], revision,
                          {n: t["rows"] for n, t in manifest["tables"].items()},
                          [u["username"] for u in user_rows])


# --- import -----------------------------------------------------------------------------


def _bad(message: str) -> ValidationError:
    return ValidationError("archive", message)


def read_archive(source: IO[bytes]) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Open and check an archive: manifest, checksums, row counts, columns. Nothing is
    written; a damaged or foreign file raises ``ValidationError`` naming what is wrong."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _bad(f"not a zip file ({exc})") from None
    with zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except KeyError:
            raise _bad("manifest.json is missing: not a FinTrack book archive") from None
        except (ValueError, zipfile.BadZipFile) as exc:
            raise _bad(f"manifest.json is unreadable ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise _bad("manifest.json is not a FinTrack book archive's")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise _bad(f"format version {manifest.get('format_version')!r} is not "
                       f"{FORMAT_VERSION} (made by a newer FinTrack?)")
        if manifest.get("schema_revision") not in known_revisions():
            raise _bad(f"schema revision {manifest.get('schema_revision')!r} is unknown to "
                       "this FinTrack (made by a newer version?)")
        entries = manifest.get("tables")
        if not isinstance(entries, dict) or "books" not in entries or "users" not in entries:
            raise _bad("manifest.json lists no books or users table")
        return manifest, {name: _read_table(zf, name, entry) for name, entry in entries.items()}


def _read_table(zf: zipfile.ZipFile, name: str, entry: Any) -> list[dict[str, Any]]:
    table = Base.metadata.tables.get(name)
    if table is None or not isinstance(entry, dict):
        raise _bad(f"table {name!r} does not exist in this FinTrack")
    columns = entry.get("columns") or []
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise _bad(f"{name}: columns {unknown} do not exist in this FinTrack")
    try:
        info = zf.getinfo(entry["file"])
        if info.file_size > MAX_FILE_BYTES:
            raise _bad(f"{entry['file']} is larger than {MAX_FILE_BYTES} bytes")
        body = zf.read(info)
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise _bad(f"{name}: file {entry.get('file')!r} is missing or damaged ({exc})") from None
    if hashlib.sha256(body).hexdigest() != entry.get("sha256"):
        raise _bad(f"{entry['file']}: checksum does not match the manifest (damaged file)")
    header, cells = read_csv(body, entry["file"])
    if header != columns:
        raise _bad(f"{entry['file']}: header {header} differs from the manifest's columns")
    try:
        rows = [decode_row(table, columns, line, f"{entry['file']} row {n}")
                for n, line in enumerate(cells, start=1)]
    except csv.Error as exc:
        raise _bad(f"{entry['file']}: not valid CSV ({exc})") from None
    if len(rows) != entry.get("rows"):
        raise _bad(f"{entry['file']}: {len(rows)} rows, the manifest says {entry.get('rows')}")
    return rows


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a self-referencing table (categories) ordered so each parent comes first."""
    selfref = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not selfref:
        return rows
    pk = next(iter(table.primary_key.columns)).name
    done: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        ready = [r for r in pending if all(r.get(c) in (None, *done) for c in selfref)]
        if not ready:
            raise _bad(f"{table.name}: rows refer to parents that are not in the archive")
        ordered += ready
        done |= {r[pk] for r in ready}
        pending = [r for r in pending if r[pk] not in done]
    return ordered


def _is_empty(conn: Connection) -> bool:
    return all(conn.execute(select(func.count()).select_from(t)).scalar() == 0
               for t in Base.metadata.sorted_tables)


def import_book(db: Database, source: IO[bytes]) -> ArchiveSummary:
    """Load an archive into an *empty* database, with the archive's ids (so the book is
    reproduced exactly, references and all). All of it or nothing."""
    manifest, tables = read_archive(source)
    users = tables.pop("users")
    owners = sorted(r["user_id"] for r in tables.get("memberships", [])
                    if str(r["role"]) == Role.OWNER.value)
    for user in users:
        # Nobody knows this password: each member gets a new one from the administrator.
        user["password_hash"] = NO_PASSWORD
        user["is_admin"] = bool(owners) and user["id"] == owners[0]
    with db.engine.begin() as conn:
        if not _is_empty(conn):
            raise Conflict("the database is not empty: a book archive is imported into a new, "
                           "empty database (set FINTRACK_DATABASE_URL to a new file)")
        _insert(conn, Base.metadata.tables["users"], users)
        for table in book_tables():
            _insert(conn, table, _parents_first(table, tables.get(table.name, [])))
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, ["users", *[t.name for t in book_tables()]])
    counts = {"users": len(users), **{n: len(r) for n, r in tables.items()}}
    return ArchiveSummary(manifest["book"]["id"], manifest["book"]["name"],
                          current_revision(db), counts, [u["username"] for u in users])


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def _reset_sequences(conn: Connection, names: Iterable[str]) -> None:
    """Rows came in with their ids: move each id sequence past them (PostgreSQL)."""
    for name in names:
        table = Base.metadata.tables[name]
        if "id" not in table.c or not isinstance(table.c.id.type, Integer):
            continue
        conn.execute(sql_text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
            f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {name}"))

