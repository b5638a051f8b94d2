"""Helpers for the fintrack_core unit tests: fast fixtures and database snapshots.

``db`` and ``small_book`` keep the meaning given in ``tests/conftest.py`` but are built once per
session and copied per test (a SQLite file copy costs milliseconds; building costs ~0.15 s),
which keeps the whole core suite well under 30 seconds.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from sqlalchemy import select

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Base
from fintrack_core.db.schema import upgrade

Snapshot = dict[str, list[tuple[object, ...]]]


@pytest.fixture(scope="session", autouse=True)
def real_gensalt() -> Iterator[Callable[..., bytes]]:
    """Hash with bcrypt's minimum cost (4) all session, so building users stays fast.

    The hashes are still real bcrypt hashes. Yields the unpatched ``bcrypt.gensalt`` for the
    test that checks production hashing uses the library's default cost.
    """
    real = bcrypt.gensalt
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bcrypt, "gensalt", lambda rounds=12, prefix=b"2b": real(4, prefix))
        yield real


def take_snapshot(db: Database, book_id: int | None = None) -> Snapshot:
    """Every row of every table, ordered by primary key; only one book's rows if ``book_id``."""
    out: Snapshot = {}
    with db.read() as s:
        for table in Base.metadata.sorted_tables:
            q = select(table).order_by(*table.primary_key.columns)
            if book_id is not None:
                if "book_id" in table.c:
                    q = q.where(table.c.book_id == book_id)
                elif table.name == "books":
                    q = q.where(table.c.id == book_id)
            out[table.name] = [tuple(row) for row in s.execute(q)]
    return out


@pytest.fixture
def snapshot() -> Callable[..., Snapshot]:
    """``snapshot(db)`` or ``snapshot(db, book_id)``: compare before/after to prove no write."""
    return take_snapshot


def _shared_conftest() -> Any:
    """``tests/conftest.py`` loaded as a plain module, to reuse its small-book builder."""
    path = Path(__file__).resolve().parent.parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("_fintrack_shared_conftest", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _db_file(directory: Path) -> Path:
    return directory / "fintrack.db"


def _freeze(database: Database, directory: Path) -> Path:
    """Close every connection (SQLite then folds the WAL into the file) and return the file."""
    database.dispose()
    leftovers = [p for p in directory.iterdir() if p.name != "fintrack.db"]
    assert not leftovers, f"template not checkpointed: {leftovers}"
    return _db_file(directory)


def _with_db(value: Any, database: Database) -> Any:
    """The fixture object with every ``Scope`` (and the ``db`` field) pointing at ``database``."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(value):
        current = getattr(value, f.name)
        if isinstance(current, Database):
            changes[f.name] = database
        elif isinstance(current, Scope):
            changes[f.name] = dataclasses.replace(current, db=database)
    return dataclasses.replace(value, **changes)


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    empty_dir = tmp_path_factory.mktemp("empty-template")
    empty = Database(f"sqlite:///{_db_file(empty_dir)}")
    upgrade(empty)
    empty_file = _freeze(empty, empty_dir)
    book_dir = tmp_path_factory.mktemp("small-book-template")
    shutil.copyfile(empty_file, _db_file(book_dir))
    book_db = Database(f"sqlite:///{_db_file(book_dir)}")
    small = inspect.unwrap(_shared_conftest().small_book)(book_db)
    book_file = _freeze(book_db, book_dir)
    return {"empty": empty_file, "small_book": (book_file, small)}


@pytest.fixture
def db(_templates: dict[str, Any], tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database in a real file (a copy of a session-wide template)."""
    shutil.copyfile(_templates["empty"], _db_file(tmp_path))
    database = Database(f"sqlite:///{_db_file(tmp_path)}")
    yield database
    database.dispose()


@pytest.fixture
def small_book(_templates: dict[str, Any], db: Database, tmp_path: Path) -> Any:
    """The shared small book (see tests/conftest.py), in this test's ``db``."""
    template_file, template = _templates["small_book"]
    db.dispose()
    shutil.copyfile(template_file, _db_file(tmp_path))
    return _with_db(template, db)
