"""The transactions behind a number: what a click on a chart, a cell or a slice opens.

Why paged in SQL: a slice can hold hundreds of thousands of rows; DuckDB counts and sums them
all but hands back one page (LIMIT/OFFSET), newest first, so a click never moves more than
``page_size`` rows into Python. The keyword arguments mirror the report dimensions, and the
labels those reports use for "nothing" (``UNCATEGORISED``, ``NO_PAYEE``, ``NO_TAG``) select
exactly the rows they counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.errors import ValidationError
from fintrack_core.filters import MAX_PAGE_SIZE, TransactionFilter
from fintrack_core.reports._base_query import (
    UNCATEGORISED,
    BookQuery,
    as_dates,
)
from fintrack_core.reports.categories import NO_PAYEE
from fintrack_core.reports.periods import month_start, next_month
from fintrack_core.reports.pivot import NO_TAG
from fintrack_core.telemetry import timed_report

ROW_COLUMNS = ["id", "date", "account", "payee", "description", "category", "amount",
               "currency", "amount_base", "tags"]
FLOWS = ("income", "expense", "transfer", "all")


@dataclass(frozen=True)
class Drilldown:
    """One page of matching transactions, plus the count and base sum of *all* of them.

    ``rows``: id, date (``datetime.date``), account (name), payee, description, category
    (path, NA when uncategorised), amount (minor units of ``currency``), currency,
    amount_base (base minor units, NA without a rate), tags (list of str).
    ``sum_base`` leaves out rows without a rate; those are in ``unconverted``.
    """

    rows: pd.DataFrame
    total: int
    sum_base: int
    base_currency: str = ""
    page: int = 1
    page_size: int = 50
    unconverted: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _conditions(*, month: dt.date | None, week: dt.date | None, category_id: int | None,
                payee: str | None, account_id: int | None, weekday: int | None,
                day: int | None, tag: str | None, flow: str | None
                ) -> tuple[list[str], list[object]]:
    """The drill-down keys as SQL on ``t`` (each validated and naming its field)."""
    parts: list[str] = []
    params: list[object] = []
    if month is not None:
        parts.append("t.date >= ? AND t.date < ?")
        params += [month_start(month), next_month(month)]
    if week is not None:
        monday = week - dt.timedelta(days=week.weekday())
        parts.append("t.date >= ? AND t.date < ?")
        params += [monday, monday + dt.timedelta(days=7)]
    if category_id is not None:
        if int(category_id) == UNCATEGORISED:
            parts.append("t.category_id IS NULL")
        else:
            parts.append("t.category_id IN (SELECT category_id FROM category_ancestors "
                         "WHERE ancestor_id = ?)")
            params.append(int(category_id))
    if payee is not None:
        parts.append("t.payee = ?")
        params.append("" if payee == NO_PAYEE else payee)
    if account_id is not None:
        parts.append("t.account_id = ?")
        params.append(int(account_id))
    if weekday is not None:
        if not 0 <= int(weekday) <= 6:
            raise ValidationError("weekday", "give 0 (Monday) to 6 (Sunday)")
        parts.append("isodow(t.date) - 1 = ?")
        params.append(int(weekday))
    if day is not None:
        if not 1 <= int(day) <= 31:
            raise ValidationError("day", "give a day of the month from 1 to 31")
        parts.append("day(t.date) = ?")
        params.append(int(day))
    if tag is not None:
        if tag == NO_TAG:
            parts.append("t.tags = ''")
        else:
            parts.append("contains(t.tags, ?)")
            params.append(f",{tag.strip().lower().lstrip('#')},")
    if flow is not None:
        if flow not in FLOWS:
            raise ValidationError("flow", f"{flow!r} is not one of {', '.join(FLOWS)}")
        if flow == "all":
            parts.append("t.flow IN ('income', 'expense')")
        else:
            parts.append("t.flow = ?")
            params.append(flow)
    return parts, params


@timed_report("drilldown")
def drilldown(scope: Scope, flt: TransactionFilter | None = None, *, month: dt.date | None = None,
              week: dt.date | None = None, category_id: int | None = None,
              payee: str | None = None, account_id: int | None = None,
              weekday: int | None = None, day: int | None = None, tag: str | None = None,
              flow: str | None = None, page: int = 1, page_size: int = 50) -> Drilldown:
    """Page ``page`` of the transactions matching ``flt`` and the given keys.

    ``category_id`` includes sub-categories (``UNCATEGORISED`` = rows without one); ``month``
    and ``week`` take any day of the period; ``flow`` is "income", "expense", "transfer",
    "all" (income and expense) or None (every row, transfers too). Ordered by date, then
    id, newest first. A page past the end is empty but still carries the totals.
    """
    if int(page) < 1:
        raise ValidationError("page", "pages start at 1")
    if not 1 <= int(page_size) <= MAX_PAGE_SIZE:
        raise ValidationError("page_size", f"give 1 to {MAX_PAGE_SIZE} rows per page")
    page, page_size = int(page), int(page_size)
    parts, extra_params = _conditions(month=month, week=week, category_id=category_id,
                                      payee=payee, account_id=account_id, weekday=weekday,
                                      day=day, tag=tag, flow=flow)
    q = BookQuery(scope, flt)
    extra = " AND ".join(parts) or "TRUE"
    sql = f"""
        WITH f AS (
            SELECT t.* FROM tx t WHERE ({q.cond}) AND ({extra})
        ), agg AS (
            SELECT count(*) AS total_rows,
                   CAST(coalesce(sum(amount_base), 0) AS BIGINT) AS total_base
            FROM f
        ), pg AS (
            SELECT f.id, f.date, a.name AS account, f.payee, f.description,
                   c.path AS category, f.amount_minor AS amount, f.currency, f.amount_base,
                   CASE WHEN f.tags = '' THEN CAST([] AS VARCHAR[])
                        ELSE string_split(trim(f.tags, ','), ',') END AS tags
            FROM f
            LEFT JOIN accounts a ON a.id = f.account_id
            LEFT JOIN categories c ON c.id = f.category_id
            ORDER BY f.date DESC, f.id DESC
            LIMIT ? OFFSET ?
        )
        SELECT agg.total_rows, agg.total_base, pg.*
        FROM agg LEFT JOIN pg ON TRUE
        ORDER BY pg.date DESC, pg.id DESC
    """  # noqa: S608 - conditions are fixed text; values are bound parameters
    frame = q.run(sql, [*q.params, *extra_params, page_size,
                             (page - 1) * page_size])
    total = int(frame["total_rows"].iloc[0])
    sum_base = int(frame["total_base"].iloc[0])
    rows = frame[frame["id"].notna()][ROW_COLUMNS].reset_index(drop=True)
    rows = rows.astype({"id": "int64", "amount": "int64", "amount_base": "Int64"})
    rows["date"] = as_dates(rows["date"])
    rows["tags"] = pd.Series([list(v) for v in rows["tags"]], index=rows.index, dtype=object)
    missing = q.unconverted(extra, extra_params) if total else {}
    return Drilldown(rows, total, sum_base, q.base_currency, page, page_size, missing)
