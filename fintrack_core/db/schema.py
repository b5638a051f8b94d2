"""Create or upgrade the schema with Alembic (the only way the schema changes).

Every command and every app start calls ``upgrade``; almost always the schema is already
current. That check reads the stored revision with one query and compares it with the head
read from the migration files' own ``revision``/``down_revision`` lines, so Alembic (about a
third of a second to import on a quiet machine) is imported only when there is work to do.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from fintrack_core.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION_LINE = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$""",
                            re.MULTILINE)


@cache
def head_revision() -> str:
    """The newest revision, from the migration files without importing Alembic: the one
    revision no other file names as its ``down_revision``. A history that is not one line
    (a merge, a branch, an unreadable file) raises, and ``upgrade`` then asks Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            raise ValueError(f"{path.name}: no revision line")
        revisions.add(found["revision"].strip("'\""))
        parent = found.get("down_revision", "None").strip("'\"")
        if parent != "None":
            parents.add(parent)
    heads = revisions - parents
    if len(heads) != 1:
        raise ValueError(f"not one head: {sorted(heads)}")
    return heads.pop()


def stored_revision(db: Database) -> str | None:
    """The revision recorded in the database (``alembic_version``), None for a new one."""
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except (OperationalError, ProgrammingError):  # no table yet: a new database
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def is_current(db: Database) -> bool:
    """Whether the schema is at the head, answered in one query when it is."""
    try:
        head = head_revision()
    except ValueError:
        from alembic.script import ScriptDirectory

        head = ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""
    return stored_revision(db) == head


def alembic_config(db: Database) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database) -> None:
    """Bring the database to the newest revision (idempotent; one query when current)."""
    if is_current(db):
        return
    from alembic import command

    cfg = alembic_config(db)
    with db.engine.connect() as conn:
        if db.is_sqlite:
            # Table rebuilds (Alembic batch mode) must not trip over foreign keys mid-way;
            # the pragma only works outside a transaction, and is restored below.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if db.is_sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
        finally:
            if db.is_sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def known_revisions() -> set[str]:
    """Every revision this FinTrack's migrations know (a file naming another one was made by
    a newer version and cannot be read safely)."""
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
