"""Trends over a range of months: income against expenses, category spending, balances.

Each month of the range gets a row even when nothing happened in it (a month without
spending is information, and averages must count it as zero), so the report starts from a
DuckDB ``generate_series`` of months and left-joins the sums onto it. Everything is one query
(see ``BookQuery.frames``): the range's transactions are scanned once for all frames. Transfers
are never income or expense, so moving money between one's own accounts leaves the trend
flat; rows without an exchange rate are reported in ``unconverted``, not summed.

Balances are the exception to the filter: a balance is the sum of *everything* on an
account up to a day, so only the filter's accounts (and ``include_scheduled``) apply to them;
a category, tag or text filter would make the number meaningless.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.errors import ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.reports._base_query import (
    ROOTS_SQL,
    BookQuery,
    div_half_even,
    sql_literal,
    unconverted_sql,
)
from fintrack_core.reports.copy_sql import to_base_sql
from fintrack_core.reports.filter_sql import where
from fintrack_core.reports.memo import remembered
from fintrack_core.reports.periods import add_months, month_end, month_start
from fintrack_core.reports.summary import UNCATEGORISED
from fintrack_core.telemetry import timed_report


@dataclass(frozen=True)
class Trends:
    """Month-by-month figures in the book's base currency (minor units; expenses negative)."""

    base_currency: str
    date_from: dt.date
    date_to: dt.date
    monthly: pd.DataFrame  # month, income, expenses, net — every month of the range
    by_category: pd.DataFrame  # month, category_id, path, amount — months with activity
    balances: pd.DataFrame  # month, account_id, account, currency, balance, balance_base
    category_stats: pd.DataFrame  # category_id, path, average, median (zero months count)
    unconverted: dict[str, int]  # currency -> own minor units of rows without a rate


MAX_MONTHS = 1200  # a century of months: more than any book holds, little enough to answer fast


def last_months(n: int, end: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The range of the last ``n`` calendar months up to and including ``end``'s month.

    (first day of the month ``n - 1`` months before ``end``'s, last day of ``end``'s month);
    ``end`` defaults to today. Used by the 3/6/12/24-month presets.
    """
    if n < 1:
        raise ValidationError("months", "give at least one month")
    end = end or dt.date.today()
    return add_months(end, -(n - 1)), month_end(end)


_TRENDS_SQL = """
WITH months AS (
    SELECT CAST(generate_series AS DATE) AS month
    FROM generate_series(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 MONTH)),
cube AS (
    -- The one pass over the range's converted income and expense rows, per month, category
    -- and flow (year * 12 + month - 1 groups far faster than date_trunc).
    SELECT year(t.date) * 12 + month(t.date) - 1 AS mi, t.flow = 'income' AS is_income,
           t.category_id, sum(t.amount_base) AS base
    FROM tx t
    WHERE ({cond}) AND t.date BETWEEN ? AND ? AND t.flow <> 'transfer'
      AND t.amount_base IS NOT NULL
    GROUP BY ALL),
flows AS MATERIALIZED (
    SELECT make_date(CAST(mi // 12 AS INTEGER), CAST(mi % 12 + 1 AS INTEGER), 1) AS month,
           is_income, category_id, base
    FROM cube),
monthly AS (
    SELECT months.month,
           CAST(coalesce(sum(f.base) FILTER (f.is_income), 0) AS BIGINT) AS income,
           CAST(coalesce(sum(f.base) FILTER (NOT f.is_income), 0) AS BIGINT) AS expenses,
           CAST(coalesce(sum(f.base), 0) AS BIGINT) AS net
    FROM months LEFT JOIN flows f ON f.month = months.month
    GROUP BY months.month),
{roots},
by_category AS (
    SELECT f.month, r.root_id AS category_id, coalesce(r.root_path, {uncategorised}) AS path,
           CAST(sum(f.base) AS BIGINT) AS amount
    FROM flows f LEFT JOIN roots r ON r.category_id = f.category_id
    WHERE NOT f.is_income
    GROUP BY f.month, r.root_id, r.root_path),
-- Every month of the range for every category spent in it: empty months count as zero.
grid AS (
    SELECT c.category_id, c.path, coalesce(b.amount, 0) AS amount
    FROM (SELECT DISTINCT category_id, path FROM by_category) c CROSS JOIN months m
    LEFT JOIN by_category b
           ON b.month = m.month AND b.category_id IS NOT DISTINCT FROM c.category_id),
category_stats AS (
    -- DECIMAL median: the middle of two months is exact (x.5) before half-even rounding.
    SELECT category_id, path, CAST(sum(amount) AS BIGINT) AS total, count(*) AS months,
           CAST(round_even(median(CAST(amount AS DECIMAL(38, 1))), 0) AS BIGINT) AS median
    FROM grid GROUP BY category_id, path),
-- Rows without a rate (usually none: the scan skips row groups without NULLs).
unconverted AS ({unconverted}),
-- Balances: every row of the accounts up to the range's end, history before it included.
moves AS (
    SELECT t.account_id, year(t.date) * 12 + month(t.date) - 1 AS mi,
           sum(t.amount_minor) AS amount
    FROM tx t WHERE ({balance_cond}) AND t.date <= ?
    GROUP BY ALL),
balance AS (
    SELECT m.month, least(last_day(m.month), CAST(? AS DATE)) AS as_of,
           a.id AS account_id, a.name AS account, a.currency,
           CASE WHEN a.opened_on IS NULL
                     OR CAST(a.opened_on AS DATE) <= least(last_day(m.month), CAST(? AS DATE))
                THEN a.opening_balance ELSE 0 END
           + coalesce((SELECT sum(v.amount) FROM moves v WHERE v.account_id = a.id
                       AND v.mi <= year(m.month) * 12 + month(m.month) - 1), 0) AS balance
    FROM months m CROSS JOIN accounts a WHERE {account_cond}),
balances AS (
    -- Converted like a transaction of that day: the store's multiplier and rounding.
    SELECT b.month, b.account_id, b.account, b.currency, CAST(b.balance AS BIGINT) AS balance,
           CASE WHEN b.currency = ? THEN CAST(b.balance AS BIGINT)
                ELSE {to_base}
           END AS balance_base
    FROM balance b ASOF LEFT JOIN rates r ON b.currency = r.ccy AND b.as_of >= r.date)
SELECT (SELECT list(x ORDER BY x.month) FROM monthly x) AS monthly,
       (SELECT list(x ORDER BY x.month, x.category_id IS NULL, lower(x.path))
        FROM by_category x) AS by_category,
       (SELECT list(x ORDER BY x.month, lower(x.account), x.account_id)
        FROM balances x) AS balances,
       (SELECT list(x ORDER BY x.category_id IS NULL, lower(x.path))
        FROM category_stats x) AS category_stats,
       (SELECT list(x ORDER BY x.currency) FROM unconverted x) AS unconverted
"""

_SHAPES = {
    "monthly": {"month": "object", "income": "int64", "expenses": "int64", "net": "int64"},
    "by_category": {"month": "object", "category_id": "Int64", "path": "str",
                    "amount": "int64"},
    "balances": {"month": "object", "account_id": "int64", "account": "str",
                 "currency": "str", "balance": "int64", "balance_base": "Int64"},
    "category_stats": {"category_id": "Int64", "path": "str", "total": "int64",
                       "months": "int64", "median": "int64"},
    "unconverted": {"currency": "str", "amount": "int64"},
}


@timed_report("trends")
@remembered
def trends(scope: Scope, date_from: dt.date, date_to: dt.date,
           flt: TransactionFilter | None = None) -> Trends:
    """Trends of the scope's book for every calendar month touching ``date_from..date_to``.

    The filter's own date range (if any) narrows the transactions further; the months listed
    stay those of ``date_from..date_to``. ``by_category`` and ``category_stats`` are per
    top-level expense category, plus "Uncategorised" (category_id NA) so they add up to the
    expenses. Balances are at each month end, the last one at ``date_to``.
    """
    if date_to < date_from:
        raise ValidationError("date_to", f"{date_to} is before {date_from}")
    months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
    if months > MAX_MONTHS:  # a typo like 0519 for 2019 would ask for 18,000 months
        raise ValidationError("date_from", f"{months:,} months is more than a trend shows "
                                           f"(at most {MAX_MONTHS:,}, {MAX_MONTHS // 12} years)")
    flt = flt or TransactionFilter()
    q = BookQuery(scope, flt)
    base, cond, params = q.base_currency, q.cond, q.params
    # Balances take only the accounts (and whether scheduled rows count) from the filter.
    balance_cond, balance_params = where(TransactionFilter(
        account_ids=flt.account_ids, include_scheduled=flt.include_scheduled), "t")
    ids = [int(i) for i in flt.account_ids]
    account_cond = f"a.id IN ({', '.join('?' * len(ids))})" if ids else "TRUE"
    unconverted = unconverted_sql(f"({cond}) AND t.date BETWEEN ? AND ? "
                                  "AND t.flow <> 'transfer'")
    sql = _TRENDS_SQL.format(cond=cond, roots=ROOTS_SQL, unconverted=unconverted,
                             uncategorised=sql_literal(UNCATEGORISED),
                             balance_cond=balance_cond, account_cond=account_cond,
                             to_base=to_base_sql("b.balance"))
    frames = q.frames(sql, [
        month_start(date_from), month_start(date_to), *params, date_from, date_to,
        *params, date_from, date_to, *balance_params, date_to, date_to, date_to, *ids, base],
        _SHAPES)

    stats = frames["category_stats"]
    stats["average"] = pd.Series(
        [div_half_even(t, n) for t, n in zip(stats["total"], stats["months"], strict=True)],
        index=stats.index, dtype="int64")
    missing = frames["unconverted"]
    return Trends(
        base_currency=base, date_from=date_from, date_to=date_to,
        monthly=frames["monthly"], by_category=frames["by_category"],
        balances=frames["balances"],
        category_stats=stats[["category_id", "path", "average", "median"]],
        unconverted=dict(zip(missing["currency"], map(int, missing["amount"]), strict=True)),
    )
