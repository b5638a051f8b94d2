"""Reports (monthly, trends, categories, cash flow, net worth, pivot) and exports.

Every report takes the shared transaction filter as query parameters (``fintrack_api.filters``)
and answers what the Reports pages show, from the same DuckDB queries; exports stream the
same CSV/XLSX files as the dashboard's download buttons.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from fintrack_api.deps import BookScope
from fintrack_api.filters import FilterDep
from fintrack_api.problems import responses
from fintrack_api.schemas import Money, money
from fintrack_api.tables import Table, table
from fintrack_core.api import ValidationError
from fintrack_core.ledger.books import get_book
from fintrack_core.reports.cashflow import cashflow_sankey
from fintrack_core.reports.categories import category_breakdown
from fintrack_core.reports.exports import write_transactions
from fintrack_core.reports.networth import net_worth
from fintrack_core.reports.pivot import pivot
from fintrack_core.reports.summary import monthly_summary
from fintrack_core.reports.trends import trends

router = APIRouter(prefix="/books/{book_id}", tags=["reports"])
READS = responses(401, 404, 422)
SPOOL_IN_MEMORY = 8 * 2**20  # an export larger than this is spooled to a temporary file
CHUNK = 256 * 1024
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _unconverted(amounts: dict[str, int]) -> list[Money]:
    return [money(v, c) for c, v in sorted(amounts.items())]


class MonthlyReport(BaseModel):
    month: dt.date = Field(examples=["2024-03-01"])
    base_currency: str = Field(examples=["EUR"])
    income: Money
    expenses: Money
    net: Money
    savings_rate: str | None = Field(examples=["0.6174"], description="net / income")
    by_category: Table
    biggest: Table
    vs_average: Table
    budgets: Table
    unconverted: list[Money] = Field(description="Rows without an exchange rate, left out")


@router.get("/reports/monthly", response_model=MonthlyReport, responses=READS,
            summary="One month: income, expenses, categories, biggest rows, budgets")
def monthly(scope: BookScope, flt: FilterDep,
            month: Annotated[dt.date | None, Query(description=(
                "Any day of the month; default: this month"), examples=["2024-03-01"])] = None,
            compare_months: Annotated[int, Query(ge=0, le=24)] = 3) -> MonthlyReport:
    s = monthly_summary(scope, month or dt.date.today(), flt, compare_months)
    base = s.base_currency
    return MonthlyReport(
        month=s.month, base_currency=base, income=money(s.income, base),
        expenses=money(s.expenses, base), net=money(s.net, base),
        savings_rate=None if s.savings_rate is None else str(s.savings_rate),
        by_category=table(s.by_category, base), biggest=table(s.biggest, base),
        vs_average=table(s.vs_average, base), budgets=table(s.budgets, base),
        unconverted=_unconverted(s.unconverted))


class TrendsReport(BaseModel):
    base_currency: str
    date_from: dt.date
    date_to: dt.date
    monthly: Table
    by_category: Table
    balances: Table
    category_stats: Table
    unconverted: list[Money]


@router.get("/reports/trends", response_model=TrendsReport, responses=READS,
            summary="Month by month over the filter's date range (date_from and date_to)")
def trend(scope: BookScope, flt: FilterDep) -> TrendsReport:
    if flt.date_from is None or flt.date_to is None:
        raise ValidationError("date_from" if flt.date_from is None else "date_to",
                              "trends need a date range: give date_from and date_to")
    t = trends(scope, flt.date_from, flt.date_to, flt)
    base = t.base_currency
    return TrendsReport(base_currency=base, date_from=t.date_from, date_to=t.date_to,
                        monthly=table(t.monthly, base), by_category=table(t.by_category, base),
                        balances=table(t.balances, base),
                        category_stats=table(t.category_stats, base),
                        unconverted=_unconverted(t.unconverted))


class CategoriesReport(BaseModel):
    kind: str = Field(examples=["expense"])
    categories: Table


@router.get("/reports/categories", response_model=CategoriesReport, responses=READS,
            summary="Every category's total, with its sub-categories rolled up")
def categories(scope: BookScope, flt: FilterDep,
               kind: Literal["expense", "income"] = "expense") -> CategoriesReport:
    frame = category_breakdown(scope, flt, kind)
    return CategoriesReport(kind=kind, categories=table(frame, _base(scope)))


class CashFlowReport(BaseModel):
    base_currency: str
    income: Money
    expenses: Money
    nodes: Table
    links: Table = Field(description="value: positive base-currency amounts")
    first_date: dt.date | None
    last_date: dt.date | None
    unconverted: list[Money]


@router.get("/reports/cashflow", response_model=CashFlowReport, responses=READS,
            summary="Where the money came from and went (a Sankey diagram's nodes and links)")
def cashflow(scope: BookScope, flt: FilterDep) -> CashFlowReport:
    c = cashflow_sankey(scope, flt)
    base = c.base_currency
    return CashFlowReport(base_currency=base, income=money(c.income, base),
                          expenses=money(c.expenses, base), nodes=table(c.nodes, base, ()),
                          links=table(c.links, base, ("value",)), first_date=c.first_date,
                          last_date=c.last_date, unconverted=_unconverted(c.unconverted))


class NetWorthReport(BaseModel):
    base_currency: str
    monthly: Table = Field(description="Assets, liabilities and net worth at month ends")
    accounts: Table
    unconverted: Table


@router.get("/reports/net-worth", response_model=NetWorthReport, responses=READS,
            summary="Assets, liabilities and net worth at each month end")
def networth(scope: BookScope,
             date_from: Annotated[dt.date, Query(examples=["2024-01-01"])],
             date_to: Annotated[dt.date, Query(examples=["2024-12-31"])]) -> NetWorthReport:
    n = net_worth(scope, date_from, date_to)
    base = n.base_currency
    return NetWorthReport(base_currency=base, monthly=table(n.monthly, base),
                          accounts=table(n.accounts, base),
                          unconverted=table(n.unconverted, base))


@router.get("/reports/pivot", response_model=Table, responses=READS,
            summary="A pivot table: rows × columns of a measure")
def pivot_table(scope: BookScope, flt: FilterDep,
                rows: Annotated[str, Query(max_length=40, examples=["category"])],
                measure: Literal["sum", "count", "average"] = "sum",
                columns: Annotated[str | None, Query(max_length=40, examples=["month"])]
                = None,
                flow: Literal["expense", "income", "all"] = "expense") -> Table:
    frame = pivot(scope, rows, columns, measure, flt, flow).reset_index()
    values = [c for c in frame.columns if c != frame.columns[0]]
    return table(frame, _base(scope), () if measure == "count" else values)


def _base(scope: BookScope) -> str:
    return get_book(scope).base_currency


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()


@router.get("/exports/transactions", response_class=StreamingResponse,
            responses={200: {"content": {m: {} for m in MEDIA.values()},
                             "description": "The file"}, **READS},
            summary="Every transaction matching the filter, as CSV or XLSX")
def export(scope: BookScope, flt: FilterDep,
           format: Literal["csv", "xlsx"] = "csv") -> StreamingResponse:
    """Written to a spool first (so an error is a problem, not half a file), then streamed."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed by _chunks
    try:
        write_transactions(scope, flt, format, spool)  # type: ignore[arg-type]
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    name = f"transactions-book{scope.book_id}.{format}"
    return StreamingResponse(_chunks(spool), media_type=MEDIA[format],
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
