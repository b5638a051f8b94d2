"""Price refreshes as background jobs: ``POST .../prices/refresh`` answers 202 at once with a
status URL, and the refresh (``fintrack_core.prices.refresh_prices``) runs on a thread.

Why a thread per refresh and not a queue or a worker process: a refresh is network-bound,
bounded by the core's own deadline (a minute) and never raises for the network's sake, so a
plain daemon thread cannot hang the API; and there is at most one per book.

Kept simple, and what that means:

* **In memory, in this API process.** Job state lives in ``PriceJobs`` on the application
  (``jobs_of(app)``); it is lost on restart, and with several API processes a status URL is
  answered only by the process that started the job (behind a load balancer: route
  ``/jobs/`` sticky, or refresh with ``fintrack prices refresh`` from a scheduler instead).
  The prices themselves are stored in the database as always.
* **One running refresh per book.** A second POST while one is queued or running answers
  that job, rather than fetching the same prices twice.
* **Bounded memory.** The newest ``KEEP`` finished jobs are kept (each a few hundred bytes
  plus its result summary); older ones answer 404. Active jobs are at most one per book.
* **The same role check first.** ``check_refresh_allowed`` runs before the job is queued,
  so a viewer gets 403, not a job that fails later.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from starlette.applications import Starlette

from fintrack_core.access import Scope
from fintrack_core.api import FinTrackError, NotFound
from fintrack_core.prices import Provider, RefreshResult, check_refresh_allowed, refresh_prices

KEEP = 200
log = logging.getLogger("fintrack.api.jobs")
Status = Literal["queued", "running", "done", "failed"]
Refresh = Callable[..., RefreshResult]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class PriceJob:
    """A snapshot of one refresh job (the registry hands out copies, never the live one)."""

    id: str
    book_id: int
    user_id: int
    status: Status
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    done: int = 0  # prices answered so far
    total: int = 0  # prices asked for (0 until the refresh knows)
    result: RefreshResult | None = None
    error: str | None = None  # why the job failed (not a network failure: those are results)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


@dataclass
class PriceJobs:
    """Every price job of one API process, by id; at most one active job per book."""

    keep: int = KEEP
    _jobs: dict[str, PriceJob] = field(default_factory=dict)
    _active: dict[int, str] = field(default_factory=dict)  # book id -> job id
    _threads: dict[str, threading.Thread] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, scope: Scope, providers: Mapping[str, Provider] | None = None,
              refresh: Refresh = refresh_prices) -> tuple[PriceJob, bool]:
        """The book's active job, or a new one started now; True when it is new.

        Raises ``PermissionDenied`` for a viewer before anything is queued."""
        check_refresh_allowed(scope)
        with self._lock:
            running = self._active.get(scope.book_id)
            if running is not None:
                return self._jobs[running], False
            job = PriceJob(uuid.uuid4().hex, scope.book_id, scope.user_id, "queued", _now())
            self._jobs[job.id] = job
            self._active[scope.book_id] = job.id
            self._forget_old()
            thread = threading.Thread(target=self._run, args=(job.id, scope, providers, refresh),
                                      name=f"fintrack-price-job-{job.id[:8]}", daemon=True)
            self._threads[job.id] = thread
        thread.start()
        return job, True

    def get(self, book_id: int, job_id: str) -> PriceJob:
        """The job, if it is this book's (another book's job looks absent)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.book_id != book_id:
            raise NotFound("job", job_id)
        return job

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the running jobs (a shutdown, a test); True
        when none is left running."""
        with self._lock:
            threads = list(self._threads.values())
        deadline = _now() + dt.timedelta(seconds=timeout)
        for thread in threads:
            thread.join(max(0.0, (deadline - _now()).total_seconds()))
        return not any(t.is_alive() for t in threads)

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)  # type: ignore[arg-type]

    def _run(self, job_id: str, scope: Scope, providers: Mapping[str, Provider] | None,
             refresh: Refresh) -> None:
        self._update(job_id, status="running", started_at=_now())

        def progress(done: int, total: int) -> None:
            self._update(job_id, done=done, total=total)

        try:
            result = refresh(scope, providers=providers, progress=progress)
        except FinTrackError as exc:  # the role changed meanwhile, an asset was deleted, ...
            self._finish(job_id, status="failed", error=str(exc))
        except Exception:  # a bug: said plainly here, the traceback goes to the log
            log.exception("price refresh job %s of book %s failed", job_id, scope.book_id)
            self._finish(job_id, status="failed",
                         error=f"an unexpected error ended the refresh; quote job {job_id} "
                               "when reporting it")
        else:
            asked = len(result.updated) + len(result.fx_updated) + len(result.failed)
            self._finish(job_id, status="done", result=result, done=asked, total=asked)

    def _finish(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = replace(self._jobs[job_id], finished_at=_now(), **changes)  # type: ignore[arg-type]
            self._jobs[job_id] = job
            if self._active.get(job.book_id) == job_id:
                del self._active[job.book_id]
            self._threads.pop(job_id, None)
            self._forget_old()

    def _forget_old(self) -> None:
        """Drop the oldest finished jobs beyond ``keep`` (under the lock)."""
        finished = [j for j in self._jobs.values() if not j.active]
        for job in sorted(finished, key=lambda j: j.created_at)[:max(0, len(finished)
                                                                      - self.keep)]:
            del self._jobs[job.id]


_ATTACH = threading.Lock()


def jobs_of(app: Starlette) -> PriceJobs:
    """The application's job registry, made on first use (so ``create_app`` needs no line
    for it)."""
    with _ATTACH:
        jobs = getattr(app.state, "price_jobs", None)
        if not isinstance(jobs, PriceJobs):
            jobs = app.state.price_jobs = PriceJobs()
        return jobs
