"""Cash-flow forecast: where each account's balance goes in the next 30, 60 or 90 days.

From today's balances, add what is known to come: the book's scheduled transactions, the
recurring series the user confirmed and the ones detected and not dismissed (each repeated at
its cadence from its next expected date). Why these and nothing else: they are the payments
the book itself can justify; a guessed "average daily spending" would put a number on the
chart that nobody could check. The forecast says which series it used.

The low point of each account and of the total, and the day it happens, are what people act
on: an asset account forecast below zero is a warning (a credit card or loan is normally
below zero and is not).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select

from fintrack_core.access import READ, Scope, require
from fintrack_core.budgets.recurring import BY_NAME
from fintrack_core.budgets.subscriptions import SeriesView, list_subscriptions
from fintrack_core.db.models import Transaction
from fintrack_core.errors import ValidationError
from fintrack_core.ledger.accounts import balances, list_accounts
from fintrack_core.ledger.books import get_book
from fintrack_core.ledger.fx import rate_table
from fintrack_core.money import convert_minor
from fintrack_core.reports.periods import shift_months

HORIZONS = (30, 60, 90)
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class LowPoint:
    account: str            # an account's name, or "Total"
    currency: str
    balance_minor: int
    date: dt.date


@dataclass(frozen=True, slots=True)
class Forecast:
    """``daily``: one row per day from today to the horizon, a column per account id (its
    own minor units) and ``total`` (base minor units, accounts with a rate). ``events``: the
    expected payments (date, account_id, amount_minor, source name)."""

    today: dt.date
    days: int
    base_currency: str
    daily: pd.DataFrame
    events: pd.DataFrame
    lows: list[LowPoint]
    below_zero: list[LowPoint]                   # asset accounts forecast under zero
    without_rate: list[str] = field(default_factory=list)  # accounts left out of the total


def _occurrences(series: SeriesView, first: dt.date, last: dt.date) -> list[dt.date]:
    """The series' expected dates from its next one up to ``last``."""
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}.get(series.cadence)
    out, n, day = [], 0, series.next_date
    while day <= last:
        if day >= first:
            out.append(day)
        n += 1
        day = (shift_months(series.next_date, months * n) if months
               else series.next_date + dt.timedelta(days=round(BY_NAME[series.cadence].days) * n))
    return out


def forecast(scope: Scope, days: int = 90, today: dt.date | None = None) -> Forecast:
    """The next ``days`` days of every open account, and of their total in base currency."""
    if not 1 <= int(days) <= MAX_DAYS:
        raise ValidationError("days", f"choose 1 to {MAX_DAYS} days")
    start = today or dt.date.today()
    end = start + dt.timedelta(days=int(days))
    accounts = [a for a in list_accounts(scope) if not a.is_closed]
    opening = balances(scope, start)
    events: list[tuple[dt.date, int, int, str]] = []
    with scope.db.read() as s:
        require(s, scope, READ)
        for day, account_id, summed in s.execute(
                select(Transaction.date, Transaction.account_id, func.sum(Transaction.amount_minor))
                .where(Transaction.book_id == scope.book_id, Transaction.scheduled,
                       Transaction.date > start, Transaction.date <= end)
                .group_by(Transaction.date, Transaction.account_id)):
            events.append((day, int(account_id), int(summed), "scheduled"))
    open_ids = {a.id for a in accounts}
    for series in list_subscriptions(scope).series:
        if series.series.account_id not in open_ids:
            continue
        for day in _occurrences(series, start + dt.timedelta(days=1), end):
            events.append((day, series.series.account_id, series.amount_minor, series.name))
    dates = pd.date_range(start, end, freq="D").date
    moves: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for day, account_id, amount, _ in events:
        moves[account_id][day] += amount
    book = get_book(scope)
    rates = rate_table(scope)
    daily = pd.DataFrame({"date": dates})
    total = [0] * len(dates)
    lows, below, without = [], [], []
    for acc in accounts:
        running, path = opening.get(acc.id, 0), []
        for day in dates:
            running += moves[acc.id].get(day, 0)
            path.append(running)
        daily[acc.id] = pd.Series(path, dtype="int64")
        low = min(range(len(path)), key=lambda i: (path[i], i))
        point = LowPoint(acc.name, acc.currency, path[low], dates[low])
        lows.append(point)
        if path[low] < 0 and not acc.is_liability:
            below.append(point)
        rate = rates.rate(acc.currency, book.base_currency, start)
        if rate is None:
            without.append(acc.name)
            continue
        total = [t + convert_minor(v, acc.currency, book.base_currency, rate)
                 for t, v in zip(total, path, strict=True)]
    daily["total"] = pd.Series(total, dtype="int64")
    low = min(range(len(total)), key=lambda i: (total[i], i))
    lows.append(LowPoint("Total", book.base_currency, total[low], dates[low]))
    frame = pd.DataFrame(sorted(events), columns=["date", "account_id", "amount_minor", "source"])
    return Forecast(start, int(days), book.base_currency, daily, frame, lows, below, without)
