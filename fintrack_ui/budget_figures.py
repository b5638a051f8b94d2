"""Plotly figures of the Budgets page: this period's progress bars and one budget's history.

Pure functions of the core's results (``BudgetStatus``, ``BudgetHistory``), so tests check
colours, lengths and hover text without a browser. Amounts are drawn as ``float`` (Plotly
needs numbers) but every label a person reads is the exact formatted amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape  # Plotly renders some HTML in labels (<a href>, <b>): names are text

import plotly.graph_objects as go

from fintrack_core.budgets.history import BudgetHistory
from fintrack_core.budgets.status import BudgetStatus
from fintrack_core.money import exponent, format_money
from fintrack_ui.charts import EXPENSE, INCOME, NET, finish
from fintrack_ui.tables import month_label

WARNING = "#f9a825"  # amber: a threshold below 100 % reached
LEVEL_COLORS = {"ok": INCOME, "warning": WARNING, "over": EXPENSE}
BAR_HEIGHT = 44  # pixels per budget row, so ten budgets are as readable as two


def used_percent(status: BudgetStatus) -> float:
    """How long the bar is drawn (per cent of the limit). A limit at or below zero (overspent
    earlier periods rolled over) has nothing left to measure: any spending is "over", drawn
    full; no spending is an empty bar."""
    if status.percent_used is None:
        return 100.0 if status.spent_minor > 0 else 0.0
    return float(max(status.percent_used, Decimal(0)))


def _bar_text(status: BudgetStatus, locale: str) -> str:
    cur = status.budget.currency
    used = "—" if status.percent_used is None else f"{status.percent_used} %"
    return (f"{format_money(status.spent_minor, cur, locale)} of "
            f"{format_money(status.limit_minor, cur, locale)} · {used}")


def progress_bars(statuses: Sequence[BudgetStatus], labels: Sequence[str], locale: str,
                  title: str = "Share of each limit spent") -> go.Figure:
    """One horizontal bar per budget: its length the share of the limit spent, its colour the
    level (green below the first threshold, amber at a warning threshold, red at 100 % or
    more). Thin marks show each budget's thresholds; ``customdata`` is the budget id, so a
    click can open the transactions behind the bar."""
    percents = [used_percent(s) for s in statuses]
    fig = go.Figure(go.Bar(
        x=percents, y=[escape(label) for label in labels], orientation="h",
        marker={"color": [LEVEL_COLORS[s.level] for s in statuses]},
        text=[_bar_text(s, locale) for s in statuses], textposition="outside",
        cliponaxis=False, customdata=[s.budget.id for s in statuses],
        hovertemplate="%{y}<br>%{text}<extra></extra>", name="Spent"))
    for row, status in enumerate(statuses):
        for threshold in status.budget.thresholds:
            # Below the bars: the amounts written beside a bar stay readable.
            fig.add_shape(type="line", x0=threshold, x1=threshold, y0=row - 0.45,
                          y1=row + 0.45, layer="below",
                          line={"color": "#78909c", "width": 2,
                                "dash": "solid" if threshold == 100 else "dot"})
    widest = max([100.0, *percents])
    fig.update_xaxes(range=[0, widest * 1.45], ticksuffix=" %", title=None)
    # First budget at the top, as in the table below the chart.
    fig.update_yaxes(autorange="reversed", title=None)
    height = max(180, 80 + BAR_HEIGHT * len(statuses))
    return finish(fig, title, locale, height=height, showlegend=False,
                   margin={"l": 10, "r": 10, "t": 50, "b": 10})


def _major(minor: int, currency: str) -> float:
    return float(Decimal(minor).scaleb(-exponent(currency)))


def history_chart(history: BudgetHistory, locale: str) -> go.Figure:
    """Budgeted against spent for each of a budget's last periods: a grey bar for the budget,
    beside it the spending, red where it went over."""
    frame = history.periods
    cur = history.budget.currency
    names = [f"{month_label(s, locale)}" if history.budget.period.value in ("monthly", "yearly")
             else f"{s:%d %b %Y}" for s in frame["start"]]
    budgeted = [int(v) for v in frame["budgeted"]]
    spent = [int(v) for v in frame["spent"]]
    fig = go.Figure()
    fig.add_bar(x=names, y=[_major(v, cur) for v in budgeted], name="Budgeted",
                marker_color="#b0bec5",
                text=[format_money(v, cur, locale) for v in budgeted], textposition="none",
                hovertemplate="%{x}<br>Budgeted %{text}<extra></extra>")
    fig.add_bar(x=names, y=[_major(v, cur) for v in spent], name="Spent",
                marker_color=[EXPENSE if s > b else NET for s, b in zip(spent, budgeted,
                                                                        strict=True)],
                text=[format_money(v, cur, locale) for v in spent], textposition="none",
                hovertemplate="%{x}<br>Spent %{text}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=cur)
    return finish(fig, f"{escape(history.budget.category)}: budget against spending", locale)
