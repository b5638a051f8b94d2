"""Where a budget period starts and ends: paydays, month and year ends, leap years, weeks."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from fintrack_core.budgets.periods import (
    PeriodKind,
    Span,
    check_start_day,
    span_containing,
    spans_between,
)
from fintrack_core.errors import ValidationError

D = dt.date
M, W, Y = PeriodKind.MONTHLY, PeriodKind.WEEKLY, PeriodKind.YEARLY


@pytest.mark.parametrize(("start_day", "day", "start", "end"), [
    (1, D(2026, 11, 30), D(2026, 11, 1), D(2026, 11, 30)),      # a calendar month
    (1, D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 31)),      # the year's last day
    (25, D(2026, 11, 30), D(2026, 11, 25), D(2026, 12, 24)),    # paid on the 25th
    (25, D(2026, 11, 24), D(2026, 10, 25), D(2026, 11, 24)),    # the day before payday
    (25, D(2027, 1, 1), D(2026, 12, 25), D(2027, 1, 24)),       # across the year end
    (31, D(2028, 2, 29), D(2028, 2, 29), D(2028, 3, 30)),       # "the 31st" in a leap Feb
    (31, D(2027, 3, 1), D(2027, 2, 28), D(2027, 3, 30)),        # ... and in a common year
    (31, D(2027, 3, 31), D(2027, 3, 31), D(2027, 4, 29)),       # April has no 31st
    (30, D(2028, 3, 1), D(2028, 2, 29), D(2028, 3, 29)),
])
def test_a_monthly_period_runs_from_its_start_day_to_the_day_before_the_next(
        start_day: int, day: dt.date, start: dt.date, end: dt.date) -> None:
    assert span_containing(M, start_day, day) == Span(start, end)


def test_monthly_periods_follow_each_other_without_gaps_or_overlaps() -> None:
    for start_day in (1, 15, 25, 28, 29, 30, 31):
        spans = spans_between(M, start_day, D(2027, 11, 1), D(2029, 3, 31))
        for before, after in itertools.pairwise(spans):
            assert after.start == before.end + dt.timedelta(days=1), (start_day, before)
        assert all(27 <= s.days <= 31 for s in spans), start_day


def test_a_weekly_period_starts_on_its_weekday() -> None:
    # 30 Nov 2026 is a Monday
    assert span_containing(W, 0, D(2026, 11, 30)) == Span(D(2026, 11, 30), D(2026, 12, 6))
    assert span_containing(W, 6, D(2026, 11, 30)) == Span(D(2026, 11, 29), D(2026, 12, 5))
    assert span_containing(W, 0, D(2027, 1, 1)) == Span(D(2026, 12, 28), D(2027, 1, 3))


def test_a_yearly_period_starts_in_its_month() -> None:
    assert span_containing(Y, 1, D(2028, 2, 29)) == Span(D(2028, 1, 1), D(2028, 12, 31))
    assert span_containing(Y, 4, D(2027, 1, 1)) == Span(D(2026, 4, 1), D(2027, 3, 31))
    assert span_containing(Y, 4, D(2027, 4, 1)).days == 366  # holds 29 Feb 2028


def test_spans_between_lists_every_period_touched() -> None:
    spans = spans_between(M, 25, D(2026, 11, 30), D(2027, 1, 25))
    assert [s.start for s in spans] == [D(2026, 11, 25), D(2026, 12, 25), D(2027, 1, 25)]
    assert spans_between(M, 1, D(2026, 2, 1), D(2026, 1, 1)) == []


@pytest.mark.parametrize(("kind", "start_day", "says"), [
    (M, 0, "0 is not a day of the month (1-31)"),
    (M, 32, "32 is not a day of the month (1-31)"),
    (W, 7, "7 is not a weekday (0 = Monday) (0-6)"),
    (Y, 13, "13 is not a month (1-12)"),
    (M, True, "True is not a day of the month (1-31)"),
])
def test_a_start_day_out_of_range_is_refused(kind: PeriodKind, start_day: int, says: str) -> None:
    with pytest.raises(ValidationError) as err:
        check_start_day(kind, start_day)
    assert (err.value.field, err.value.message) == ("start_day", says)
