"""Create or upgrade the schema with Alembic (the only way the schema changes)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from fintrack_core.db.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database) -> None:
    """Bring the database to the newest revision (idempotent; fast when already current)."""
    cfg = alembic_config(db)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with db.engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
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
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def known_revisions() -> set[str]:
    """Every revision this FinTrack's migrations know (a file naming another one was made by
    a newer version and cannot be read safely)."""
    return {s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
