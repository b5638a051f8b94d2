"""Is this FinTrack ready to serve? The checks behind a readiness probe.

Why in the core: "ready" means the same for the API, a container's health check and a
future dashboard status line: the database answers, its schema is the revision this code
was written for (an old schema would fail on the first query that needs a new column, a
newer one was written by a newer FinTrack), and the data folder has room for a write.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from fintrack_core.db.engine import Database, data_dir
from fintrack_core.db.schema import MIGRATIONS, current_revision

MIN_FREE_BYTES = 100 * 2**20  # below this an import or a backup may fail half-way


@dataclass(frozen=True, slots=True)
class Readiness:
    database: bool                 # a query answered
    revision: str | None           # the database's schema revision
    head: str | None               # the revision this code expects
    free_bytes: int | None         # in the data folder (None: not measurable)
    problems: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems


def readiness(db: Database, min_free_bytes: int = MIN_FREE_BYTES) -> Readiness:
    """Check the database, the schema revision and the free disk space; never raises."""
    problems: list[str] = []
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    try:
        revision, reachable = current_revision(db), True
    except SQLAlchemyError as exc:
        revision, reachable = None, False
        problems.append(f"database unreachable: {type(exc).__name__}")
    if reachable and revision != head:
        problems.append(f"schema revision {revision} is not {head}: run `fintrack init`")
    try:
        free: int | None = shutil.disk_usage(data_dir(db.url)).free
    except OSError:
        free = None
    if free is not None and free < min_free_bytes:
        problems.append(f"only {free // 2**20} MB free in the data folder "
                        f"(at least {min_free_bytes // 2**20} MB needed)")
    return Readiness(reachable, revision, head, free, problems)
