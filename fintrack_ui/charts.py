"""Plotly figure builders: pure functions of report results, so tests and pages share them.

Amounts arrive as integer minor units; charts need numbers, so they get ``float`` values for
drawing only (hover text shows the exact formatted amount). Expenses are shown as positive
"spending" where a chart is about spending, so bars grow upwards. Every trace that can be
drilled into carries ``customdata`` with the key the drill-down needs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast, overload

import pandas as pd
import plotly.graph_objects as go
from babel import Locale
from babel.dates import format_date

from fintrack_core.money import exponent, format_money

INCOME = "#2e7d32"
EXPENSE = "#c62828"
NET = "#1565c0"
LAYOUT = {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "height": 420,
          "legend": {"orientation": "h", "y": -0.15}}
# One look for every chart (the app theme's primary colour first; white, light grid).
THEME = go.layout.Template(layout={
    "font": {"family": "Source Sans Pro, sans-serif", "size": 13, "color": "#31333f"},
    "title": {"font": {"size": 17}, "x": 0, "xanchor": "left"},
    "colorway": [NET, "#ef6c00", INCOME, "#6a1b9a", "#00838f", "#ad1457", "#f9a825",
                 "#4e342e", "#546e7a", EXPENSE],
    "paper_bgcolor": "white", "plot_bgcolor": "white",
    "xaxis": {"gridcolor": "#eceff1", "zerolinecolor": "#cfd8dc"},
    "yaxis": {"gridcolor": "#eceff1", "zerolinecolor": "#cfd8dc"},
    "hoverlabel": {"bgcolor": "white", "font": {"size": 13}},
})
SMALL_SLICE = 0.03  # sunburst/treemap slices under this share of the whole carry no label


def finish(fig: go.Figure, title: str, locale: str, **layout: Any) -> go.Figure:
    """The shared theme, and axis numbers with the locale's separators (``1.234,5``)."""
    symbols = Locale.parse(locale).number_symbols.get("latn", {})
    fig.update_layout(template=THEME, title=title,
                      separators=symbols.get("decimal", ".") + symbols.get("group", ","),
                      **{**LAYOUT, **layout})
    return fig


def _month(value: Any, locale: str) -> str:
    return format_date(pd.Timestamp(value).date(), "MMM yyyy", locale=locale)


def period_text(date_from: dt.date | None, date_to: dt.date | None, locale: str) -> str:
    """A date range for a title: "1 Jan 2025 – 31 Mar 2025", "since …", "all dates"."""
    def day(d: dt.date) -> str:
        return format_date(d, "medium", locale=locale)

    if date_from and date_to:
        return f"{day(date_from)} – {day(date_to)}"
    if date_from:
        return f"since {day(date_from)}"
    if date_to:
        return f"until {day(date_to)}"
    return "all dates"


def _hover(months: pd.Series, amounts: list[str], locale: str) -> list[str]:
    return [f"{_month(m, locale)}: {a}" for m, a in zip(months, amounts, strict=True)]


HOVER = "%{hovertext}<extra>%{fullData.name}</extra>"  # pre-formatted, in the user's locale


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
                hovertext=_hover(months, _fmt(monthly["income"], currency, locale), locale),
                hovertemplate=HOVER)
    fig.add_bar(x=months, y=_num(-monthly["expenses"], currency), name="Expenses",
                marker_color=EXPENSE, customdata=[["expense", m.date().isoformat()]
                                                  for m in months],
                hovertext=_hover(months, _fmt(-monthly["expenses"], currency, locale), locale),
                hovertemplate=HOVER)
    fig.add_scatter(x=months, y=_num(monthly["net"], currency), name="Net", mode="lines+markers",
                    line={"color": NET},
                    hovertext=_hover(months, _fmt(monthly["net"], currency, locale), locale),
                    hovertemplate=HOVER)
    return finish(fig, title, locale, barmode="group", yaxis_title=currency)


def category_stack(by_category: pd.DataFrame, currency: str, locale: str = "en_US",
                   title: str = "Spending by category over time") -> go.Figure:
    """Stacked monthly spending per top-level category."""
    fig = go.Figure()
    for (cid, path), part in by_category.groupby(["category_id", "path"], sort=False):
        months = pd.to_datetime(part["month"])
        fig.add_bar(x=months, y=_num(-part["amount"], currency), name=str(path),
                    customdata=[["category", int(cast(int, cid)), m.date().isoformat()]
                                for m in months],
                    hovertext=_hover(months, _fmt(-part["amount"], currency, locale), locale),
                    hovertemplate=HOVER)
    return finish(fig, title, locale, barmode="stack", yaxis_title=currency)


def balance_lines(balances: pd.DataFrame, currency: str, locale: str = "en_US",
                  title: str = "Account balances (month end)") -> go.Figure:
    fig = go.Figure()
    for name, part in balances.groupby("account", sort=False):
        months = pd.to_datetime(part["month"])
        fig.add_scatter(x=months, y=_num(part["balance_base"], currency),
                        name=str(name), mode="lines",
                        hovertext=_hover(months, _fmt(part["balance_base"], currency, locale),
                                         locale),
                        hovertemplate=HOVER)
    return finish(fig, title, locale, yaxis_title=currency)


def category_sunburst(breakdown: pd.DataFrame, currency: str, locale: str = "en_US",
                      title: str = "Where the money goes", treemap: bool = False) -> go.Figure:
    """The category tree sized by (rolled-up) spending; a click drills into a category."""
    data = breakdown[breakdown["total"] != 0]
    ids = data["category_id"].astype(int).astype(str)
    parents = data["parent_id"].map(lambda p: "" if pd.isna(p) else str(int(p)))
    parents = parents.where(parents.isin(set(ids)), "")
    values = _num(data["total"].abs(), currency)
    whole = data["total"].abs()[parents == ""].sum() or 1
    # Labels only where they fit: a thin slice's label is unreadable (its hover still says).
    shown = [str(n) if abs(int(v)) / whole >= SMALL_SLICE else ""
             for n, v in zip(data["name"], data["total"], strict=True)]
    extra = {} if treemap else {"insidetextorientation": "radial"}
    kind = go.Treemap if treemap else go.Sunburst
    fig = go.Figure(kind(ids=ids, labels=data["name"], parents=parents, values=values,
                         branchvalues="total", customdata=data["category_id"].astype(int),
                         text=shown, textinfo="text",
                         hovertext=_fmt(data["total"].abs(), currency, locale),
                         hovertemplate="<b>%{label}</b><br>%{hovertext}<br>"
                                       "%{percentParent:.1%} of %{parent}<extra></extra>",
                         marker={"colors": data["color"]}, **extra))
    return finish(fig, title, locale)


def balance_bars(names: list[str], minor: list[int], currency: str, locale: str = "en_US",
                 title: str = "Balances") -> go.Figure:
    """One horizontal bar per account, in the base currency; debts (negative) in red."""
    fig = go.Figure(go.Bar(x=[_num(m, currency) for m in minor], y=names, orientation="h",
                           marker_color=[EXPENSE if m < 0 else NET for m in minor],
                           hovertext=[format_money(m, currency, locale) for m in minor],
                           hovertemplate="%{y}: %{hovertext}<extra></extra>"))
    return finish(fig, title, locale, height=320, xaxis_title=currency, showlegend=False)


def forecast_lines(daily: pd.DataFrame, accounts: dict[int, tuple[str, str]],
                   base_currency: str, low: tuple[dt.date, int] | None, locale: str = "en_US",
                   title: str = "Forecast balances") -> go.Figure:
    """One line per account (``accounts``: id -> (name, currency), each in its own currency)
    and a thicker one for the total in the base currency; ``low`` (day, total) is marked,
    because the lowest day is what people plan around."""
    days = pd.to_datetime(daily["date"])
    fig = go.Figure()
    for account_id, (name, currency) in accounts.items():
        if account_id not in daily.columns:
            continue
        values = daily[account_id]
        fig.add_scatter(x=days, y=_num(values, currency), name=f"{name} ({currency})",
                        mode="lines", line={"width": 1.5},
                        hovertext=_days_hover(days, _fmt(values, currency, locale), locale),
                        hovertemplate=HOVER)
    total = daily["total"]
    fig.add_scatter(x=days, y=_num(total, base_currency), name=f"Total ({base_currency})",
                    mode="lines", line={"color": "#263238", "width": 3},
                    hovertext=_days_hover(days, _fmt(total, base_currency, locale), locale),
                    hovertemplate=HOVER)
    if low is not None:
        day, minor = low
        text = (f"Lowest: {format_money(minor, base_currency, locale)} on "
                f"{format_date(day, 'medium', locale=locale)}")
        fig.add_scatter(x=[pd.Timestamp(day)], y=[_num(minor, base_currency)], name="Low point",
                        mode="markers+text", text=[text], textposition="bottom center",
                        marker={"color": EXPENSE, "size": 11, "symbol": "diamond"},
                        hovertext=[text], hovertemplate="%{hovertext}<extra></extra>")
    return finish(fig, title, locale, yaxis_title="Balance")


def _days_hover(days: pd.Series, amounts: list[str], locale: str) -> list[str]:
    return [f"{format_date(d.date(), 'medium', locale=locale)}: {a}"
            for d, a in zip(days, amounts, strict=True)]


def payee_bars(payees: pd.DataFrame, currency: str, locale: str = "en_US",
               title: str = "Top payees") -> go.Figure:
    data = payees.iloc[::-1]
    fig = go.Figure(go.Bar(x=_num(data["amount"].abs(), currency), y=data["payee"],
                           orientation="h", marker_color=EXPENSE,
                           customdata=data["payee"],
                           hovertext=_fmt(data["amount"].abs(), currency, locale),
                           hovertemplate="%{y}: %{hovertext}<extra></extra>"))
    return finish(fig, title, locale, xaxis_title=currency)


def calendar_bars(data: pd.DataFrame, key: str, label: str, currency: str,
                  locale: str = "en_US", title: str = "") -> go.Figure:
    """Spending by weekday or by day of month (``key`` is 'name' or 'day')."""
    fig = go.Figure(go.Bar(x=data[key].astype(str), y=_num(data["amount"].abs(), currency),
                           marker_color=NET, customdata=data[key],
                           hovertext=_fmt(data["amount"].abs(), currency, locale),
                           hovertemplate="%{x}: %{hovertext}<extra></extra>"))
    return finish(fig, title, locale, xaxis_title=label, yaxis_title=currency)


def sankey(nodes: pd.DataFrame, links: pd.DataFrame, currency: str, locale: str = "en_US",
           title: str = "Cash flow") -> go.Figure:
    """Income sources → the book → expense categories (and savings); each node says its
    amount (the larger of what flows in and out), each link its own on hover."""
    index = {n: i for i, n in enumerate(nodes["node"])}
    inflow = links.groupby("target")["value"].sum()
    outflow = links.groupby("source")["value"].sum()
    totals = [max(int(inflow.get(n, 0)), int(outflow.get(n, 0))) for n in nodes["node"]]
    labels = [f"{lbl} · {format_money(t, currency, locale)}"
              for lbl, t in zip(nodes["label"], totals, strict=True)]
    fig = go.Figure(go.Sankey(
        node={"label": labels, "pad": 18, "thickness": 16,
              "hovertemplate": "%{label}<extra></extra>"},
        link={"source": [index[s] for s in links["source"]],
              "target": [index[t] for t in links["target"]],
              "value": list(_num(links["value"], currency)),
              "customdata": [None if pd.isna(c) else int(c) for c in links["category_id"]],
              "label": _fmt(links["value"], currency, locale),
              "hovertemplate": "%{source.label} → %{target.label}<br><b>%{label}</b>"
                               "<extra></extra>"},
    ))
    return finish(fig, title, locale, height=560)


def net_worth_lines(monthly: pd.DataFrame, currency: str, locale: str = "en_US",
                    title: str = "Net worth") -> go.Figure:
    months = pd.to_datetime(monthly["month"])
    fig = go.Figure()
    for col, name, color in (("assets", "Assets", INCOME), ("liabilities", "Liabilities",
                                                             EXPENSE),
                             ("net_worth", "Net worth", NET)):
        fig.add_scatter(x=months, y=_num(monthly[col], currency), name=name, mode="lines",
                        line={"color": color, "width": 3 if col == "net_worth" else 2},
                        hovertext=_hover(months, _fmt(monthly[col], currency, locale), locale),
                        hovertemplate=HOVER)
    return finish(fig, title, locale, yaxis_title=currency)


def pivot_heatmap(table: pd.DataFrame, currency: str | None, title: str = "Pivot",
                  locale: str = "en_US") -> go.Figure:
    """A heatmap of a pivot table (``currency`` None for counts); months read "Dec 2024"."""
    values = table.astype("float64")
    if currency is not None:
        values = values / 10 ** exponent(currency)

    def name(value: Any, axis: str | None) -> str:
        return _month(value, locale) if axis == "month" else str(value)

    cells = [["—" if pd.isna(v) else (format_money(int(v), currency, locale) if currency
                                       else f"{int(v):,}") for v in row]
             for row in table.to_numpy()]
    fig = go.Figure(go.Heatmap(z=values.abs().to_numpy(),
                               x=[name(c, cast("str | None", table.columns.name))
                                  for c in table.columns],
                               y=[name(i, cast("str | None", table.index.name))
                                  for i in table.index],
                               colorscale="Blues", hoverongaps=False, text=cells,
                               hovertemplate="%{y} · %{x}: %{text}<extra></extra>"))
    return finish(fig, title, locale, height=max(360, 24 * len(table) + 120),
                   yaxis={"autorange": "reversed"})  # rows in the table's order
