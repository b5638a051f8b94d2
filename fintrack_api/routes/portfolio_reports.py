"""What the portfolio is worth (valuation, with each price's age and the holdings left
unvalued), how it did over a period (TWR and XIRR, an optional benchmark) and the realised
gains of a year, also as the CSV/XLSX file for a tax adviser."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from fintrack_api.deps import MAX_ID, BookScope
from fintrack_api.portfolio_report_schemas import (
    PortfolioPerformance,
    PortfolioValue,
    RealisedGains,
)
from fintrack_api.problems import responses
from fintrack_api.routes.reports import MEDIA
from fintrack_core.api import ValidationError
from fintrack_core.portfolio.gains import export_realised_gains, realised_gains
from fintrack_core.portfolio.performance import performance, performance_and_history
from fintrack_core.portfolio.valuation import valuation

router = APIRouter(prefix="/books/{book_id}", tags=["portfolio"])
READS = responses(401, 404, 422)
Year = Annotated[int, Query(ge=1900, le=9999, examples=[2024])]
# Days a portfolio can have: outside, the date arithmetic of a period (the eve of its first
# day) would overflow, and a daily series of millennia is no one's portfolio.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
MAX_HISTORY_DAYS = 366 * 50  # a day a row: about 4 MB of JSON at most


def day_query(description: str) -> Any:
    """A day between ``FIRST_DAY`` and ``LAST_DAY`` as a query parameter (else 422)."""
    # Query types ge/le as float; pydantic compares them with dates as well.
    return Query(ge=FIRST_DAY, le=LAST_DAY, description=description)  # type: ignore[arg-type]


@router.get("/valuation", response_model=PortfolioValue, responses=READS,
            summary="The portfolio's value: holdings at their latest prices, cash, totals")
def value(scope: BookScope,
          on: Annotated[dt.date | None, day_query("Default: today")] = None
          ) -> PortfolioValue:
    """Each holding at its latest price on or before ``on`` (default today), with the
    price's age and ``stale`` flag; holdings without a price or rate are listed in
    ``unvalued`` and left out of the totals (``complete`` false), never counted as 0."""
    return PortfolioValue.of(valuation(scope, on))


@router.get("/performance", response_model=PortfolioPerformance, responses=READS,
            summary="Time- and money-weighted return over a period")
def returns(
    scope: BookScope,
    period: Literal["1M", "YTD", "1Y", "5Y", "max", "custom"] = "1Y",
    start: Annotated[dt.date | None, day_query("custom: the first day")] = None,
    end: Annotated[dt.date | None, day_query("custom: the last day (default today)")]
    = None,
    benchmark_asset_id: Annotated[int | None, Query(
        ge=1, le=MAX_ID, description="An asset of the book to compare with (in history)")]
    = None,
    history: Annotated[bool, Query(description="Add the value history, day by day")] = False,
) -> PortfolioPerformance:
    if history or benchmark_asset_id is not None:
        p, h = performance_and_history(scope, period, start, end, benchmark_asset_id)
        if len(h.frame) > MAX_HISTORY_DAYS:
            raise ValidationError("history", f"{len(h.frame)} days is more than the "
                                             f"{MAX_HISTORY_DAYS} a history can show; "
                                             "choose a shorter period")
        return PortfolioPerformance.of(p, h)
    return PortfolioPerformance.of(performance(scope, period, start, end), None)


@router.get("/realised-gains", response_model=RealisedGains, responses=READS,
            summary="Realised gains: every sale matched to its lots")
def gains(scope: BookScope,
          year: Annotated[int | None, Query(ge=1900, le=9999, examples=[2024],
                                            description="Sales of this year (default: all)")]
          = None,
          account_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> RealisedGains:
    return RealisedGains.of(realised_gains(scope, year, account_id), year)


@router.get("/realised-gains/export", response_class=Response,
            responses={200: {"content": {m: {} for m in MEDIA.values()},
                             "description": "The file"}, **READS},
            summary="A year's realised gains as CSV (detail) or XLSX (detail and summary)")
def export(scope: BookScope, year: Year, format: Literal["csv", "xlsx"] = "csv") -> Response:
    data = export_realised_gains(scope, year, format)
    name = f"realised-gains-{year}-book{scope.book_id}.{format}"
    return Response(data, media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
