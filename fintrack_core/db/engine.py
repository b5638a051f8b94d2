"""The one place that makes engines and sessions (one database URL for the whole program).

SQLite gets foreign keys on, WAL and a busy timeout on every connection; PostgreSQL is used as
is. ``Database.write()`` is the single write path: one ``session.begin()`` per service call, so
a service call is all-or-nothing.

Why every SQLite write starts with ``BEGIN IMMEDIATE``: a deferred transaction that reads
first and writes later cannot wait for the write lock when another writer got in between; it
fails at once with "database is locked", whatever the busy timeout. Taking the write lock
first means a writer only ever waits at the start, and nothing it read can change under it
(an import's duplicate check and its insert are then one atomic step). The wait is bounded:
``WRITE_WAIT_S`` in all, retried with back-off, then a plain ``Busy`` error. Readers never
wait for writers (WAL).
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from fintrack_core.errors import Busy

DEFAULT_DB_PATH = Path("data") / "fintrack.db"
ENV_URL = "FINTRACK_DATABASE_URL"
ENV_DATA_DIR = "FINTRACK_DATA_DIR"
log = logging.getLogger(__name__)
WAL_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default
BUSY_TIMEOUT_MS = 5000  # one attempt's wait inside SQLite's own busy handler
WRITE_WAIT_S = float(os.environ.get("FINTRACK_WRITE_WAIT_S", "30"))
BUSY_MESSAGE = ("the database is busy with another import or write; try again in a moment "
                "(waited {waited:.0f} s)")


def database_url(url: str | None = None) -> str:
    """Resolve the URL: explicit argument, then ``FINTRACK_DATABASE_URL``, then the SQLite file."""
    if url:
        return url
    env = os.environ.get(ENV_URL, "").strip()
    if env:
        return env
    return f"sqlite:///{DEFAULT_DB_PATH}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    """Create an engine; for SQLite also create the file's folder so first start just works."""
    resolved = database_url(url)
    if resolved.startswith("sqlite"):
        # The URL's own parser: ``sqlite://`` (in memory) names no file ("sqlite:" was once
        # created as one from a string split).
        path = make_url(resolved).database
        if path and path != ":memory:" and not path.startswith("file:"):
            _create_private_file(Path(path))
        # hide_parameters: an error's message (logged with its traceback) names the statement,
        # never the values bound to it (payees, amounts).
        engine = create_engine(resolved, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
                               hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(resolved, pool_pre_ping=True, hide_parameters=True)


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (mode 600) before SQLite opens it.

    An empty file is a valid empty database. SQLite gives the ``-wal`` and ``-shm`` files it
    creates later the permissions of the database file, so they are private too. An existing
    file is left as its owner set it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def data_dir(url: str | None = None) -> Path:
    """Where FinTrack keeps files beside the data (the cookie key): ``FINTRACK_DATA_DIR``, else
    the SQLite file's folder, else (a server database) ``~/.local/share/fintrack``."""
    env = os.environ.get(ENV_DATA_DIR, "").strip()
    if env:
        return Path(env).expanduser()
    resolved = database_url(url)
    if resolved.startswith("sqlite"):
        path = make_url(resolved).database
        if path and path != ":memory:" and not path.startswith("file:"):
            return Path(path).expanduser().resolve().parent
    base = os.environ.get("XDG_DATA_HOME", "").strip() or Path.home() / ".local" / "share"
    return Path(base) / "fintrack"


class Database:
    """An engine plus its session factory; services take one of these."""

    def __init__(self, url: str | None = None, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine(url)
        self.url = self.engine.url.render_as_string(hide_password=False)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads (rolled back at the end; nothing it does is kept)."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self, attach: tuple[str, Path] | None = None, *,
              foreign_keys: bool = True) -> Iterator[Session]:
        """A session inside one transaction: commits at the end, or rolls everything back.

        On SQLite the transaction holds the write lock from its first statement (see the
        module docstring); waiting for it is bounded by ``WRITE_WAIT_S``. ``attach`` (SQLite
        only): a private file attached as ``(schema name, path)`` for the transaction's
        statements to read (an import's stage, ``imports.stage_file``). SQLite attaches and
        detaches only outside a transaction, so one pooled connection is held around it and
        the file is detached before the connection goes back to the pool.

        ``foreign_keys=False`` (only with ``attach``): SQLite checks no foreign key in this
        transaction, and the caller checks every key it writes itself. Why: a bulk import's
        rows all name the same few accounts and categories, and probing their parents once
        per row cost about 0.8 s of a 1M-row import; the import checks each distinct key once
        (``imports.batch_write._check_keys``). The setting is per connection, set before the
        transaction and restored before the connection goes back to the pool.
        """
        if not foreign_keys and attach is None:
            raise ValueError("foreign_keys=False needs attach (a connection held for it)")
        if attach is None:
            with self._sessions() as session, session.begin():
                if self.is_sqlite:
                    _begin_immediate(session)
                yield session
            return
        name, path = attach
        if not (self.is_sqlite and name.isidentifier()):
            raise ValueError("attach is for SQLite, with a plain schema name")
        with self.engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert driver is not None
            driver.execute(f"ATTACH ? AS {name}", (str(path),))
            if not foreign_keys:
                driver.execute("PRAGMA foreign_keys=OFF")
            try:
                with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                    _begin_immediate(session)
                    yield session
            finally:
                try:
                    if conn.in_transaction():
                        conn.rollback()
                    driver.execute(f"DETACH {name}")
                    driver.execute("PRAGMA foreign_keys=ON")
                    # A bulk write may have left the checkpoint to ``checkpoint_later``.
                    driver.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
                except Exception:
                    conn.invalidate()  # never hand one with the file or keys off to others

    def checkpoint_later(self) -> None:
        """Copy the write-ahead log into the SQLite file on a thread of its own (a no-op on
        PostgreSQL).

        Why: after a bulk write of a million rows the copy takes about a second, and the
        committed rows do not wait for it (readers see them in the log meanwhile). The
        thread is not a daemon, so a command finishes it before the process exits; if it
        fails, the next commit's automatic checkpoint does the work.
        """
        if not self.is_sqlite:
            return
        threading.Thread(target=self._checkpoint, name="fintrack-checkpoint").start()

    def _checkpoint(self) -> tuple[int, int, int] | None:
        """SQLite's (busy, frames in the log, frames copied), or None when it failed."""
        try:
            with self.engine.connect() as conn:
                driver = conn.connection.driver_connection
                assert driver is not None
                row = driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                return int(row[0]), int(row[1]), int(row[2])
        except Exception as exc:  # a background step: log, never raise
            log.warning("background checkpoint not done (%s)", exc)
            return None

    def dispose(self) -> None:
        self.engine.dispose()


def _is_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


def _begin_immediate(session: Session, wait_s: float | None = None) -> None:
    """Take SQLite's write lock for this session's transaction, waiting at most ``wait_s``.

    pysqlite issues no BEGIN of its own before this (SQLAlchemy's begin is lazy and the driver
    only begins before DML), so the explicit ``BEGIN IMMEDIATE`` is the transaction that the
    session later commits or rolls back.
    """
    limit = WRITE_WAIT_S if wait_s is None else wait_s
    driver = session.connection().connection.driver_connection
    assert driver is not None
    started = time.monotonic()
    pause = 0.05
    while True:
        remaining = max(0.0, limit - (time.monotonic() - started))
        driver.execute(f"PRAGMA busy_timeout={int(min(BUSY_TIMEOUT_MS, remaining * 1000))}")
        try:
            driver.execute("BEGIN IMMEDIATE")
            driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            return
        except sqlite3.OperationalError as exc:
            waited = time.monotonic() - started
            if not _is_locked(exc) or waited >= limit:
                if _is_locked(exc):
                    raise Busy(BUSY_MESSAGE.format(waited=waited)) from None
                raise
            time.sleep(min(pause, max(0.0, limit - waited)) * random.uniform(0.5, 1.0))
            pause = min(pause * 2, 1.0)
