"""Monthly summary: one month's income, expenses, net, savings rate and where the money went.

Every figure is summed in DuckDB over the book's columnar copy (``store``), in one query per
report (see ``BookQuery.frames``); Python only turns the few result rows into the dataclass.
Transfers are never income or expense (``tx.flow``), so moving money to savings does not look like
spending, and a refund in an expense category lowers that category's spending instead of
counting as income. Rows without an exchange rate are left out of every total and reported
in ``unconverted`` (own-currency minor units per currency) instead.

The filter's date range narrows the month being summarised; the months the "against the
average" table compares with keep the filter's other criteria (accounts, categories, tags,
text, amounts) but not its dates, because a page-wide date range would otherwise leave
nothing to compare with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import cast

import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.budgets.history import month_budgets
from fintrack_core.errors import ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.reports._base_query import (
    ROOTS_SQL,
    BookQuery,
    div_half_even,
    sql_literal,
    unconverted_sql,
)
from fintrack_core.reports.filter_sql import where
from fintrack_core.reports.memo import remembered
from fintrack_core.reports.periods import add_months, month_end, month_start
from fintrack_core.telemetry import timed_report

UNCATEGORISED = "Uncategorised"
UNCATEGORISED_COLOR = "#9e9e9e"
BIGGEST = 10


@dataclass(frozen=True)
class MonthlySummary:
    """One month in the book's base currency (integer minor units; expenses negative)."""

    base_currency: str
    month: dt.date  # first day of the month
    income: int
    expenses: int
    net: int
    savings_rate: Decimal | None  # net / income, 4 places half-even; None without income
    # category_id, parent_id, name, path, depth, kind, color, own, total: every income and
    # expense category with activity and its ancestors; "Uncategorised" (category_id NA)
    # once per flow that has uncategorised rows.
    by_category: pd.DataFrame
    # id, date, account, payee, description, category (path), amount (own currency),
    # currency, amount_base: the largest outgoing expense rows.
    biggest: pd.DataFrame
    # category_id, path, this_month, average_previous, change per top-level expense category.
    vs_average: pd.DataFrame
    unconverted: dict[str, int]  # currency -> own minor units without a rate
    # budget_id, category_id, category, budgeted, spent: the budgets whose periods start in
    # the month against their spending (``budgets.history.month_budgets``). A budget covers
    # its whole category sub-tree in its own periods, so the report's filter does not apply.
    budgets: pd.DataFrame


def _check_month_range(month: dt.date, compare_months: int) -> None:
    """Dates end at 9999-12-31 and start at 0001-01-01: the month after ``month`` and the
    first compared month must exist, or the date arithmetic overflows."""
    index = month.year * 12 + month.month - 1
    lowest = 12 + compare_months  # 0001-01 plus the compared months
    if index - compare_months < 12 or month >= dt.date(9999, 12, 1):
        first = f"{lowest // 12:04d}-{lowest % 12 + 1:02d}"
        raise ValidationError("month", f"{month.year:04d}-{month.month:02d} is out of range: "
                                       f"with {compare_months} months compared, reports cover "
                                       f"{first} to 9999-11")


# --- the report -------------------------------------------------------------------------

_SUMMARY_SQL = """
WITH cube AS MATERIALIZED (
    -- The one pass over the converted transactions: the month and the months it is
    -- compared with, summed per category and flow.
    SELECT t.date >= ? AS in_month, t.flow = 'income' AS is_income, t.category_id,
           sum(t.amount_base) AS base
    FROM tx t
    WHERE t.date BETWEEN ? AND ? AND t.flow <> 'transfer' AND t.amount_base IS NOT NULL
      AND ({other}) AND (t.date < ? OR ({dates}))
    GROUP BY ALL),
month AS (SELECT is_income, category_id, base FROM cube WHERE in_month),
totals AS (
    SELECT CAST(coalesce(sum(base) FILTER (is_income), 0) AS BIGINT) AS income,
           CAST(coalesce(sum(base) FILTER (NOT is_income), 0) AS BIGINT) AS expenses
    FROM month),
own AS (
    SELECT category_id, sum(base) AS own FROM month
    WHERE category_id IS NOT NULL GROUP BY category_id),
tot AS (
    SELECT a.ancestor_id AS category_id, sum(m.base) AS total
    FROM month m JOIN category_ancestors a ON a.category_id = m.category_id
    GROUP BY a.ancestor_id),
by_category AS (
    SELECT c.id AS category_id, c.parent_id, c.name, c.path, c.depth, c.kind, c.color,
           CAST(coalesce(own.own, 0) AS BIGINT) AS own, CAST(tot.total AS BIGINT) AS total
    FROM tot JOIN categories c ON c.id = tot.category_id
    LEFT JOIN own ON own.category_id = c.id
    UNION ALL
    SELECT NULL, NULL, {uncategorised}, {uncategorised}, 0,
           CASE WHEN is_income THEN 'income' ELSE 'expense' END, {color},
           CAST(sum(base) AS BIGINT), CAST(sum(base) AS BIGINT)
    FROM month WHERE category_id IS NULL GROUP BY is_income),
{roots},
vs_average AS (
    SELECT r.root_id AS category_id, coalesce(r.root_path, {uncategorised}) AS path,
           CAST(coalesce(sum(c.base) FILTER (c.in_month), 0) AS BIGINT) AS this_month,
           CAST(coalesce(sum(c.base) FILTER (NOT c.in_month), 0) AS BIGINT) AS previous
    FROM cube c LEFT JOIN roots r ON r.category_id = c.category_id
    WHERE NOT c.is_income
    GROUP BY r.root_id, r.root_path),
-- Rows without a rate (usually none: the scan skips row groups without NULLs).
unconverted AS ({unconverted}),
biggest AS (
    SELECT t.id, t.date, a.name AS account, t.payee, t.description,
           coalesce(c.path, {uncategorised}) AS category, t.amount_minor AS amount,
           t.currency, t.amount_base
    FROM tx t JOIN accounts a ON a.id = t.account_id
    LEFT JOIN categories c ON c.id = t.category_id
    WHERE ({cond}) AND t.date BETWEEN ? AND ? AND t.flow = 'expense' AND t.amount_base < 0
    ORDER BY t.amount_base, t.date, t.id
    LIMIT {limit})
SELECT (SELECT list(x) FROM totals x) AS totals,
       (SELECT list(x ORDER BY x.kind <> 'income', x.category_id IS NULL, lower(x.path))
        FROM by_category x) AS by_category,
       (SELECT list(x ORDER BY x.amount_base, x.date, x.id) FROM biggest x) AS biggest,
       (SELECT list(x ORDER BY x.category_id IS NULL, lower(x.path))
        FROM vs_average x) AS vs_average,
       (SELECT list(x ORDER BY x.currency) FROM unconverted x) AS unconverted
"""

_SHAPES = {
    "totals": {"income": "int64", "expenses": "int64"},
    "by_category": {"category_id": "Int64", "parent_id": "Int64", "name": "str",
                    "path": "str", "depth": "int64", "kind": "str", "color": "str",
                    "own": "int64", "total": "int64"},
    "biggest": {"id": "int64", "date": "object", "account": "str", "payee": "str",
                "description": "str", "category": "str", "amount": "int64",
                "currency": "str", "amount_base": "int64"},
    "vs_average": {"category_id": "Int64", "path": "str", "this_month": "int64",
                   "previous": "int64"},
    "unconverted": {"currency": "str", "amount": "int64"},
}


@timed_report("monthly")
@remembered
def monthly_summary(scope: Scope, month: dt.date, flt: TransactionFilter | None = None,
                    compare_months: int = 3) -> MonthlySummary:
    """Summarise ``month`` (any day of it) for the scope's book.

    ``compare_months`` previous calendar months (months without spending count as zero)
    give each top-level expense category's average for ``vs_average``; it lists every
    top-level expense category spent in either period (one that dropped to zero is news)
    plus an "Uncategorised" row (category_id NA), so its rows add up to the expenses.
    """
    if compare_months < 1:
        raise ValidationError("compare_months", "compare with at least one previous month")
    _check_month_range(month, compare_months)
    flt = flt or TransactionFilter()
    first, last = month_start(month), month_end(month)
    q = BookQuery(scope, flt)
    base, cond, params = q.base_currency, q.cond, q.params
    # The filter without its dates (for the earlier months), and its dates alone.
    other, other_params = where(replace(flt, date_from=None, date_to=None), "t")
    dates, dates_params = where(TransactionFilter(date_from=flt.date_from, date_to=flt.date_to,
                                                  include_scheduled=True), "t")
    unconverted = unconverted_sql(f"({cond}) AND t.date BETWEEN ? AND ? "
                                  "AND t.flow <> 'transfer'")
    sql = _SUMMARY_SQL.format(other=other, dates=dates, cond=cond, roots=ROOTS_SQL,
                              unconverted=unconverted, limit=BIGGEST,
                              uncategorised=sql_literal(UNCATEGORISED),
                              color=sql_literal(UNCATEGORISED_COLOR))
    frames = q.frames(sql, [
        first, add_months(first, -compare_months), last, *other_params, first, *dates_params,
        *params, first, last, *params, first, last], _SHAPES)

    income = int(cast(int, frames["totals"].at[0, "income"]))  # an integer column
    expenses = int(cast(int, frames["totals"].at[0, "expenses"]))
    net = income + expenses
    rate = None if income == 0 else (Decimal(net) / Decimal(income)).quantize(
        Decimal("0.0001"), ROUND_HALF_EVEN)
    vs = frames["vs_average"]
    vs["average_previous"] = pd.Series(
        [div_half_even(p, compare_months) for p in vs["previous"]], index=vs.index,
        dtype="int64")
    vs["change"] = vs["this_month"] - vs["average_previous"]
    return MonthlySummary(
        base_currency=base, month=first, income=income, expenses=expenses, net=net,
        savings_rate=rate, by_category=frames["by_category"], biggest=frames["biggest"],
        vs_average=vs.drop(columns=["previous"]),
        unconverted=dict(zip(frames["unconverted"]["currency"],
                             map(int, frames["unconverted"]["amount"]), strict=True)),
        budgets=month_budgets(scope, first),
    )
