"""Recurring payments found in the history: subscriptions, rent, salaries, insurance.

A series is the same payee (after normalisation: case, digits, punctuation and the usual
card-processor noise dropped), in one account and one direction, paid at a regular interval
(weekly, every two weeks, monthly, quarterly or yearly) for a similar amount. Why these rules:

- **Jitter.** Banks book on working days, so a monthly debit on the 1st lands on the 30th,
  the 2nd or the 3rd; an interval counts if it is within a few days of a whole number of
  periods. One missed month (an interval of two periods) does not break a series.
- **Two subscriptions from one payee** (a 0.99 and a 9.99 app store plan) are told apart by
  amount: rows are grouped by amount first, and each group is tested on its own.
- **A price change** (9.99, then 12.99 from March on) looks like two amount groups that follow
  each other in time at the same interval: they are joined into one series, and the change
  is reported with both prices and the date.

Everything is exact: amounts are integer minor units; the monthly cost of a weekly or yearly
series is its amount times the number of periods in a year, over 12, rounded half-even.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd

from fintrack_core.reports.periods import add_months, month_end

MIN_OCCURRENCES = 3
AMOUNT_TOLERANCE = Decimal("0.15")  # rows within 15 % of each other are one price level
# Below this many payments a series (other than yearly) must cost the same each time: three
# purchases at one shop that happen to fall a month apart are common in a real history.
SHORT_HISTORY = 4
SAME_AMOUNT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Cadence:
    name: str
    days: float          # the typical interval
    tolerance: int       # days an interval may be off (weekend shifts, month lengths)
    per_year: int
    grace: int           # days after the expected date before a payment counts as missed


CADENCES = (
    Cadence("weekly", 7, 1, 52, 3),
    Cadence("biweekly", 14, 2, 26, 4),
    Cadence("monthly", 30.44, 4, 12, 6),
    Cadence("quarterly", 91.31, 7, 4, 10),
    Cadence("yearly", 365.25, 10, 1, 15),
)
BY_NAME = {c.name: c for c in CADENCES}

_NOISE = re.compile(r"^(sq|sp|pp|paypal|tst|pos|ec|card|visa|debit|lastschrift)\s*[*:]\s*",
                    re.IGNORECASE)
_NOT_LETTERS = re.compile(r"[^a-zäöüßàâçéèêëîïôûùüÿñæœåø ]+")


def normalise_payee(payee: str) -> str:
    """``"NETFLIX.COM 866-579"`` and ``"Netflix.com"`` -> ``"netflix com"``."""
    text = _NOISE.sub("", payee.strip())
    text = _NOT_LETTERS.sub(" ", text.lower())
    return " ".join(w for w in text.split() if len(w) > 1 or w.isalpha())


@dataclass(frozen=True, slots=True)
class Series:
    """One detected recurring payment (or income, when ``amount_minor`` is positive)."""

    key: str                 # stable across runs: account, payee, cadence, first date
    account_id: int
    payee: str               # as written on the latest row
    currency: str
    cadence: str
    amount_minor: int        # the latest amount (signed)
    previous_amount_minor: int | None  # the amount before a price change, else None
    price_changed_on: dt.date | None
    first_date: dt.date
    last_date: dt.date
    next_date: dt.date
    occurrences: int
    category_id: int | None

    @property
    def monthly_minor(self) -> int:
        """The cost (or income) per month, signed: a yearly 120.00 is 10.00 a month."""
        per_year = BY_NAME[self.cadence].per_year
        return int((Decimal(self.amount_minor) * per_year / 12).to_integral_value(
            ROUND_HALF_EVEN))

    def missed(self, today: dt.date) -> bool:
        """The expected payment is more than the cadence's grace days late."""
        return today > self.next_date + dt.timedelta(days=BY_NAME[self.cadence].grace)


def _levels(amounts: np.ndarray) -> np.ndarray:
    """A price-level label per row: sorted amounts split where the next differs by more
    than ``AMOUNT_TOLERANCE`` (relative to the smaller)."""
    sizes = np.abs(amounts)
    order = np.argsort(sizes, kind="stable")
    labels = np.empty(len(amounts), dtype=np.int64)
    level, previous = 0, None
    for i in order:
        value = int(sizes[i])
        if previous is not None and Decimal(value - previous) > AMOUNT_TOLERANCE * previous:
            level += 1
        labels[i] = level
        previous = value
    return labels


def _cadence(dates: list[dt.date]) -> Cadence | None:
    """The cadence whose whole multiples explain the intervals (at most one skipped period
    in a row, and most intervals a single period)."""
    gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
    if not gaps or min(gaps) <= 0:
        return None
    for cadence in CADENCES:
        singles = 0
        for gap in gaps:
            periods = round(gap / cadence.days)
            if periods not in (1, 2) or abs(gap - periods * cadence.days) > cadence.tolerance \
                    * periods:
                break
            singles += periods == 1
        else:
            if singles * 4 >= len(gaps) * 3:  # three in four intervals are one period
                return cadence
    return None


def _next_date(cadence: Cadence, dates: list[dt.date]) -> dt.date:
    last = dates[-1]
    if cadence.name in ("monthly", "quarterly", "yearly"):
        months = {"monthly": 1, "quarterly": 3, "yearly": 12}[cadence.name]
        # The usual day of the month (a payment that slipped to the 2nd comes back to the 30th).
        day = int(np.median([d.day for d in dates[-6:]]))
        target = add_months(last, months)
        return target.replace(day=min(day, month_end(target).day))
    return last + dt.timedelta(days=round(cadence.days))


def _varies(rows: pd.DataFrame) -> bool:
    """Whether the amounts differ by more than ``SAME_AMOUNT`` (relative to the smallest)."""
    sizes = np.abs(rows["amount_minor"].to_numpy(dtype=np.int64))
    low, high = int(sizes.min()), int(sizes.max())
    return Decimal(high - low) > SAME_AMOUNT * low


def _series_of(group: pd.DataFrame, norm: str) -> list[Series]:
    """The series in one payee's rows (one account, one direction)."""
    amounts = group["amount_minor"].to_numpy(dtype=np.int64)
    group = group.assign(level=_levels(amounts)).sort_values("date", kind="stable")
    parts = sorted((rows for _, rows in group.groupby("level", sort=False)),
                   key=lambda rows: rows["date"].iloc[0])
    # Price levels that follow each other in time at one cadence are one series whose
    # price changed; levels that overlap in time are separate subscriptions.
    merged: list[pd.DataFrame] = []
    for rows in parts:
        if merged and merged[-1]["date"].iloc[-1] < rows["date"].iloc[0]:
            joined = pd.concat([merged[-1], rows])
            if _cadence(list(joined["date"])) is not None:
                merged[-1] = joined
                continue
        merged.append(rows)
    out: list[Series] = []
    for rows in merged:
        dates = list(rows["date"])
        cadence = _cadence(dates)
        if cadence is None or len(dates) < MIN_OCCURRENCES:
            continue
        if len(dates) < SHORT_HISTORY and cadence.name != "yearly" and _varies(rows):
            continue  # three shop visits a month apart by chance, not a subscription
        last = rows.iloc[-1]
        levels = rows["level"].to_numpy()
        changes = np.flatnonzero(levels != levels[-1])
        previous = int(rows["amount_minor"].iloc[changes[-1]]) if len(changes) else None
        changed_on = rows["date"].iloc[changes[-1] + 1] if len(changes) else None
        category = last["category_id"]
        out.append(Series(
            key=f"{int(last['account_id'])}|{norm}|{cadence.name}|{dates[0].isoformat()}",
            account_id=int(last["account_id"]), payee=str(last["payee"]),
            currency=str(last["currency"]), cadence=cadence.name,
            amount_minor=int(last["amount_minor"]), previous_amount_minor=previous,
            price_changed_on=changed_on, first_date=dates[0], last_date=dates[-1],
            next_date=_next_date(cadence, dates), occurrences=len(dates),
            category_id=None if pd.isna(category) else int(category)))
    return out


def detect_series(rows: pd.DataFrame) -> list[Series]:
    """Recurring series in ``rows`` (columns: account_id, date (``datetime.date``), payee,
    amount_minor, currency, category_id), biggest monthly cost first."""
    if rows.empty:
        return []
    frame = rows.assign(norm=[normalise_payee(p) for p in rows["payee"]],
                        sign=np.sign(rows["amount_minor"].to_numpy(dtype=np.int64)))
    frame = frame[frame["norm"] != ""]
    # Only payees seen often enough can recur: most of a big book is dropped here.
    counts = frame.groupby(["account_id", "norm", "sign"])["date"].transform("size")
    frame = frame[counts >= MIN_OCCURRENCES]
    found: list[Series] = []
    for (_account, norm, _sign), group in frame.groupby(["account_id", "norm", "sign"],
                                                        sort=False):
        found += _series_of(group, str(norm))
    return sorted(found, key=lambda s: (-abs(s.monthly_minor), s.payee, s.key))
