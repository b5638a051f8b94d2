"""Net worth month by month: every account's month-end balance in the base currency.

Why month ends and month-end rates: net worth is a stock, not a flow — what the accounts held
on a day, valued at that day's exchange rate (the latest known on or before it). So a USD
balance is converted once, as a whole, at the month-end rate; it is *not* the sum of its
transactions converted at their own dates (that would be the flow view of the other reports).

Classification: accounts of a liability type (credit card, loan) are liabilities; their
balances are usually negative (money owed), and ``liabilities`` reports the amount owed as a
positive number (the negated sum). Every other account counts in ``assets`` with its balance
as it is — an overdrawn checking account lowers assets rather than becoming a liability, so
the split never depends on the sign of the day. ``net_worth = assets - liabilities``.

Investments: an investment account's cash is a ledger balance like any other; its holdings
(the units of each asset) count at market value on each month end, converted at that day's
rate (``portfolio.market_value``: latest price on or before the day, each holding rounded
once, half-even). They are an asset, shown on their own in ``investments`` and included in
``assets``, so net worth is one number across cash, debts and investments. A holding with no
price or no rate on a month end is left out of that month and listed in ``unvalued`` with the
reason — never counted as 0 without saying so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.errors import ValidationError
from fintrack_core.portfolio.market_value import holdings_market_value
from fintrack_core.reports._base_query import BookQuery, as_dates
from fintrack_core.reports.copy_sql import to_base_sql
from fintrack_core.reports.periods import month_start
from fintrack_core.reports.trends import MAX_MONTHS
from fintrack_core.telemetry import timed_report


@dataclass(frozen=True)
class NetWorth:
    """``monthly``: month (month-end ``date``), assets (investments included), liabilities,
    net_worth, investments (the holdings' market value).

    ``accounts``: month, account_id, account, currency, is_liability, balance (own minor
    units), balance_base (base minor units, NA when unconverted).
    ``unconverted``: month, account_id, account, currency, balance — non-zero balances with no
    exchange rate on or before that month end; they are left out of ``monthly``.
    ``holdings``: month, account_id, account, symbol, quantity (exact text), value_base (base
    minor units, NA when unvalued). ``unvalued``: month, account, symbol, reason — holdings
    left out of ``monthly`` because they had no price or no exchange rate.
    """

    base_currency: str
    monthly: pd.DataFrame
    accounts: pd.DataFrame
    unconverted: pd.DataFrame
    holdings: pd.DataFrame
    unvalued: pd.DataFrame


_SQL = """
WITH months AS (
    SELECT CAST(last_day(CAST(r.m AS DATE)) AS DATE) AS month
    FROM range(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP) + INTERVAL 1 MONTH,
               INTERVAL 1 MONTH) r(m)
), bounds AS (
    SELECT min(month) AS first, max(month) AS last FROM months
), moves AS (  -- per account and month end; everything before the range in its first month
    SELECT t.account_id, greatest(CAST(last_day(t.date) AS DATE), b.first) AS month,
           sum(t.amount_minor) AS amount
    FROM tx t CROSS JOIN bounds b
    WHERE t.date <= b.last AND NOT (t.scheduled AND t.date > ?)  -- today, from Python
    GROUP BY 1, 2
), balances AS (
    SELECT m.month, a.id AS account_id, a.name AS account, a.currency, a.is_liability,
           CASE WHEN CAST(a.opened_on AS DATE) <= m.month THEN a.opening_balance ELSE 0 END
           + sum(coalesce(mv.amount, 0)) OVER (PARTITION BY a.id ORDER BY m.month)
             AS balance
    FROM months m CROSS JOIN accounts a
    LEFT JOIN moves mv ON mv.account_id = a.id AND mv.month = m.month
), converted AS (
    SELECT b.*,
           CASE WHEN b.currency = ? OR b.balance = 0 THEN b.balance
                ELSE {to_base}
           END AS balance_base
    FROM balances b ASOF LEFT JOIN rates r ON b.currency = r.ccy AND b.month >= r.date
)
SELECT month, account_id, account, currency, is_liability,
       CAST(balance AS BIGINT) AS balance, balance_base,
       CAST(coalesce(sum(balance_base) FILTER (WHERE NOT is_liability)
                     OVER (PARTITION BY month), 0) AS BIGINT) AS assets,
       CAST(-coalesce(sum(balance_base) FILTER (WHERE is_liability)
                      OVER (PARTITION BY month), 0) AS BIGINT) AS liabilities
FROM converted
ORDER BY month, account_id
"""


@timed_report("net_worth")
def net_worth(scope: Scope, date_from: dt.date, date_to: dt.date) -> NetWorth:
    """Assets, liabilities and net worth at each month end from ``date_from`` to ``date_to``.

    Each account's balance at a month end is its opening balance (once opened) plus all its
    transactions dated up to that day; future scheduled rows are left out, as in every report.
    """
    if date_from > date_to:
        raise ValidationError("date_to", "the end date is before the start date")
    span = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
    if span > MAX_MONTHS:  # 0001-01-11 (a typo, or a fuzzer) took minutes, month by month
        raise ValidationError("date_from", f"{span:,} months is more than the net worth "
                                           f"report shows (at most {MAX_MONTHS:,}, "
                                           f"{MAX_MONTHS // 12} years)")
    q = BookQuery(scope)
    base = q.base_currency
    sql = _SQL.format(to_base=to_base_sql("b.balance"))
    rows = q.run(sql, [month_start(date_from), month_start(date_to), dt.date.today(), base])
    rows["month"] = as_dates(rows["month"])
    rows = rows.astype({"account_id": "int64", "balance": "int64", "assets": "int64",
                        "liabilities": "int64", "balance_base": "Int64",
                        "is_liability": "bool"})
    monthly = rows[["month", "assets", "liabilities"]].drop_duplicates("month")
    if monthly.empty:  # a book without accounts still has its months, all zero
        months = pd.date_range(month_start(date_from), month_start(date_to), freq="MS")
        monthly = pd.DataFrame({"month": [(m + pd.offsets.MonthEnd(0)).date() for m in months],
                                "assets": 0, "liabilities": 0})
    monthly = monthly.reset_index(drop=True).astype({"assets": "int64", "liabilities": "int64"})
    worth = holdings_market_value(scope, monthly["month"])
    monthly["investments"] = pd.Series([worth.total_minor(m) for m in monthly["month"]],
                                       dtype="int64")
    monthly["assets"] += monthly["investments"]
    monthly["net_worth"] = monthly["assets"] - monthly["liabilities"]
    monthly = monthly[["month", "assets", "liabilities", "net_worth", "investments"]]
    accounts = rows[["month", "account_id", "account", "currency", "is_liability", "balance",
                     "balance_base"]].reset_index(drop=True)
    missing = accounts[accounts["balance_base"].isna()]
    unconverted = missing[["month", "account_id", "account", "currency", "balance"]] \
        .reset_index(drop=True)
    holdings = pd.DataFrame(
        [(r.day, r.account_id, r.account, r.symbol, r.quantity, r.value_minor)
         for r in worth.rows],
        columns=["month", "account_id", "account", "symbol", "quantity", "value_base"]
    ).astype({"account_id": "int64", "value_base": "Int64"})
    unvalued = pd.DataFrame([(r.day, r.account, r.symbol, r.reason) for r in worth.unvalued],
                            columns=["month", "account", "symbol", "reason"])
    return NetWorth(base, monthly, accounts, unconverted, holdings, unvalued)
