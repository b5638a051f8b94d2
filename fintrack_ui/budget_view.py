"""What the Budgets page shows, as plain data: start days in words, parent budgets with their
children under them, the status table, the year table and the alert order.

Kept out of the page so tests can check each rule with a plain call (no browser, no
Streamlit): a page only reads widgets and renders what these return.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence

import pandas as pd

from fintrack_core.budgets.inbox import AlertView
from fintrack_core.budgets.periods import START_DAY_RANGE, PeriodKind
from fintrack_core.budgets.status import BudgetStatus
from fintrack_ui.display import money

INDENT = "\u2003"  # an em space: indentation a table cell keeps
TREE_SEP = " → "  # how the core joins a category path
WEEKDAYS = list(calendar.day_name)  # Monday first, as the core's 0 = Monday


def ordinal(n: int) -> str:
    """1 -> 1st, 2 -> 2nd, 11 -> 11th, 22 -> 22nd."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def start_day_label(kind: PeriodKind | str, day: int) -> str:
    """The start day in words: "25th of the month", "Monday", "January"; custom periods run
    between their own dates, so they have none ("—")."""
    kind = PeriodKind(kind)
    if kind is PeriodKind.MONTHLY:
        return f"{ordinal(day)} of the month"
    if kind is PeriodKind.WEEKLY:
        return WEEKDAYS[day]
    if kind is PeriodKind.YEARLY:
        return calendar.month_name[day]
    return "—"


def start_day_choices(kind: PeriodKind | str) -> list[int]:
    """The values a start day can take for ``kind`` (the core's range)."""
    low, high = START_DAY_RANGE[PeriodKind(kind)]
    return list(range(low, high + 1))


def with_depth(statuses: Sequence[BudgetStatus]) -> list[tuple[BudgetStatus, int]]:
    """Budgets in tree order, each with how many of the listed budgets are its ancestors, so a
    child category's budget sits indented under its parent's budget when both exist."""
    paths = {s.budget.category for s in statuses}
    out = []
    for status in sorted(statuses, key=lambda s: (tuple(s.budget.category.split(TREE_SEP)),
                                                  s.budget.id)):
        parts = status.budget.category.split(TREE_SEP)
        depth = sum(TREE_SEP.join(parts[:i]) in paths for i in range(1, len(parts)))
        out.append((status, depth))
    return out


def _unconverted_text(amounts: dict[str, int], locale: str) -> str:
    return ", ".join(money(v, c, locale) for c, v in sorted(amounts.items()))


def status_frame(rows: Sequence[tuple[BudgetStatus, int]], locale: str) -> pd.DataFrame:
    """One text row per budget for ``tables.show_table`` (money already formatted)."""
    def m(minor: int, s: BudgetStatus) -> str:
        return money(minor, s.budget.currency, locale)

    return pd.DataFrame({
        "budget": [INDENT * d + s.budget.category.split(TREE_SEP)[-1] if d else s.budget.category
                   for s, d in rows],
        "period": [f"{s.span.start:%d %b} – {s.span.end:%d %b %Y}" for s, _ in rows],
        "spent": [m(s.spent_minor, s) for s, _ in rows],
        "limit": [m(s.limit_minor, s) for s, _ in rows],
        "remaining": [m(s.remaining_minor, s) for s, _ in rows],
        "used": ["—" if s.percent_used is None else f"{s.percent_used} %" for s, _ in rows],
        "days_left": [str(s.days_left) for s, _ in rows],
        "safe_per_day": [m(s.safe_per_day_minor, s) for s, _ in rows],
        "projected": [m(s.projected_minor, s) for s, _ in rows],
        "carried": [m(s.carried_minor, s) if s.budget.rollover else "—" for s, _ in rows],
        "unconverted": [_unconverted_text(s.unconverted, locale) for s, _ in rows],
    })


STATUS_LABELS = {"budget": "Budget", "period": "Period", "spent": "Spent", "limit": "Limit",
                 "remaining": "Remaining", "used": "Used", "days_left": "Days left",
                 "safe_per_day": "Safe per day", "projected": "Projected",
                 "carried": "Rolled over", "unconverted": "No exchange rate (left out)"}
STATUS_MONEY = ["spent", "limit", "remaining", "safe_per_day", "projected", "carried"]


def year_frame(table: pd.DataFrame) -> pd.DataFrame:
    """``history.year_table`` as rows a person reads: each budget's months by name, then its
    total, and a grand total for the year. Columns: category, month (a name or "Total"),
    budgeted, spent, left (minor units)."""
    rows: list[tuple[str, str, int, int]] = []
    for category, part in table.groupby("category", sort=True):
        for month, budgeted, spent in zip(part["month"], part["budgeted"], part["spent"],
                                          strict=True):
            rows.append((str(category), calendar.month_name[int(month)], int(budgeted),
                         int(spent)))
        rows.append((str(category), "Total", int(part["budgeted"].sum()),
                     int(part["spent"].sum())))
    if not table.empty:
        rows.append(("All budgets", "Total", int(table["budgeted"].sum()),
                     int(table["spent"].sum())))
    frame = pd.DataFrame(rows, columns=["category", "month", "budgeted", "spent"])
    return frame.assign(left=frame["budgeted"] - frame["spent"])


def alerts_in_order(alerts: Sequence[AlertView]) -> list[AlertView]:
    """Unread alerts first, each group newest first."""
    return sorted(alerts, key=lambda a: (a.read, -a.fired_at.timestamp(), -a.id))
