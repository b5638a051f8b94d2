"""One thread that interrupts report queries running past their time limit."""

from __future__ import annotations

import threading
import time

import duckdb

__all__ = ["Watchdog"]


class Watchdog:
    """Interrupts queries that run past their time limit: one thread for all of them.

    Why not a ``threading.Timer`` per query: starting a thread per call cost about as much
    as a small report's query. Here a call registers its deadline (a dict insert under a
    lock) and removes it when done; the thread sleeps until the earliest deadline.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active: dict[int, tuple[float, duckdb.DuckDBPyConnection]] = {}
        self._next = 0
        self._wake_at = float("inf")  # when the thread next looks (inf: not running/idle)
        self._thread: threading.Thread | None = None

    def watch(self, cur: duckdb.DuckDBPyConnection, limit_s: float) -> int:
        deadline = time.monotonic() + limit_s
        with self._cond:
            self._next += 1
            token = self._next
            self._active[token] = (deadline, cur)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fintrack-report-limit",
                                                daemon=True)
                self._thread.start()
            elif deadline < self._wake_at:
                self._cond.notify()
            return token

    def release(self, token: int) -> None:
        with self._cond:
            self._active.pop(token, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for token, (deadline, cur) in list(self._active.items()):
                    if deadline <= now:
                        del self._active[token]
                        cur.interrupt()
                self._wake_at = min((d for d, _ in self._active.values()), default=now + 60)
                self._cond.wait(timeout=max(self._wake_at - now, 0.001))
