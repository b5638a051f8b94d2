"""Budget periods: which days a budget's "this month" (or week, year, custom range) covers.

Why a module of its own: people paid on the 25th want their month to run from the 25th to the
24th, a month has 28 to 31 days, and a year may have a 29 February. Every rule about where a
period starts and ends lives here, as pure functions of dates, so the budget status, the
rollover, the alerts and the 12-month history all agree on the same days.

A period's ``start_day`` means, by kind:

- ``monthly``: the day of the month the period starts (1-31; in a month without that day the
  period starts on the month's last day, so "the 31st" is the last day of every month);
- ``weekly``: the weekday it starts (0 = Monday ... 6 = Sunday);
- ``yearly``: the month it starts (1 = January ... 12), on that month's first day;
- ``custom``: not used; the period is the budget's own ``starts_on``-``ends_on`` range.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass

from fintrack_core.errors import ValidationError

MAX_SPANS = 5_000  # periods walked for a rollover or a history: about 96 years of weeks


class PeriodKind(enum.StrEnum):
    MONTHLY = "monthly"
    WEEKLY = "weekly"
    YEARLY = "yearly"
    CUSTOM = "custom"


START_DAY_RANGE = {PeriodKind.MONTHLY: (1, 31), PeriodKind.WEEKLY: (0, 6),
                   PeriodKind.YEARLY: (1, 12), PeriodKind.CUSTOM: (1, 1)}


@dataclass(frozen=True, slots=True)
class Span:
    """One period, both ends included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


def check_start_day(kind: PeriodKind, start_day: int) -> int:
    """``start_day`` within the range its kind allows, or a ValidationError naming it."""
    low, high = START_DAY_RANGE[kind]
    if isinstance(start_day, bool) or not isinstance(start_day, int) \
            or not low <= start_day <= high:
        what = {PeriodKind.MONTHLY: "a day of the month", PeriodKind.WEEKLY:
                "a weekday (0 = Monday)", PeriodKind.YEARLY: "a month",
                PeriodKind.CUSTOM: "1"}[kind]
        raise ValidationError("start_day", f"{start_day!r} is not {what} ({low}-{high})")
    return start_day


def _month_start(year: int, month: int, start_day: int) -> dt.date:
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(start_day, last))


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _start_on_or_before(kind: PeriodKind, start_day: int, day: dt.date) -> dt.date:
    if kind is PeriodKind.WEEKLY:
        return day - dt.timedelta(days=(day.weekday() - start_day) % 7)
    if kind is PeriodKind.MONTHLY:
        start = _month_start(day.year, day.month, start_day)
        if start > day:
            start = _month_start(*_add_months(day.year, day.month, -1), start_day)
        return start
    if kind is PeriodKind.YEARLY:
        year = day.year if day.month >= start_day else day.year - 1
        return dt.date(year, start_day, 1)
    raise ValueError(kind)  # pragma: no cover - custom periods have no repeating start


def _next_start(kind: PeriodKind, start_day: int, start: dt.date) -> dt.date:
    if kind is PeriodKind.WEEKLY:
        return start + dt.timedelta(days=7)
    if kind is PeriodKind.MONTHLY:
        # From the month of ``start``: a period that began on 28 Feb for "the 31st" ends
        # on 30 Mar, not on 27 Mar.
        return _month_start(*_add_months(start.year, start.month, 1), start_day)
    if kind is PeriodKind.YEARLY:
        return dt.date(start.year + 1, start.month, 1)
    raise ValueError(kind)  # pragma: no cover


def span_containing(kind: PeriodKind, start_day: int, day: dt.date) -> Span:
    """The repeating period (monthly, weekly or yearly) that contains ``day``."""
    start = _start_on_or_before(kind, start_day, day)
    return Span(start, _next_start(kind, start_day, start) - dt.timedelta(days=1))


def spans_between(kind: PeriodKind, start_day: int, first: dt.date, last: dt.date
                  ) -> list[Span]:
    """Every period from the one containing ``first`` to the one containing ``last``."""
    if last < first:
        return []
    spans: list[Span] = []
    span = span_containing(kind, start_day, first)
    while span.start <= last:
        spans.append(span)
        if len(spans) > MAX_SPANS:
            raise ValidationError("period", f"more than {MAX_SPANS:,} periods between "
                                            f"{first} and {last}")
        start = span.end + dt.timedelta(days=1)
        span = Span(start, _next_start(kind, start_day, start) - dt.timedelta(days=1))
    return spans
