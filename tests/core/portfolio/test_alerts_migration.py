"""Revision 0014 creates exactly the portfolio alert models' tables on SQLite and PostgreSQL,
and goes down to 0013 and up again cleanly."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from fintrack_core.db.engine import Database
from fintrack_core.db.models import Base
from fintrack_core.db.schema import alembic_config, current_revision, head_revision, upgrade

TABLES = {"portfolio_alert_settings", "portfolio_alerts"}


def ours(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    table = obj if kind == "table" else getattr(obj, "table", None)
    return table is not None and table.name in TABLES


def test_0014_matches_the_models_and_downgrades(any_db: Database) -> None:
    assert current_revision(any_db) == head_revision()  # 0014 or a later one
    with any_db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "compare_server_default": True, "include_object": ours})
        assert compare_metadata(context, Base.metadata) == []
    command.downgrade(alembic_config(any_db), "0013")
    assert current_revision(any_db) == "0013"
    assert not TABLES & set(inspect(any_db.engine).get_table_names())
    upgrade(any_db)
    assert set(inspect(any_db.engine).get_table_names()) >= TABLES
