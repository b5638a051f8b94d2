"""Prices: a book's own price for an asset, and the refresh from the providers as an
asynchronous job with a status URL (``fintrack_api.price_jobs``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import BaseModel, Field

from fintrack_api.deps import BookScope, RowId
from fintrack_api.portfolio_schemas import Price, PriceIn
from fintrack_api.price_jobs import PriceJob, jobs_of
from fintrack_api.problems import responses
from fintrack_core.prices import Provider, RefreshResult, set_price

router = APIRouter(prefix="/books/{book_id}", tags=["prices"])
READS = responses(401, 404, 422)
WRITES = responses(401, 403, 404, 409, 422)
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="A job's id",
                            examples=["4f1c2a9e8b7d4c3fa0e1d2c3b4a59687"])]


def price_providers() -> Mapping[str, Provider] | None:
    """The price providers a refresh uses: None, the production ones. Tests override this
    dependency with offline fakes (``app.dependency_overrides``): no test uses the network."""
    return None


ProvidersDep = Annotated[Mapping[str, Provider] | None, Depends(price_providers)]


class RefreshFailure(BaseModel):
    symbol: str = Field(examples=["AAPL"], description="An asset, or an FX pair USD/EUR")
    provider: str = Field(examples=["yahoo"])
    kind: str = Field(examples=["unreachable"], description="timeout, rate_limited, "
                                                             "unknown_symbol, unreachable, ...")
    reason: str = Field(examples=["Yahoo Finance cannot be reached (no network?)"])


class RefreshSummary(BaseModel):
    updated: list[str] = Field(examples=[["AAPL", "VWCE"]], description="Assets with a new "
                                                                         "price")
    fx_updated: list[str] = Field(examples=[["USD/EUR"]])
    failed: list[RefreshFailure] = Field(description="What was not updated, and why; the "
                                                     "last known prices stay, marked stale")
    error: str | None = Field(examples=[None], description="The one sentence to show")
    seconds: float = Field(examples=[1.42])

    @classmethod
    def of(cls, r: RefreshResult) -> RefreshSummary:
        return cls(updated=r.updated, fx_updated=r.fx_updated,
                   failed=[RefreshFailure(symbol=f.symbol, provider=f.provider, kind=f.kind,
                                          reason=f.reason) for f in r.failed],
                   error=r.error, seconds=round(r.seconds, 3))


class Progress(BaseModel):
    done: int = Field(examples=[3])
    total: int = Field(examples=[5], description="0 until the refresh knows")


class Job(BaseModel):
    """A price refresh running in the background. Poll ``status_url`` until ``status`` is
    done (see ``result``) or failed (see ``error``)."""

    id: str = Field(examples=["4f1c2a9e8b7d4c3fa0e1d2c3b4a59687"])
    kind: Literal["price-refresh"] = "price-refresh"
    status: Literal["queued", "running", "done", "failed"] = Field(examples=["running"])
    status_url: str = Field(examples=["/api/v1/books/1/jobs/4f1c2a9e8b7d4c3fa0e1d2c3b4a59687"])
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    progress: Progress
    result: RefreshSummary | None = Field(description="When done")
    error: str | None = Field(examples=[None], description="Why it failed")

    @classmethod
    def of(cls, j: PriceJob) -> Job:
        return cls(id=j.id, status=j.status, status_url=status_url(j.book_id, j.id),
                   created_at=j.created_at, started_at=j.started_at,
                   finished_at=j.finished_at, progress=Progress(done=j.done, total=j.total),
                   result=None if j.result is None else RefreshSummary.of(j.result),
                   error=j.error)


def status_url(book_id: int, job_id: str) -> str:
    return f"/api/v1/books/{book_id}/jobs/{job_id}"


@router.post("/assets/{asset_id}/prices", response_model=Price,
             status_code=status.HTTP_201_CREATED, responses=WRITES,
             summary="Set the book's own price of an asset on a day (replaces that day's)")
def add_price(scope: BookScope, asset_id: RowId, body: PriceIn) -> Price:
    """Returns the asset's latest price afterwards (a later price stays the latest)."""
    return Price.of(set_price(scope, asset_id, body.date, body.price, body.currency))


@router.post("/prices/refresh", response_model=Job, status_code=status.HTTP_202_ACCEPTED,
             responses=WRITES, summary="Refresh the book's prices and FX rates in the "
                                       "background; answers the job and its status URL")
def refresh(scope: BookScope, request: Request, response: Response,
            providers: ProvidersDep) -> Job:
    """One refresh per book at a time: while one is queued or running, this answers that
    job. Needs an editor or owner (and a read-write token). Network failures never fail the
    job: they are listed in its ``result.failed`` and the last prices stay."""
    job, _ = jobs_of(request.app).start(scope, providers)
    response.headers["Location"] = status_url(scope.book_id, job.id)
    return Job.of(job)


@router.get("/jobs/{job_id}", response_model=Job, responses=READS,
            summary="A background job's status, progress and result")
def job(scope: BookScope, job_id: JobId, request: Request) -> Job:
    """Jobs live in the API process's memory: after a restart, or for a job started by
    another API process, this answers 404."""
    return Job.of(jobs_of(request.app).get(scope.book_id, job_id))
