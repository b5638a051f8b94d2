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

import os
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from fintrack_core.errors import Busy

DEFAULT_DB_PATH = Path("data") / "fintrack.db"
ENV_URL = "FINTRACK_DATABASE_URL"
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
        path = resolved.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(resolved, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(resolved, pool_pre_ping=True)


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
    def write(self) -> Iterator[Session]:
        """A session inside one transaction: commits at the end, or rolls everything back.

        On SQLite the transaction holds the write lock from its first statement (see the
        module docstring); waiting for it is bounded by ``WRITE_WAIT_S``.
        """
        with self._sessions() as session, session.begin():
            if self.is_sqlite:
                _begin_immediate(session)
            yield session

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
