"""Whole-database backups: made while the app runs, verified, written atomically, rotated; and
restores that keep a backup of what they replace.

Why these mechanics:

* SQLite: the online backup API of Python's own ``sqlite3`` (the same library SQLAlchemy uses,
  so no second SQLite library ever touches the live file — see STACK_NOTES). The copy is made
  inside one read transaction on the source; the row counts of every table are taken in that
  same transaction, so they describe exactly the snapshot the copy holds, while other
  connections keep writing (WAL: readers never block writers).
* PostgreSQL: ``pg_dump -Fc`` on a snapshot exported from our own transaction, whose counts
  are compared with the COPY data inside the dump (see ``backup_pg``).
* Every backup is written under a hidden temporary name and renamed into place only once it
  has been verified, so a crash or a full disk never leaves a file that looks like a backup.
* The table list is read from the database itself (not hard-coded): a table added by a later
  migration is backed up and counted without touching this module.

Names are ``fintrack-YYYYMMDD-HHMMSS-ffffff[-label].db`` (``.dump`` for PostgreSQL), UTC, so
sorting by name is sorting by age; rotation only ever deletes files matching that pattern.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import update

from fintrack_core.audit import log_event
from fintrack_core.db.engine import DEFAULT_DB_PATH, Database
from fintrack_core.db.models import Book, User
from fintrack_core.db.schema import known_revisions, upgrade
from fintrack_core.errors import Busy, FinTrackError, PermissionDenied, ValidationError

PREFIX = "fintrack-"
STAMP = "%Y%m%d-%H%M%S-%f"
NAME_RE = re.compile(r"^fintrack-(\d{8}-\d{6}-\d{6})(?:-[a-z0-9-]+)?\.(db|dump)$")
AGE_RE = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
BUSY_TIMEOUT_MS = 5000


class BackupError(FinTrackError):
    """A backup could not be made or did not verify; nothing was written in its place."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    created_at: dt.datetime  # UTC
    tables: dict[str, int]  # row count of every table, as verified in the copy
    size: int
    removed: list[Path] = field(default_factory=list)  # older backups removed by rotation
    audited: bool = True  # False: the audit entry waited too long for another writer


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    safety_backup: BackupResult  # the database as it was just before the restore
    revision_in_file: str
    revision_now: str | None
    tables: dict[str, int]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


log = logging.getLogger("fintrack.backup")


def _audit(db: Database, action: str, actor_id: int | None, **details: object) -> bool:
    """The single place where backups and restores are recorded in the audit log.

    Its own transaction, after the fact: a backup writes nothing else, and a restore has just
    replaced the audit log itself, so the entry must go into the restored database. Without
    an acting user (the machine's operator at the command line) the actor reads "operator".
    A backup taken while a long import holds the write lock is still a good backup: when the
    entry cannot be written within the write wait, that is logged and returned (False) for
    the caller to say, instead of failing the backup it describes.
    """
    try:
        log_event(db, action, actor_id=actor_id,
                  actor_name=None if actor_id else "operator", detail=dict(details))
    except Busy as exc:
        log.warning("audit entry %s not written: %s (%s)", action, exc, details)
        return False
    return True


# --- names, folders, rotation -----------------------------------------------------------


def sqlite_path(db: Database) -> Path:
    name = db.engine.url.database
    if not db.is_sqlite or not name or name == ":memory:":
        raise BackupError("only a database file (or PostgreSQL) can be backed up")
    return Path(name)


def default_backup_dir(db: Database) -> Path:
    """``backups/`` beside the SQLite file; ``data/backups`` for a PostgreSQL database."""
    if db.is_sqlite:
        return sqlite_path(db).resolve().parent / "backups"
    return DEFAULT_DB_PATH.parent.resolve() / "backups"


def backup_name(when: dt.datetime, suffix: str, label: str = "") -> str:
    stamp = when.astimezone(dt.UTC).strftime(STAMP)
    return f"{PREFIX}{stamp}{'-' + label if label else ''}.{suffix}"


def list_backups(folder: Path) -> list[tuple[Path, dt.datetime]]:
    """FinTrack backups in ``folder``, newest first (other files are never listed)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        m = NAME_RE.match(path.name)
        if m and path.is_file():
            when = dt.datetime.strptime(m.group(1), STAMP).replace(tzinfo=dt.UTC)
            found.append((path, when))
    return sorted(found, key=lambda item: (item[1], item[0].name), reverse=True)


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups; return what was deleted."""
    if keep < 1:
        raise ValidationError("keep", "must be at least 1 (the backup just made)")
    removed = []
    for path, _ in list_backups(folder)[keep:]:
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def parse_age(text: str) -> dt.timedelta:
    """``90m``, ``24h``, ``7d`` -> a timedelta (the ``--if-older-than`` option)."""
    m = AGE_RE.match(text or "")
    if not m or int(m.group(1)) == 0:
        raise ValidationError("if-older-than", f"{text!r} is not an age like 90m, 24h or 7d")
    return dt.timedelta(**{AGE_UNITS[m.group(2)]: int(m.group(1))})


# --- SQLite -----------------------------------------------------------------------------


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                              isolation_level=None)
    else:
        con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return con


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_counts(con: sqlite3.Connection) -> dict[str, int]:
    """Row count of every table in the database (read from sqlite_master, not a fixed list)."""
    names = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {n: con.execute(f"SELECT count(*) FROM {_quote(n)}").fetchone()[0]  # noqa: S608
            for n in names}


def check_sqlite_file(path: Path, field_name: str = "file") -> tuple[dict[str, int], str]:
    """Verify a SQLite backup file: a database, intact, a FinTrack schema of a known revision.

    Returns (row counts, schema revision); raises ``ValidationError`` naming the file.
    """
    if not path.is_file():
        raise ValidationError(field_name, f"{path} does not exist")
    try:
        with closing(_connect(path, read_only=True)) as con:
            check = [r[0] for r in con.execute("PRAGMA integrity_check")]
            if check != ["ok"]:
                raise ValidationError(field_name, f"{path} is damaged: {'; '.join(check[:3])}")
            counts = table_counts(con)
            if "alembic_version" not in counts or "books" not in counts:
                raise ValidationError(field_name, f"{path} is not a FinTrack database")
            revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ValidationError(field_name, f"{path} is not a readable SQLite database "
                                          f"({exc})") from None
    return counts, _known_revision(revision[0] if revision else None, path, field_name)


def _known_revision(revision: str | None, path: Path, field_name: str) -> str:
    if revision not in known_revisions():
        raise ValidationError(field_name, f"{path} has schema revision {revision!r}, which this "
                                          "FinTrack does not know (made by a newer version?)")
    return revision


@contextmanager
def _temporary(final: Path) -> Iterator[Path]:
    """A hidden temporary file beside ``final``, renamed to it only if the block succeeds."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def _sqlite_backup(source: Path, target: Path) -> dict[str, int]:
    with closing(_connect(source)) as src:
        src.execute("BEGIN")  # one read transaction: the counts and the copy see one snapshot
        try:
            expected = table_counts(src)
            with closing(sqlite3.connect(target, isolation_level=None)) as dst:
                src.backup(dst)
                # A backup is one self-contained file: no WAL beside it.
                dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            src.execute("COMMIT")
    counts, _ = check_sqlite_file(target, "backup")
    if counts != expected:
        diff = {t: (expected.get(t), counts.get(t)) for t in set(expected) | set(counts)
                if expected.get(t) != counts.get(t)}
        raise BackupError(f"the copy's row counts differ from the database's: {diff}")
    return counts


# --- the public functions ---------------------------------------------------------------


def create_backup(db: Database, to: Path | None = None, keep: int | None = None, *,
                  now: dt.datetime | None = None, label: str = "",
                  actor_id: int | None = None) -> BackupResult:
    """Back the whole database up into ``to`` (default: ``default_backup_dir``), verify it,
    and keep only the newest ``keep`` backups there when ``keep`` is given.

    Only the operator of the machine (CLI) or an administrator (dashboard) may call this: the
    file holds every book and every user.
    """
    if keep is not None and keep < 1:
        raise ValidationError("keep", "must be at least 1 (the backup just made)")
    folder = Path(to) if to is not None else default_backup_dir(db)
    if folder.exists() and not folder.is_dir():
        raise ValidationError("to", f"{folder} is not a folder")
    when = now or utcnow()
    final = folder / backup_name(when, "db" if db.is_sqlite else "dump", label)
    if final.exists():
        raise BackupError(f"{final} already exists")
    with _temporary(final) as tmp:
        if db.is_sqlite:
            counts = _sqlite_backup(sqlite_path(db), tmp)
        else:
            from fintrack_core.backups import postgres as backup_pg

            counts = backup_pg.dump(db, tmp)
    removed = rotate(folder, keep) if keep is not None else []
    audited = _audit(db, "backup.create", actor_id, file=final.name,
                     rows=sum(counts.values()))
    return BackupResult(final, when, counts, final.stat().st_size, removed, audited)


def backup_for_download(db: Database, acting_user_id: int) -> tuple[str, bytes]:
    """A fresh, verified whole-database backup as (file name, bytes): administrators only.

    Made in a private temporary folder and removed after reading, so a download leaves no
    copy of every household's data lying around on the server.
    """
    with db.read() as s:
        actor = s.get(User, acting_user_id)
        if actor is None or not actor.is_admin:
            raise PermissionDenied("only an administrator can download the whole database")
    with tempfile.TemporaryDirectory(prefix="fintrack-download-") as folder:
        result = create_backup(db, Path(folder), actor_id=acting_user_id)
        return result.path.name, result.path.read_bytes()


def backup_if_older_than(db: Database, max_age: dt.timedelta, to: Path | None = None,
                         keep: int | None = None, *,
                         now: dt.datetime | None = None) -> BackupResult | None:
    """Make a backup unless the newest one in the folder is younger than ``max_age``.

    This is what a cron line or systemd timer calls (``fintrack backup --if-older-than 24h``):
    running it hourly gives one backup a day, and a missed day (laptop asleep) is made up for
    at the next run.
    """
    folder = Path(to) if to is not None else default_backup_dir(db)
    when = now or utcnow()
    newest = list_backups(folder)
    if newest and when - newest[0][1] < max_age:
        return None
    return create_backup(db, folder, keep, now=when)


def verify_backup(db: Database, path: Path) -> tuple[dict[str, int], str | None]:
    """Check a backup file for this kind of database; (row counts, schema revision)."""
    if db.is_sqlite:
        return check_sqlite_file(Path(path))
    from fintrack_core.backups import postgres as backup_pg

    return backup_pg.verify(Path(path)), None


def restore_backup(db: Database, path: Path, backup_dir: Path | None = None, *,
                   now: dt.datetime | None = None) -> RestoreResult:
    """Replace the whole database with a backup file, then bring its schema up to date.

    Order matters for "nothing stored is ever lost": the file is verified first (a damaged or
    foreign file is refused before anything happens), then the current database is backed
    up (``-pre-restore``), and only then overwritten. SQLite is restored with the backup API
    *into* the live file, so running processes see the restored data on their next read.
    """
    path = Path(path)
    counts, revision = verify_backup(db, path)
    safety = create_backup(db, backup_dir, now=now, label="pre-restore")
    with db.read() as s:
        before = {b.id: max(b.data_version or 0, b.rewrite_version or 0)
                  for b in s.query(Book).all()}
    if db.is_sqlite:
        live = sqlite_path(db)
        with closing(_connect(path, read_only=True)) as src, closing(_connect(live)) as dst:
            src.backup(dst)
    else:
        from fintrack_core.backups import postgres as backup_pg

        backup_pg.restore(db, path)
        revision = backup_pg.revision(db)
    db.engine.dispose()  # pooled connections may hold the old schema's statements
    upgrade(db)
    _bump_versions(db, before)
    with db.read() as s:
        rev_now = s.connection().exec_driver_sql(
            "SELECT version_num FROM alembic_version").scalar()
    _audit(db, "backup.restore", None, file=str(path), safety_backup=str(safety.path))
    return RestoreResult(path, safety, revision or "", rev_now, counts)


def _bump_versions(db: Database, before: dict[int, int]) -> None:
    """Move every book's data and rewrite versions past any value seen before the restore, so
    no report cache (keyed on them) mistakes restored data for what it already holds."""
    with db.write() as s:
        for book in s.query(Book).all():
            floor = max(before.get(book.id, 0), book.data_version or 0,
                        book.rewrite_version or 0) + 1
            s.execute(update(Book).where(Book.id == book.id)
                      .values(data_version=floor, rewrite_version=floor))
