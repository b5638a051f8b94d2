"""Subscriptions and bills: the recurring series of a book, what the user decided about each,
their monthly and yearly cost, and the bills due soon.

Detection runs on the book's columnar copy (every non-transfer, non-scheduled row), so it
sees the same history as the reports; the user's decisions (confirm as a schedule, correct,
dismiss) are stored by series key and applied on top. A dismissed series stays dismissed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.budgets.recurring import (
    BY_NAME,
    CADENCES,
    MIN_OCCURRENCES,
    Series,
    detect_series,
    normalise_payee,
)
from fintrack_core.db.models import RecurringDecision
from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.money import to_minor
from fintrack_core.reports.memo import remembered
from fintrack_core.reports.periods import shift_months
from fintrack_core.reports.store import report_store
from fintrack_core.text import MAX_NAME, clean_text

# A payee paid more often than this many times a week over its whole span is shopping, not
# a subscription: dropped before any per-payee work (most of a big book's rows).
MAX_PER_WEEK = 1.5

# Rows of investment accounts are trades' cash legs (a savings plan, dividends): they recur,
# but they are investments, not bills, and a plan that stops is no missed payment.
_WHERE = """flow <> 'transfer' AND NOT scheduled AND payee <> ''
  AND account_id NOT IN (SELECT id FROM accounts WHERE type = 'investment')"""
# Per account, payee as written and direction: how often and over which span. A few
# thousand groups where the rows are a million.
_GROUPS_SQL = f"""
SELECT account_id, payee, CAST(sign(amount_minor) AS BIGINT) AS sign, count(*) AS n,
       min(date) AS lo, max(date) AS hi
FROM tx WHERE {_WHERE} GROUP BY ALL
"""  # noqa: S608 - fixed text
# The rows of the payees that may recur; ordered, so the series found never depend on the
# order the copy happens to hand rows back in.
_ROW_COLUMNS = ["account_id", "date", "payee", "amount_minor", "currency", "category_id"]
_ROWS_SQL = f"""
SELECT {", ".join(_ROW_COLUMNS)}
FROM tx WHERE {_WHERE} AND payee IN (SELECT unnest(?))
ORDER BY date, id
"""  # noqa: S608 - fixed text


@dataclass(frozen=True, slots=True)
class SeriesView:
    """A series with the user's decision applied (``status``: detected, confirmed,
    dismissed) and its name (the user's, or the payee)."""

    series: Series
    status: str
    name: str
    amount_minor: int
    cadence: str
    next_date: dt.date

    @property
    def monthly_minor(self) -> int:
        return dataclasses.replace(self.series, amount_minor=self.amount_minor,
                                   cadence=self.cadence).monthly_minor

    @property
    def price_change(self) -> tuple[int, int, dt.date] | None:
        """(old amount, new amount, from) when the latest payments cost something else."""
        s = self.series
        if s.previous_amount_minor is None or s.price_changed_on is None:
            return None
        return s.previous_amount_minor, s.amount_minor, s.price_changed_on

    def missed(self, today: dt.date) -> bool:
        return today > self.next_date + dt.timedelta(days=BY_NAME[self.cadence].grace)


@dataclass(frozen=True, slots=True)
class Subscriptions:
    series: list[SeriesView]
    monthly: dict[str, int]  # per currency: what the series cost (negative) or bring a month
    yearly: dict[str, int]

    def monthly_by_direction(self) -> dict[str, tuple[int, int]]:
        """Per currency, (payments, income) a month of the series not dismissed: what people
        call the cost of their subscriptions is the first, not the net with the salary."""
        out: dict[str, tuple[int, int]] = {}
        for v in self.series:
            if v.status != "dismissed":
                paid, got = out.get(v.series.currency, (0, 0))
                m = v.monthly_minor
                out[v.series.currency] = (paid + min(m, 0), got + max(m, 0))
        return out


def _candidate_rows(scope: Scope) -> pd.DataFrame:
    """The rows of payees that could recur: seen at least ``MIN_OCCURRENCES`` times in one
    account and direction, and not more often than ``MAX_PER_WEEK`` over their span, payees
    grouped as ``normalise_payee`` writes them.

    Why in two steps: the rows of a big book are mostly shopping. Counting per payee as
    written happens in DuckDB; the names are normalised once per distinct payee; only the
    rows of the payees left are read (at 1M rows: 0.7 s for all of them into pandas before).
    """
    store = report_store(scope.db)
    groups = store.query(scope, _GROUPS_SQL)
    if groups.empty:
        return pd.DataFrame(columns=_ROW_COLUMNS)
    codes, uniques = pd.factorize(groups["payee"])
    norms = np.array([normalise_payee(str(p)) for p in uniques], dtype=object)
    groups = groups.assign(norm=norms[codes], lo=pd.to_datetime(groups["lo"]),
                           hi=pd.to_datetime(groups["hi"]))
    keys = ["account_id", "norm", "sign"]
    stats = groups.groupby(keys).agg(size=("n", "sum"), first=("lo", "min"),
                                     last=("hi", "max"))
    weeks = (stats["last"] - stats["first"]).dt.days / 7 + 1
    keep = stats[(stats["size"] >= MIN_OCCURRENCES) & (stats["size"] <= weeks * MAX_PER_WEEK)]
    kept = groups.merge(keep[[]], left_on=keys, right_index=True)[
        ["account_id", "payee", "sign"]]
    if kept.empty:
        return pd.DataFrame(columns=_ROW_COLUMNS)
    rows = store.query(scope, _ROWS_SQL, [sorted(set(kept["payee"]))])
    rows = rows.assign(sign=np.sign(rows["amount_minor"].to_numpy(dtype=np.int64)))
    # A payee kept in one account or direction need not be in another.
    rows = rows.merge(kept, on=["account_id", "payee", "sign"]).drop(columns=["sign"])
    rows["date"] = pd.to_datetime(rows["date"]).dt.date
    return rows


def _decisions(scope: Scope) -> dict[str, RecurringDecision]:
    with scope.db.read() as s:
        require(s, scope, READ)
        rows = s.scalars(select(RecurringDecision).where(
            RecurringDecision.book_id == scope.book_id)).all()
        for r in rows:
            s.expunge(r)
        return {r.key: r for r in rows}


@remembered  # the Overview asks twice per render (bills due, alerts), and on every rerun
def list_subscriptions(scope: Scope, *, include_dismissed: bool = False) -> Subscriptions:
    """The book's recurring series (biggest monthly amount first) with their totals."""
    found = detect_series(_candidate_rows(scope))
    decided = _decisions(scope)
    views = []
    for s in found:
        d = decided.get(s.key)
        status = d.status if d is not None else "detected"
        if status == "dismissed" and not include_dismissed:
            continue
        views.append(SeriesView(
            s, status, (d.name if d is not None and d.name else s.payee),
            d.amount_minor if d is not None and d.amount_minor is not None else s.amount_minor,
            d.cadence if d is not None and d.cadence else s.cadence,
            d.next_date if d is not None and d.next_date and d.next_date > s.last_date
            else s.next_date))
    monthly: dict[str, int] = defaultdict(int)
    for v in views:
        if v.status != "dismissed":
            monthly[v.series.currency] += v.monthly_minor
    return Subscriptions(views, dict(monthly), {c: m * 12 for c, m in monthly.items()})


def upcoming_bills(scope: Scope, days: int = 7, as_of: dt.date | None = None
                   ) -> list[SeriesView]:
    """Payments (money out) expected from ``as_of`` through the next ``days`` days."""
    if not 1 <= int(days) <= 366:
        raise ValidationError("days", "choose 1 to 366 days")
    today = as_of or dt.date.today()
    last = today + dt.timedelta(days=int(days))
    return sorted((v for v in list_subscriptions(scope).series
                   if v.amount_minor < 0 and today <= v.next_date <= last),
                  key=lambda v: (v.next_date, v.name))


def _decide(scope: Scope, key: str, status: str, **values: object) -> None:
    key = clean_text(key, "key", 400)
    with scope.db.write() as s:
        require(s, scope, WRITE)
        row = s.scalar(select(RecurringDecision).where(RecurringDecision.book_id == scope.book_id,
                                                       RecurringDecision.key == key))
        if row is None:
            row = RecurringDecision(book_id=scope.book_id, key=key)
            s.add(row)
        row.status = status
        for name, value in values.items():
            setattr(row, name, value)


def _known(scope: Scope, key: str) -> Series:
    for v in list_subscriptions(scope, include_dismissed=True).series:
        if v.series.key == key:
            return v.series
    raise NotFound("series", key)


def confirm_series(scope: Scope, key: str, *, name: str | None = None,
                   amount: str | None = None, cadence: str | None = None,
                   next_date: dt.date | None = None) -> None:
    """Keep a series as a schedule, optionally corrected (name, signed amount in the
    account's currency, cadence, next date)."""
    series = _known(scope, key)
    if cadence is not None and cadence not in BY_NAME:
        raise ValidationError("cadence", f"choose one of {', '.join(c.name for c in CADENCES)}")
    if next_date is not None and next_date <= series.last_date:
        raise ValidationError("next_date", f"must be after the last payment {series.last_date}")
    amount_minor = None if amount is None else to_minor(amount, series.currency)
    if amount_minor == 0:
        raise ValidationError("amount", "must not be zero")
    _decide(scope, key, "confirmed", name=clean_text(name or "", "name", MAX_NAME),
            amount_minor=amount_minor, cadence=cadence, next_date=next_date)


def dismiss_series(scope: Scope, key: str) -> None:
    """Hide a series for good: detection will find it again, the decision keeps it away."""
    _known(scope, key)
    _decide(scope, key, "dismissed")


@dataclass(frozen=True, slots=True)
class SubscriptionAlert:
    """Something to tell the user about one series: ``kind`` is ``missed`` (the expected
    payment is later than the cadence allows) or ``price_change`` (the latest payments cost
    something else, and the change is recent; see ``alerts_of``)."""

    kind: str
    view: SeriesView


def alerts_of(views: list[SeriesView], today: dt.date) -> list[SubscriptionAlert]:
    """The alerts of series already listed (pages list them once and show both).

    Why only recent news: a price change is news until the next payment is due (one period
    and its grace days; a payment rolled past a weekend may be the latest), and a
    payment more than two periods overdue means the series has ended (a one-off run of three
    similar payments often looks like one); pages still note both on the series. A dismissed
    series raises nothing."""
    out = []
    for v in views:
        if v.status == "dismissed":
            continue
        if v.missed(today) and v.next_date >= _periods_before(today, v.cadence, 2):
            out.append(SubscriptionAlert("missed", v))
        change = v.price_change
        grace = dt.timedelta(days=BY_NAME[v.cadence].grace)
        if change is not None and change[2] >= _periods_before(today, v.cadence, 1) - grace:
            out.append(SubscriptionAlert("price_change", v))
    return out


def _periods_before(day: dt.date, cadence: str, n: int) -> dt.date:
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}.get(cadence)
    if months:
        return shift_months(day, -months * n)
    return day - dt.timedelta(days=round(BY_NAME[cadence].days) * n)


def subscription_alerts(scope: Scope, today: dt.date | None = None) -> list[SubscriptionAlert]:
    """Missed payments and recent price changes of the book's series (see ``alerts_of``)."""
    return alerts_of(list_subscriptions(scope).series, today or dt.date.today())
