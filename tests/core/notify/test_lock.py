"""The scheduler lock: of two workers only one holds it; it is renewed by its holder and
taken over once the lease has run out or was released."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from fintrack_core.db.engine import Database
from fintrack_core.notify.lock import release, try_acquire
from fintrack_core.notify.outbox import enqueue
from fintrack_core.notify.scheduler import scheduler_enabled, start_scheduler, tick
from tests.core.notify.conftest import MailServer

T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC).replace(tzinfo=None)  # naive UTC
LEASE = dt.timedelta(minutes=5)


def test_two_workers_racing_for_the_lock_only_one_wins(any_db: Database) -> None:
    wins: dict[str, bool] = {}
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        start.wait()
        wins[name] = try_acquire(any_db, "notify", name, LEASE, now=T0)

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins.values()) == [False, True]


def test_the_holder_renews_others_wait_for_expiry_or_release(any_db: Database) -> None:
    assert try_acquire(any_db, "notify", "a", LEASE, now=T0)
    assert not try_acquire(any_db, "notify", "b", LEASE, now=T0 + dt.timedelta(minutes=4))
    assert try_acquire(any_db, "notify", "a", LEASE, now=T0 + dt.timedelta(minutes=4))
    # a renewed at 8:04 until 8:09: b still waits at 8:06, wins at 8:10
    assert not try_acquire(any_db, "notify", "b", LEASE, now=T0 + dt.timedelta(minutes=6))
    assert try_acquire(any_db, "notify", "b", LEASE, now=T0 + dt.timedelta(minutes=10))
    release(any_db, "notify", "b")
    assert try_acquire(any_db, "notify", "c", LEASE, now=T0 + dt.timedelta(minutes=11))


def test_a_tick_without_the_lock_does_nothing(db: Database) -> None:
    assert try_acquire(db, "notify", "other-process", LEASE)
    assert tick(db, None, "me").ran is False
    release(db, "notify", "other-process")
    assert tick(db, None, "me").ran is True


def test_the_background_scheduler_sends_the_outbox_and_is_off_unless_enabled(
        db: Database, smtp_server: MailServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINTRACK_SCHEDULER", raising=False)
    assert not scheduler_enabled()
    monkeypatch.setenv("FINTRACK_SCHEDULER", "1")
    assert scheduler_enabled()
    with db.write() as s:
        enqueue(s, "alice@example.org", "Hello from the scheduler", "Hi")
    scheduler = start_scheduler(db, smtp_server.config)
    try:
        deadline = time.monotonic() + 20
        while not smtp_server.inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    assert [m["Subject"] for _, m in smtp_server.inbox.messages] == ["Hello from the scheduler"]
