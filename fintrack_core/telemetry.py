"""What the core tells an interface about its work: report run times and imported rows.

Why a hook and not a metrics library here: counting is the interfaces' business (the API
exports Prometheus metrics, the dashboard only logs), and the core imports none of their
libraries. An interface runs core calls inside ``observing(observer)``; the core reports
to that observer only, so two API apps in one process (tests) never count each other's work,
and a call outside any ``observing`` block (the CLI, the dashboard) reports to nobody.

A slow report is logged here, through the standard ``logging`` module (logger
``fintrack.reports``, with the report's name, the book and the time); how log lines look
(JSON) is the interfaces' choice. The threshold is ``FINTRACK_SLOW_QUERY_MS`` (default 200).
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, Protocol, TypeVar

ENV_SLOW_QUERY_MS = "FINTRACK_SLOW_QUERY_MS"
DEFAULT_SLOW_QUERY_MS = 200.0
log = logging.getLogger("fintrack.reports")

P = ParamSpec("P")
R = TypeVar("R")


class Observer(Protocol):
    """Receives the core's measurements (an interface's metrics)."""

    def report_ran(self, report: str, seconds: float) -> None: ...

    def rows_imported(self, rows: int) -> None: ...


_current: ContextVar[Observer | None] = ContextVar("fintrack_observer", default=None)


@contextmanager
def observing(observer: Observer) -> Iterator[None]:
    """Core calls made inside this block (in this context: a request, and the worker thread
    FastAPI runs it in, which inherits the context) report to ``observer``."""
    token = _current.set(observer)
    try:
        yield
    finally:
        _current.reset(token)


def slow_query_ms() -> float:
    """``FINTRACK_SLOW_QUERY_MS`` (read on each call, so a running process can be tuned by
    tests and a bad value falls back to the default rather than breaking reports)."""
    try:
        return float(os.environ.get(ENV_SLOW_QUERY_MS, "") or DEFAULT_SLOW_QUERY_MS)
    except ValueError:
        return DEFAULT_SLOW_QUERY_MS


def rows_imported(rows: int) -> None:
    """An import wrote ``rows`` rows (called once per committed batch)."""
    observer = _current.get()
    if observer is not None and rows > 0:
        observer.rows_imported(rows)


def timed_report(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Measure a report function: its time goes to the observer under ``name``, and a run
    over the slow-query threshold is logged with the report's name and the book's id."""

    def decorate(report: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(report)
        def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                return report(*args, **kwargs)
            finally:
                _ran(name, time.perf_counter() - started, args[0] if args else None)

        return timed

    return decorate


def _ran(name: str, seconds: float, scope: object) -> None:
    observer = _current.get()
    if observer is not None:
        observer.report_ran(name, seconds)
    duration_ms = seconds * 1000
    threshold = slow_query_ms()
    if duration_ms > threshold:
        log.warning("slow report %s: %.0f ms (threshold %.0f ms)", name, duration_ms,
                    threshold, extra={"event": "slow_report", "report": name,
                                      "book_id": getattr(scope, "book_id", None),
                                      "duration_ms": round(duration_ms, 1),
                                      "threshold_ms": threshold})
