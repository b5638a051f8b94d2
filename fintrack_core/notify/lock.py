"""A lease in the database that lets one process of several run the scheduled jobs.

Why the database: the app may run as several processes (or hosts) on one database, and each
starts a scheduler; only the database sees them all. The lock is one ``scheduler_lock`` row
per job name with a holder and an expiry. Taking it is one conditional UPDATE (the holder is
us already, or the lease expired): the database decides atomically, so exactly one of two
racing processes gets ``rowcount == 1``. A holder that dies lets the lease run out, and
another process takes over.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from fintrack_core.db.engine import Database
from fintrack_core.db.models import SchedulerLock
from fintrack_core.notify.outbox import utcnow

LEASE = dt.timedelta(minutes=5)
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC).replace(tzinfo=None)  # stored as naive UTC


def _ensure_row(db: Database, name: str) -> None:
    """Create the (expired) lock row once; a concurrent creator wins harmlessly."""
    try:
        with db.write() as s:
            if s.get(SchedulerLock, name) is None:
                s.add(SchedulerLock(name=name, holder="", expires_at=LONG_AGO))
    except IntegrityError:
        pass


def try_acquire(db: Database, name: str, holder: str, lease: dt.timedelta = LEASE,
                now: dt.datetime | None = None) -> bool:
    """Take or renew the lock ``name`` for ``holder`` until now + ``lease``; False when
    another holder's lease has not expired."""
    _ensure_row(db, name)
    when = now or utcnow()
    with db.write() as s:
        result = s.execute(update(SchedulerLock).where(
            SchedulerLock.name == name,
            or_(SchedulerLock.holder == holder, SchedulerLock.expires_at < when),
        ).values(holder=holder, expires_at=when + lease))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release(db: Database, name: str, holder: str) -> None:
    """Give the lock up now (on shutdown), if ``holder`` still has it."""
    with db.write() as s:
        s.execute(update(SchedulerLock).where(SchedulerLock.name == name,
                                              SchedulerLock.holder == holder)
                  .values(holder="", expires_at=LONG_AGO))
