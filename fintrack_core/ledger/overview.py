"""What the Overview page shows: balances, net worth in the base currency, this month, recent.

An account whose currency has no known rate is listed as unconverted, never silently dropped
from (or silently counted at 1:1 in) the total.

Net worth is one number across cash, debts and investments: the investment accounts' cash is
in their ledger balance, and the holdings (the units of each asset) are added at market
value on the day (``portfolio.market_value``, the net-worth report's rule). A holding with no
price or no rate is left out of the total and named in ``unvalued``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fintrack_core.access import Scope
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger.accounts import AccountView, balances, list_accounts
from fintrack_core.ledger.books import get_book
from fintrack_core.ledger.fx import rate_table
from fintrack_core.ledger.search import Row, list_transactions
from fintrack_core.money import convert_minor
from fintrack_core.portfolio.market_value import holdings_market_value


@dataclass(frozen=True, slots=True)
class AccountBalance:
    account: AccountView
    balance_minor: int
    base_minor: int | None  # None when no rate is known
    holdings_minor: int = 0  # the account's holdings at market value, base currency


@dataclass(frozen=True, slots=True)
class MonthFlow:
    """Income and expenses of one month in the base currency (transfers excluded)."""

    month: dt.date
    income_minor: int
    expenses_minor: int  # negative
    unconverted: dict[str, int]

    @property
    def net_minor(self) -> int:
        return self.income_minor + self.expenses_minor


@dataclass(frozen=True, slots=True)
class Overview:
    base_currency: str
    as_of: dt.date
    accounts: list[AccountBalance]
    total_minor: int  # net worth: balances and holdings at market value
    unconverted: list[AccountBalance]
    month: MonthFlow
    recent: list[Row]
    investments_minor: int = 0  # the holdings' market value (in ``total_minor``)
    unvalued: tuple[str, ...] = ()  # holdings left out of the total, with the reason


def month_flow(scope: Scope, month: dt.date) -> MonthFlow:
    """Income and expenses of ``month`` in the base currency: the monthly summary's figures.

    Computed by the reports (``reports.summary``) so the Overview and the report pages can
    never disagree, not even by a rounding cent: the category decides (a refund in an expense
    category lowers expenses), uncategorised amounts count by their sign, transfers are
    neither, and each transaction is converted on its own day's rate.
    """
    from fintrack_core.reports.summary import monthly_summary

    summary = monthly_summary(scope, month.replace(day=1))
    return MonthFlow(summary.month, summary.income, summary.expenses,
                     dict(summary.unconverted))


def overview(scope: Scope, as_of: dt.date | None = None, recent: int = 10) -> Overview:
    as_of = as_of or dt.date.today()
    book = get_book(scope)
    rates = rate_table(scope)
    bals = balances(scope, as_of)
    worth = holdings_market_value(scope, [as_of])
    held: dict[int, int] = {}
    for h in worth.rows:
        held[h.account_id] = held.get(h.account_id, 0) + (h.value_minor or 0)
    rows, unconverted, total = [], [], worth.total_minor(as_of)
    for acc in list_accounts(scope):
        bal = bals.get(acc.id, 0)
        rate = rates.rate(acc.currency, book.base_currency, as_of)
        base = None if rate is None else convert_minor(bal, acc.currency, book.base_currency, rate)
        item = AccountBalance(acc, bal, base, held.get(acc.id, 0))
        rows.append(item)
        if base is None:
            if bal:
                unconverted.append(item)
        else:
            total += base
    up_to_today = TransactionFilter(date_to=as_of, include_scheduled=True)
    recent_rows = (list_transactions(scope, up_to_today, page_size=recent,
                                     totals=False).rows
                   if recent else [])
    return Overview(book.base_currency, as_of, rows, total, unconverted,
                    month_flow(scope, as_of), recent_rows, worth.total_minor(as_of),
                    tuple(f"{h.symbol} ({h.account}): {h.reason}" for h in worth.unvalued))
