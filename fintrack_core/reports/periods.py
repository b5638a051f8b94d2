"""Calendar months, the unit every report groups by.

Why one module: the summary, trends, categories, net-worth and drill-down reports all turn a
day into "its month" and step between months; two copies of that arithmetic (there were two)
could disagree at a year's edge, and a drill-down would then open other rows than the bar it
came from counted.
"""

from __future__ import annotations

import datetime as dt


def month_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """First day of the month ``months`` after (or before, if negative) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s (the exclusive end of its month)."""
    return add_months(day, 1)


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month (the inclusive end, for ``BETWEEN``)."""
    return next_month(day) - dt.timedelta(days=1)


def shift_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), on the month's last day where the month is
    shorter: 31 January + 1 month = 28 or 29 February."""
    first = add_months(day, months)
    return first.replace(day=min(day.day, month_end(first).day))
