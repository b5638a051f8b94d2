"""Plotly figures of the Portfolio page: allocation, value history, dividends.

Pure functions of the core's results (``Valuation`` slices, ``ValueHistory.frame``,
``IncomeSummary``), so they are tested without a browser. Amounts arrive as exact
``Decimal`` (allocation, income) or as integer minor units (the value history); a figure gets
floats for drawing only, and every hover text shows the exact amount formatted in the user's
locale, as the other charts do (``charts.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd
import plotly.graph_objects as go

from fintrack_core.money import exponent, format_money
from fintrack_core.portfolio.valuation import Slice
from fintrack_ui.charts import INCOME, NET, finish
from fintrack_ui.tables import month_label

BENCHMARK = "#ef6c00"
INVESTED = "#78909c"
ALLOCATION_HEIGHT = 320


def decimal_minor(value: Decimal, currency: str) -> int:
    """An exact amount rounded (half to even) to the currency's minor unit, for display."""
    return int(value.scaleb(exponent(currency)).to_integral_value(ROUND_HALF_EVEN))


def decimal_money(value: Decimal | None, currency: str, locale: str) -> str:
    """An exact amount as the locale writes it (``€1,234.50``), or "—" for none."""
    if value is None:
        return "—"
    return format_money(decimal_minor(value, currency), currency, locale)


def allocation_pie(slices: Sequence[Slice], title: str, currency: str,
                   locale: str = "en_US", words: Mapping[str, str] | None = None) -> go.Figure:
    """A donut of the valued total by ``title`` (asset kind, currency, account); each slice's
    hover gives its exact value and share. ``words`` renames labels (``etf`` → ``ETF``).

    A part below zero (an account's cash overdrawn by buys whose deposits were not entered)
    cannot be a slice: it is left out of the donut and named under it instead."""
    names = words or {}
    shown = [s for s in slices if s.value_base > 0]
    fig = go.Figure(go.Pie(
        labels=[names.get(s.label, s.label) for s in shown],
        values=[float(s.value_base) for s in shown], hole=0.5, sort=False,
        textinfo="label+percent", textposition="inside", insidetextorientation="horizontal",
        hovertext=[decimal_money(s.value_base, currency, locale) for s in shown],
        hovertemplate="<b>%{label}</b><br>%{hovertext}<extra></extra>"))
    left_out = [f"{names.get(s.label, s.label)} {decimal_money(s.value_base, currency, locale)}"
                for s in slices if s.value_base < 0]
    if left_out:
        fig.add_annotation(text="Not shown (below zero): " + ", ".join(left_out),
                           showarrow=False, x=0.5, y=-0.08, xref="paper", yref="paper",
                           font={"size": 11, "color": "#c62828"})
    return finish(fig, title, locale, height=ALLOCATION_HEIGHT, showlegend=False,
                  margin={"l": 10, "r": 10, "t": 40, "b": 30})


def _amount_hover(days: pd.Series, minor: pd.Series, currency: str, locale: str
                  ) -> list[str]:
    out = []
    for day, value in zip(days, minor, strict=True):
        amount = "—" if pd.isna(value) else format_money(int(value), currency, locale)
        out.append(f"{pd.Timestamp(day):%Y-%m-%d}: {amount}")
    return out


def _plotted(minor: pd.Series, currency: str) -> list[float | None]:
    """Minor units as the floats a line is drawn with (None: a gap in the line)."""
    scale = 10 ** exponent(currency)
    return [None if pd.isna(m) else int(m) / scale for m in minor]


def value_history_lines(frame: pd.DataFrame, currency: str, locale: str = "en_US",
                        benchmark: str | None = None, title: str = "Value and money invested"
                        ) -> go.Figure:
    """The portfolio's daily value against the money put in (net contributions), and, when
    ``benchmark`` names one, that asset's price scaled to the portfolio's value on the first
    day both exist (so the lines start together and a reader compares the paths)."""
    days = pd.to_datetime(frame["date"])
    fig = go.Figure()
    lines = [("value_minor", "Portfolio value", NET, None),
             ("invested_minor", "Money invested", INVESTED, "dot")]
    if benchmark is not None and "benchmark_minor" in frame.columns:
        lines.append(("benchmark_minor", f"{benchmark} (scaled)", BENCHMARK, "dash"))
    for column, name, color, dash in lines:
        fig.add_scatter(x=days, y=_plotted(frame[column], currency), name=name, mode="lines",
                        line={"color": color,
                              "width": 2.5 if column == "value_minor" else 1.5,
                              "dash": dash},
                        hovertext=_amount_hover(days, frame[column], currency, locale),
                        hovertemplate=f"{name}<br>%{{hovertext}}<extra></extra>")
    return finish(fig, title, locale, yaxis_title=currency, hovermode="x unified")


def income_bars(by_month: dict[str, Decimal], currency: str, locale: str = "en_US",
                title: str = "Dividends and interest received") -> go.Figure:
    """One bar a month (``"2024-03"`` keys, oldest first), months without income included so
    the gaps show."""
    fig = go.Figure()
    if by_month:
        months = pd.period_range(min(by_month), max(by_month), freq="M")
        keys = [str(m) for m in months]
        amounts = [by_month.get(k, Decimal(0)) for k in keys]
        fig.add_bar(x=[m.to_timestamp() for m in months], y=[float(a) for a in amounts],
                    marker_color=INCOME, name="Received",
                    hovertext=[f"{month_label(m.to_timestamp(), locale)}: "
                               f"{decimal_money(a, currency, locale)}"
                               for m, a in zip(months, amounts, strict=True)],
                    hovertemplate="%{hovertext}<extra></extra>")
    return finish(fig, title, locale, yaxis_title=currency, showlegend=False)
