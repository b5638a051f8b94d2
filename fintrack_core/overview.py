"""What the Overview page shows: balances, net worth in the base currency, this month, recent.

An account whose currency has no known rate is listed as unconverted, never silently dropped
from (or silently counted at 1:1 in) the total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select

from fintrack_core.access import READ, Scope, require
from fintrack_core.accounts import AccountView, balances, list_accounts
from fintrack_core.books import get_book
from fintrack_core.db.models import Category, CategoryKind, Transaction
from fintrack_core.fx import rate_table
from fintrack_core.money import convert_minor
from fintrack_core.search import Row, TransactionFilter, list_transactions


@dataclass(frozen=True, slots=True)
class AccountBalance:
    account: AccountView
    balance_minor: int
    base_minor: int | None  # None when no rate is known


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
    total_minor: int
    unconverted: list[AccountBalance]
    month: MonthFlow
    recent: list[Row]


def month_flow(scope: Scope, month: dt.date) -> MonthFlow:
    """Income and expenses of ``month``, converted to the base currency.

    The category decides, not the sign: a refund filed under an expense category reduces
    expenses (it is not income), and a clawback under an income category reduces income.
    Uncategorised amounts count by their sign. Transfers between the book's own accounts are
    neither, and neither are transactions filed under a transfer-kind category.
    """
    book = get_book(scope)
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    rates = rate_table(scope)
    with scope.db.read() as s:
        require(s, scope, READ)
        is_income = case((Category.kind == CategoryKind.INCOME, 1),
                         (Category.kind == CategoryKind.EXPENSE, 0),
                         (Transaction.amount_minor > 0, 1), else_=0)
        q = (select(Transaction.currency, Transaction.date, is_income,
                    func.sum(Transaction.amount_minor))
             .outerjoin(Category, Category.id == Transaction.category_id)
             .where(Transaction.book_id == scope.book_id, Transaction.date >= start,
                    Transaction.date < end, Transaction.transfer_id.is_(None),
                    (Category.kind.is_(None)) | (Category.kind != CategoryKind.TRANSFER))
             .group_by(Transaction.currency, Transaction.date, is_income))
        income = expenses = 0
        unconverted: dict[str, int] = {}
        for ccy, day, income_row, total in s.execute(q):
            rate = rates.rate(ccy, book.base_currency, day)
            if rate is None:
                unconverted[ccy] = unconverted.get(ccy, 0) + int(total)
                continue
            value = convert_minor(int(total), ccy, book.base_currency, rate)
            if income_row:
                income += value
            else:
                expenses += value
        return MonthFlow(start, income, expenses, unconverted)


def overview(scope: Scope, as_of: dt.date | None = None, recent: int = 10) -> Overview:
    as_of = as_of or dt.date.today()
    book = get_book(scope)
    rates = rate_table(scope)
    bals = balances(scope, as_of)
    rows, unconverted, total = [], [], 0
    for acc in list_accounts(scope):
        bal = bals.get(acc.id, 0)
        rate = rates.rate(acc.currency, book.base_currency, as_of)
        base = None if rate is None else convert_minor(bal, acc.currency, book.base_currency, rate)
        item = AccountBalance(acc, bal, base)
        rows.append(item)
        if base is None:
            if bal:
                unconverted.append(item)
        else:
            total += base
    recent_rows = (list_transactions(scope, TransactionFilter(date_to=as_of), page_size=recent).rows
                   if recent else [])
    return Overview(book.base_currency, as_of, rows, total, unconverted,
                    month_flow(scope, as_of), recent_rows)
