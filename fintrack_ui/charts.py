"""Plotly figure builders: pure functions of report results, so tests and pages share them.

Amounts arrive as integer minor units; charts need numbers, so they get ``float`` values for
drawing only (hover text shows the exact formatted amount). Expenses are shown as positive
"spending" where a chart is about spending, so bars grow upwards. Every trace that can be
drilled into carries ``customdata`` with the key the drill-down needs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast, overload

import pandas as pd
import plotly.graph_objects as go

from fintrack_core.money import exponent, format_money

INCOME = "#2e7d32"
EXPENSE = "#c62828"
NET = "#1565c0"
LAYOUT = {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "height": 420,
          "legend": {"orientation": "h", "y": -0.15}}


@overload
def _num(minor: pd.Series, currency: str) -> pd.Series: ...
@overload
def _num(minor: int, currency: str) -> float: ...
def _num(minor: pd.Series | int, currency: str) -> pd.Series | float:
    scale = 10 ** exponent(currency)
    if isinstance(minor, pd.Series):
        scaled: pd.Series = minor.astype("float64") / scale
        return scaled
    return float(Decimal(int(minor)) / scale)


def _fmt(values: pd.Series, currency: str, locale: str) -> list[str]:
    return [format_money(int(v), currency, locale) if pd.notna(v) else "—" for v in values]


def income_expense_bars(monthly: pd.DataFrame, currency: str, locale: str = "en_US",
                        title: str = "Income and expenses per month") -> go.Figure:
    """Bars for income and spending per month, a line for the net; click a bar to drill."""
    months = pd.to_datetime(monthly["month"])
    fig = go.Figure()
    fig.add_bar(x=months, y=_num(monthly["income"], currency), name="Income",
                marker_color=INCOME, customdata=[["income", m.date().isoformat()]
                                                 for m in months],
                hovertext=_fmt(monthly["income"], currency, locale), hoverinfo="x+text")
    fig.add_bar(x=months, y=_num(-monthly["expenses"], currency), name="Expenses",
                marker_color=EXPENSE, customdata=[["expense", m.date().isoformat()]
                                                  for m in months],
                hovertext=_fmt(-monthly["expenses"], currency, locale), hoverinfo="x+text")
    fig.add_scatter(x=months, y=_num(monthly["net"], currency), name="Net", mode="lines+markers",
                    line={"color": NET}, hovertext=_fmt(monthly["net"], currency, locale),
                    hoverinfo="x+text")
    fig.update_layout(title=title, barmode="group", yaxis_title=currency, **LAYOUT)
    return fig


def category_stack(by_category: pd.DataFrame, currency: str, locale: str = "en_US",
                   title: str = "Spending by category over time") -> go.Figure:
    """Stacked monthly spending per top-level category."""
    fig = go.Figure()
    for (cid, path), part in by_category.groupby(["category_id", "path"], sort=False):
        months = pd.to_datetime(part["month"])
        fig.add_bar(x=months, y=_num(-part["amount"], currency), name=str(path),
                    customdata=[["category", int(cast(int, cid)), m.date().isoformat()]
                                for m in months],
                    hovertext=_fmt(-part["amount"], currency, locale), hoverinfo="x+text+name")
    fig.update_layout(title=title, barmode="stack", yaxis_title=currency, **LAYOUT)
    return fig


def balance_lines(balances: pd.DataFrame, currency: str, locale: str = "en_US",
                  title: str = "Account balances (month end)") -> go.Figure:
    fig = go.Figure()
    for name, part in balances.groupby("account", sort=False):
        fig.add_scatter(x=pd.to_datetime(part["month"]), y=_num(part["balance_base"], currency),
                        name=str(name), mode="lines",
                        hovertext=_fmt(part["balance_base"], currency, locale),
                        hoverinfo="x+text+name")
    fig.update_layout(title=title, yaxis_title=currency, **LAYOUT)
    return fig


def category_sunburst(breakdown: pd.DataFrame, currency: str, locale: str = "en_US",
                      title: str = "Where the money goes", treemap: bool = False) -> go.Figure:
    """The category tree sized by (rolled-up) spending; a click drills into a category."""
    data = breakdown[breakdown["total"] != 0]
    ids = data["category_id"].astype(int).astype(str)
    parents = data["parent_id"].map(lambda p: "" if pd.isna(p) else str(int(p)))
    parents = parents.where(parents.isin(set(ids)), "")
    values = _num(data["total"].abs(), currency)
    kind = go.Treemap if treemap else go.Sunburst
    fig = go.Figure(kind(ids=ids, labels=data["name"], parents=parents, values=values,
                         branchvalues="total", customdata=data["category_id"].astype(int),
                         hovertext=_fmt(data["total"].abs(), currency, locale),
                         hoverinfo="label+text+percent parent",
                         marker={"colors": data["color"]}))
    fig.update_layout(title=title, **LAYOUT)
    return fig


def payee_bars(payees: pd.DataFrame, currency: str, locale: str = "en_US",
               title: str = "Top payees") -> go.Figure:
    data = payees.iloc[::-1]
    fig = go.Figure(go.Bar(x=_num(data["amount"].abs(), currency), y=data["payee"],
                           orientation="h", marker_color=EXPENSE,
                           customdata=data["payee"],
                           hovertext=_fmt(data["amount"].abs(), currency, locale),
                           hoverinfo="y+text"))
    fig.update_layout(title=title, xaxis_title=currency, **LAYOUT)
    return fig


def calendar_bars(data: pd.DataFrame, key: str, label: str, currency: str,
                  locale: str = "en_US", title: str = "") -> go.Figure:
    """Spending by weekday or by day of month (``key`` is 'name' or 'day')."""
    fig = go.Figure(go.Bar(x=data[key].astype(str), y=_num(data["amount"].abs(), currency),
                           marker_color=NET, customdata=data[key],
                           hovertext=_fmt(data["amount"].abs(), currency, locale),
                           hoverinfo="x+text"))
    fig.update_layout(title=title, xaxis_title=label, yaxis_title=currency, **LAYOUT)
    return fig


def sankey(nodes: pd.DataFrame, links: pd.DataFrame, currency: str, locale: str = "en_US",
           title: str = "Cash flow") -> go.Figure:
    """Income sources → the book → expense categories (and savings)."""
    index = {n: i for i, n in enumerate(nodes["node"])}
    fig = go.Figure(go.Sankey(
        node={"label": list(nodes["label"]), "pad": 18, "thickness": 16},
        link={"source": [index[s] for s in links["source"]],
              "target": [index[t] for t in links["target"]],
              "value": list(_num(links["value"], currency)),
              "customdata": [None if pd.isna(c) else int(c) for c in links["category_id"]],
              "label": _fmt(links["value"], currency, locale)},
    ))
    fig.update_layout(title=title, **{**LAYOUT, "height": 520})
    return fig


def net_worth_lines(monthly: pd.DataFrame, currency: str, locale: str = "en_US",
                    title: str = "Net worth") -> go.Figure:
    months = pd.to_datetime(monthly["month"])
    fig = go.Figure()
    for col, name, color in (("assets", "Assets", INCOME), ("liabilities", "Liabilities",
                                                             EXPENSE),
                             ("net_worth", "Net worth", NET)):
        fig.add_scatter(x=months, y=_num(monthly[col], currency), name=name, mode="lines",
                        line={"color": color, "width": 3 if col == "net_worth" else 2},
                        hovertext=_fmt(monthly[col], currency, locale), hoverinfo="x+text+name")
    fig.update_layout(title=title, yaxis_title=currency, **LAYOUT)
    return fig


def pivot_heatmap(table: pd.DataFrame, currency: str | None, title: str = "Pivot"
                  ) -> go.Figure:
    """A heatmap of a pivot table (``currency`` None for counts)."""
    values = table.astype("float64")
    if currency is not None:
        values = values / 10 ** exponent(currency)
    fig = go.Figure(go.Heatmap(z=values.abs().to_numpy(), x=[str(c) for c in table.columns],
                               y=[str(i) for i in table.index], colorscale="Blues",
                               hoverongaps=False))
    fig.update_layout(title=title, **{**LAYOUT, "height": max(360, 24 * len(table) + 120)})
    return fig
