"""The optional in-process scheduler (``FINTRACK_SCHEDULER=1``): every few minutes, queue
the alerts and weekly reports that are due and deliver the outbox.

Why in-process and optional: a household install has no cron; a server install may prefer
``fintrack notify`` from cron and leave this off. Several app processes may each start one:
each tick first takes the database lock (``notify.lock``), so only one of them works.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler

from fintrack_core.db.engine import Database
from fintrack_core.notify.lock import LEASE, try_acquire
from fintrack_core.notify.outbox import DeliveryReport, deliver, worker_id
from fintrack_core.notify.queue import queue_alerts, queue_weekly
from fintrack_core.notify.smtp import SmtpConfig

ENV_SCHEDULER = "FINTRACK_SCHEDULER"
LOCK_NAME = "notify"
INTERVAL = dt.timedelta(minutes=5)
log = logging.getLogger(__name__)


def scheduler_enabled() -> bool:
    return os.environ.get(ENV_SCHEDULER, "").strip() == "1"


@dataclass(frozen=True, slots=True)
class TickResult:
    ran: bool                      # False: another process holds the lock
    queued: int = 0
    delivery: DeliveryReport | None = None


def tick(db: Database, config: SmtpConfig | None, holder: str,
         today: Callable[[], dt.date] = dt.date.today) -> TickResult:
    """One round: take the lock, queue what is due, send (when mail is configured)."""
    if not try_acquire(db, LOCK_NAME, holder, LEASE):
        return TickResult(False)
    queued = len(queue_alerts(db, today()).queued) + len(queue_weekly(db, today()).queued)
    delivery = deliver(db, config, worker=holder) if config is not None else None
    return TickResult(True, queued, delivery)


def _safe_tick(db: Database, config: SmtpConfig | None, holder: str) -> None:
    try:
        result = tick(db, config, holder)
    except Exception:  # a failed round must not stop the next ones
        log.exception("notification round failed")
        return
    if result.ran and result.delivery is not None:
        log.info("notifications: %d queued, %d sent, %d retrying, %d failed", result.queued,
                 len(result.delivery.sent), len(result.delivery.retrying),
                 len(result.delivery.failed))


def start_scheduler(db: Database, config: SmtpConfig | None,
                    interval: dt.timedelta = INTERVAL) -> BackgroundScheduler:
    """Start the background jobs of this process (call once per process)."""
    holder = worker_id()
    scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
    scheduler.add_job(_safe_tick, "interval", args=[db, config, holder],
                      seconds=int(interval.total_seconds()), id="notify", max_instances=1,
                      coalesce=True, next_run_time=dt.datetime.now(dt.UTC))
    scheduler.start()
    return scheduler
