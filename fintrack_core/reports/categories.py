"""Where the money goes: categories (with roll-ups), payees, month over month, calendar.

Every function returns a pandas DataFrame of base-currency minor units, summed in DuckDB over
the book's copy. Expenses keep their sign (negative = money out) so a refund in an expense
category simply lowers that category. Transfers never count (``tx.flow``). Uncategorised rows
count too — as a pseudo-category with id ``UNCATEGORISED`` (0) where a category id is
expected — so the parts always add up to the income/expense totals of the other reports.

Each frame carries ``attrs["base_currency"]`` and ``attrs["unconverted"]`` ({currency:
own-currency minor units} of matching rows without an exchange rate), because a frame has no
other place to say that some amounts could not be counted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.filters import TransactionFilter
from fintrack_core.reports._base_query import (
    UNCATEGORISED,
    UNCATEGORISED_LABEL,
    BookQuery,
    flow_condition,
)
from fintrack_core.reports.memo import remembered
from fintrack_core.reports.periods import month_start, next_month
from fintrack_core.telemetry import timed_report

__all__ = ["NO_PAYEE", "UNCATEGORISED", "WEEKDAYS", "category_breakdown", "month_over_month",
           "spending_by_day_of_month", "spending_by_weekday", "top_payees"]

NO_PAYEE = "(no payee)"
UNCATEGORISED_COLOR = "#9e9e9e"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _finish(frame: pd.DataFrame, q: BookQuery, extra: str, extra_params: list[object]
            ) -> pd.DataFrame:
    frame.attrs["base_currency"] = q.base_currency
    frame.attrs["unconverted"] = q.unconverted(extra, extra_params)
    return frame


@timed_report("categories")
@remembered
def category_breakdown(scope: Scope, flt: TransactionFilter | None = None,
                       kind: str = "expense") -> pd.DataFrame:
    """Every category with a non-zero rolled-up total, ready for a sunburst or treemap.

    ``own`` is what was booked directly on the category; ``total`` adds every sub-category
    (via ``category_ancestors``), which is what ``branchvalues="total"`` charts need. Rows
    without a category appear as ``UNCATEGORISED`` (id 0, depth 0) so the slices add up to
    the whole; ``kind`` is "expense" (negative sums) or "income".
    """
    flow_sql, flow_params = flow_condition(kind)
    q = BookQuery(scope, flt)
    sql = f"""
        WITH own AS (
            SELECT coalesce(t.category_id, {UNCATEGORISED}) AS category_id,
                   sum(t.amount_base) AS own
            FROM tx t WHERE {flow_sql} AND ({q.cond}) GROUP BY 1
        ), rolled AS (
            SELECT a.ancestor_id AS category_id, sum(o.own) AS total
            FROM own o JOIN category_ancestors a ON a.category_id = o.category_id
            GROUP BY 1
            UNION ALL
            SELECT category_id, own FROM own WHERE category_id = {UNCATEGORISED}
        )
        SELECT r.category_id, c.parent_id,
               coalesce(c.name, ?) AS name, coalesce(c.path, ?) AS path,
               coalesce(c.depth, 0) AS depth, coalesce(c.color, ?) AS color,
               CAST(coalesce(o.own, 0) AS BIGINT) AS own, CAST(r.total AS BIGINT) AS total
        FROM rolled r
        LEFT JOIN categories c ON c.id = r.category_id
        LEFT JOIN own o ON o.category_id = r.category_id
        WHERE r.total <> 0
        ORDER BY r.category_id = {UNCATEGORISED}, c.path
    """  # noqa: S608 - fixed SQL text; values are bound parameters
    frame = q.run(sql, [*flow_params, *q.params, UNCATEGORISED_LABEL,
                             UNCATEGORISED_LABEL, UNCATEGORISED_COLOR])
    frame["parent_id"] = frame["parent_id"].astype("Int64")
    frame = frame.astype({"category_id": "int64", "depth": "int64", "own": "int64",
                          "total": "int64"})
    return _finish(frame, q, flow_sql, flow_params)


@timed_report("top_payees")
@remembered
def top_payees(scope: Scope, flt: TransactionFilter | None = None, limit: int = 10,
               kind: str = "expense") -> pd.DataFrame:
    """The payees with the largest sums (by size, whatever the sign), most first.

    ``count`` is the number of matching transactions, including any without an exchange
    rate (those are in ``attrs["unconverted"]``, not in ``amount``). An empty payee is
    shown as ``NO_PAYEE``.
    """
    flow_sql, flow_params = flow_condition(kind)
    q = BookQuery(scope, flt)
    sql = f"""
        SELECT CASE WHEN t.payee = '' THEN ? ELSE t.payee END AS payee,
               CAST(coalesce(sum(t.amount_base), 0) AS BIGINT) AS amount,
               count(*) AS count
        FROM tx t WHERE {flow_sql} AND ({q.cond})
        GROUP BY 1
        ORDER BY abs(amount) DESC, count DESC, payee
        LIMIT ?
    """  # noqa: S608 - fixed SQL text; values are bound parameters
    frame = q.run(sql, [NO_PAYEE, *flow_params, *q.params, max(int(limit), 0)])
    frame = frame.astype({"amount": "int64", "count": "int64"})
    return _finish(frame, q, flow_sql, flow_params)


def _pct(change: int, previous: int) -> Decimal | None:
    """Relative change of the amount itself, in percent to one decimal place.

    Dividing by the (signed) previous amount keeps the reading natural for expenses: from
    -100 to -120 is +20 %, i.e. 20 % more spent. No previous amount, no percentage.
    """
    if previous == 0:
        return None
    if change == 0:
        return Decimal("0.0")  # not "-0.0" when the previous amount was negative
    return (Decimal(change) * 100 / Decimal(previous)).quantize(Decimal("0.1"),
                                                                 rounding=ROUND_HALF_EVEN)


@timed_report("month_over_month")
@remembered
def month_over_month(scope: Scope, month: dt.date, flt: TransactionFilter | None = None
                     ) -> pd.DataFrame:
    """Spending per top-level expense category in ``month`` next to the month before.

    ``month`` may be any day of the month. The months decide the dates, so the filter's own
    date range is ignored; its other fields apply. ``change`` = current - previous (negative
    means more money went out); ``change_pct`` is a ``Decimal`` or ``None`` (see ``_pct``).
    Categories with nothing in either month are left out; uncategorised spending is a row
    of its own.
    """
    current = month_start(month)
    previous = month_start(current - dt.timedelta(days=1))
    end = next_month(current)
    flt = dataclasses.replace(flt or TransactionFilter(), date_from=previous,
                              date_to=end - dt.timedelta(days=1))
    flow_sql, flow_params = flow_condition("expense")
    q = BookQuery(scope, flt)
    sql = f"""
        WITH per AS (
            SELECT coalesce(c.root_id, {UNCATEGORISED}) AS category_id,
                   sum(t.amount_base) FILTER (WHERE t.date < ?) AS previous,
                   sum(t.amount_base) FILTER (WHERE t.date >= ?) AS current
            FROM tx t LEFT JOIN categories c ON c.id = t.category_id
            WHERE {flow_sql} AND ({q.cond})
            GROUP BY 1
        )
        SELECT p.category_id, coalesce(r.path, ?) AS path,
               CAST(coalesce(p.previous, 0) AS BIGINT) AS previous,
               CAST(coalesce(p.current, 0) AS BIGINT) AS current
        FROM per p LEFT JOIN categories r ON r.id = p.category_id
        WHERE coalesce(p.previous, 0) <> 0 OR coalesce(p.current, 0) <> 0
        ORDER BY p.category_id = {UNCATEGORISED}, path
    """  # noqa: S608 - fixed SQL text; values are bound parameters
    frame = q.run(sql, [current, current, *flow_params, *q.params,
                             UNCATEGORISED_LABEL])
    frame = frame.astype({"category_id": "int64", "previous": "int64", "current": "int64"})
    frame["change"] = frame["current"] - frame["previous"]
    frame["change_pct"] = pd.Series(
        [_pct(int(c), int(p)) for c, p in zip(frame["change"], frame["previous"], strict=True)],
        index=frame.index, dtype=object)
    return _finish(frame, q, flow_sql, flow_params)


@timed_report("by_weekday")
@remembered
def spending_by_weekday(scope: Scope, flt: TransactionFilter | None = None) -> pd.DataFrame:
    """Expenses per weekday (0 = Monday … 6 = Sunday); all seven days, empty ones as 0."""
    flow_sql, flow_params = flow_condition("expense")
    q = BookQuery(scope, flt)
    days = ", ".join(f"({i}, '{name}')" for i, name in enumerate(WEEKDAYS))
    sql = f"""
        WITH d AS (
            SELECT isodow(t.date) - 1 AS weekday, sum(t.amount_base) AS amount,
                   count(*) AS n
            FROM tx t WHERE {flow_sql} AND ({q.cond}) GROUP BY 1
        )
        SELECT w.weekday, w.name, CAST(coalesce(d.amount, 0) AS BIGINT) AS amount,
               coalesce(d.n, 0) AS count
        FROM (VALUES {days}) w(weekday, name) LEFT JOIN d ON d.weekday = w.weekday
        ORDER BY w.weekday
    """  # noqa: S608 - fixed SQL text (weekday names are constants); values are bound
    frame = q.run(sql, [*flow_params, *q.params])
    frame = frame.astype({"weekday": "int64", "amount": "int64", "count": "int64"})
    return _finish(frame, q, flow_sql, flow_params)


@timed_report("by_day_of_month")
@remembered
def spending_by_day_of_month(scope: Scope, flt: TransactionFilter | None = None) -> pd.DataFrame:
    """Expenses per day of the month (1 … 31); all 31 days, empty ones as 0."""
    flow_sql, flow_params = flow_condition("expense")
    q = BookQuery(scope, flt)
    sql = f"""
        WITH d AS (
            SELECT day(t.date) AS day, sum(t.amount_base) AS amount, count(*) AS n
            FROM tx t WHERE {flow_sql} AND ({q.cond}) GROUP BY 1
        )
        SELECT r.range AS day, CAST(coalesce(d.amount, 0) AS BIGINT) AS amount,
               coalesce(d.n, 0) AS count
        FROM range(1, 32) r LEFT JOIN d ON d.day = r.range
        ORDER BY day
    """  # noqa: S608 - fixed SQL text; values are bound parameters
    frame = q.run(sql, [*flow_params, *q.params])
    frame = frame.astype({"day": "int64", "amount": "int64", "count": "int64"})
    return _finish(frame, q, flow_sql, flow_params)
