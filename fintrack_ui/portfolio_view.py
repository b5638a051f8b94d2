"""What the Portfolio page shows, as plain values: header figures, the holdings table with
each price's age, lots, performers, returns and realised gains.

Why a module of its own: the page stays glue (read widgets, call the core, render), and
every sentence and table it shows is tested here without Streamlit. Amounts are the core's
exact ``Decimal``s, rounded once for display (``portfolio_figures.decimal_money``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from babel.numbers import format_decimal, format_percent

from fintrack_core.portfolio.gains import GainsReport
from fintrack_core.portfolio.income import IncomeSummary, Projection
from fintrack_core.portfolio.lots import HoldingView
from fintrack_core.portfolio.performance import Performance
from fintrack_core.portfolio.valuation import HoldingValue, Performer, Valuation
from fintrack_core.prices import age_label
from fintrack_ui.portfolio_figures import decimal_money

STALE_MARK = "⚠ stale"
KIND_WORDS = {"stock": "Stock", "etf": "ETF", "fund": "Fund", "bond": "Bond",
              "crypto": "Crypto", "cash_like": "Cash-like", "other": "Other", "cash": "Cash"}
PERIODS = {"1M": "1 month", "YTD": "Year to date", "1Y": "1 year", "5Y": "5 years",
           "max": "Since the start", "custom": "Custom dates"}


def pct_text(value: Decimal | float | None, locale: str, signed: bool = True) -> str:
    """A fraction (0.1) as the locale writes a per cent (``+10.0 %``); — when none."""
    if value is None:
        return "—"
    text = format_percent(Decimal(str(value)), "#,##0.0 %", locale=locale)
    return f"+{text}" if signed and Decimal(str(value)) > 0 else text


def quantity_text(value: Decimal, locale: str) -> str:
    """Units as typed, up to 8 decimals (crypto), no trailing zeros."""
    return format_decimal(value.normalize(), "#,##0.########", locale=locale)


@dataclass(frozen=True, slots=True)
class Figure:
    """One header figure: ``st.metric(label, value, delta)``."""

    label: str
    value: str
    delta: str | None = None
    help: str | None = None


def header_figures(val: Valuation, locale: str) -> list[Figure]:
    """Total value, day change and unrealised gain, in the book's base currency."""
    ccy = val.base_currency
    return [
        Figure(f"Total value ({ccy})", decimal_money(val.total_value, ccy, locale),
               help="Holdings at their last known prices plus the investment accounts' cash."),
        Figure("Day change", decimal_money(val.day_change, ccy, locale),
               pct_text(val.day_change_pct, locale) if val.day_change_pct is not None
               else None, "Each holding's last price against the close before it."),
        Figure("Total gain/loss", decimal_money(val.gain, ccy, locale),
               pct_text(val.gain_pct, locale) if val.gain_pct is not None else None,
               "Unrealised: what the holdings are worth minus what they cost (fees in). "
               "Gains already taken are under Realised gains."),
    ]


def incomplete_text(val: Valuation) -> str | None:
    """The plain sentence an incomplete total needs, naming what is missing; None when the
    total is complete."""
    if not val.missing:
        return None
    return ("This total is incomplete: it leaves out what has no price or exchange rate yet — "
            + "; ".join(val.missing) + ". Set a price by hand or refresh prices.")


def holdings_frame(val: Valuation, today: dt.date, locale: str) -> pd.DataFrame:
    """One row a holding (account and asset): units, price with its age, value, cost and
    unrealised gain, and the value in the base currency. Text columns, exact amounts."""
    rows = []
    for h in sorted(val.holdings, key=lambda h: (-(h.value_base or Decimal(-1)), h.symbol)):
        rows.append({
            "symbol": h.symbol, "name": h.name, "account": h.account,
            "quantity": quantity_text(h.quantity, locale),
            "price": _price_text(h, locale), "age": _age_text(h, today),
            "value": decimal_money(h.value, h.currency, locale),
            "cost": decimal_money(h.cost, h.currency, locale),
            "gain": decimal_money(h.gain, h.currency, locale),
            "gain_pct": pct_text(h.gain_pct, locale),
            "value_base": decimal_money(h.value_base, val.base_currency, locale),
        })
    return pd.DataFrame(rows, columns=list(HOLDING_LABELS))


# The base-currency value before the asset-currency figures: on a narrow screen it is the
# column that must stay in view.
HOLDING_LABELS = {"symbol": "Symbol", "name": "Name", "account": "Account", "quantity": "Units",
                  "price": "Price", "age": "Price age", "value_base": "Value ({base})",
                  "value": "Value", "cost": "Cost", "gain": "Gain/loss", "gain_pct": "Gain %"}


def _price_text(h: HoldingValue, locale: str) -> str:
    if h.price is None:
        return "no price yet"
    return _unit_price(h.price.close, h.price.currency, locale)


def _unit_price(close: Decimal, currency: str, locale: str) -> str:
    """A unit price keeps up to 4 more decimals than money (a fund at 12.3456)."""
    rounded = close.quantize(Decimal("0.000001")).normalize()
    digits = max(2, -int(rounded.as_tuple().exponent))
    return f"{format_decimal(rounded, '#,##0.' + '0' * digits, locale=locale)} {currency}"


def _age_text(h: HoldingValue, today: dt.date) -> str:
    if h.price is None:
        return "missing"
    label = age_label(h.price.date, today)
    if h.price.source == "demo":  # the demo book's made-up prices say so wherever shown
        label = f"demo {label}"
    return f"{label} {STALE_MARK}" if h.stale else label


LOTS_SHOWN = 20  # holdings whose lots get an expander; the others are picked from a list


def largest_first(held: Sequence[HoldingView], val: Valuation) -> list[HoldingView]:
    """Holdings in the order of the holdings table: largest value in the base currency
    first, those without one last, then by symbol."""
    worth = {(h.account_id, h.asset_id): h.value_base for h in val.holdings}

    def key(h: HoldingView) -> tuple[Decimal, str]:
        value = worth.get((h.account_id, h.asset_id))
        return (-(value if value is not None else Decimal(-1)), h.symbol)

    return sorted(held, key=key)


def lots_frame(holding: HoldingView, locale: str) -> pd.DataFrame:
    """A holding's open lots, oldest first: date acquired, units, cost and cost per unit."""
    return pd.DataFrame([{
        "Acquired": lot.acquired, "Units": quantity_text(lot.quantity, locale),
        "Cost": decimal_money(lot.cost, holding.currency, locale),
        "Cost per unit": _unit_price(lot.unit_cost, holding.currency, locale),
    } for lot in holding.lots], columns=["Acquired", "Units", "Cost", "Cost per unit"])


def lots_title(holding: HoldingView, account: str, locale: str) -> str:
    method = {"fifo": "FIFO", "lifo": "LIFO", "average": "average cost"}[holding.method.value]
    return (f"{holding.symbol} in {account}: {quantity_text(holding.quantity, locale)} units "
            f"in {len(holding.lots)} lot(s), {method}")


def performers_frame(items: Sequence[Performer], currency: str, locale: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "Symbol": p.symbol, "Name": p.name, "Gain %": pct_text(p.gain_pct, locale),
        "Gain/loss": decimal_money(p.gain_base, currency, locale),
        "Value": decimal_money(p.value_base, currency, locale),
    } for p in items], columns=["Symbol", "Name", "Gain %", "Gain/loss", "Value"])


@dataclass(frozen=True, slots=True)
class Returns:
    """The two returns with their meaning, and why they differ, ready to show."""

    twr: str
    xirr: str
    twr_text: str
    xirr_text: str
    difference_text: str
    span: str
    gain: str


def returns_view(perf: Performance, locale: str) -> Returns:
    twr = pct_text(perf.twr, locale)
    if perf.twr_yearly is not None and perf.twr is not None and \
            (perf.end - perf.start).days > 366:  # over one year, the period's return is it
        twr = f"{twr} ({pct_text(perf.twr_yearly, locale)} a year)"
    xirr = "—" if perf.xirr is None else f"{pct_text(perf.xirr, locale)} a year"
    span = f"{perf.start:%Y-%m-%d} to {perf.end:%Y-%m-%d}"
    gain = (f"{decimal_money(perf.end_value, perf.base_currency, locale)} at the end, "
            f"{decimal_money(perf.start_value, perf.base_currency, locale)} at the start, "
            f"{decimal_money(perf.net_flows, perf.base_currency, locale)} added: the "
            f"investments earned {decimal_money(perf.gain, perf.base_currency, locale)}")
    return Returns(twr, xirr, perf.twr_text, perf.xirr_text, perf.difference_text, span, gain)


def income_tables(summary: IncomeSummary, locale: str) -> pd.DataFrame:
    """Income received per year (base currency), newest first."""
    ccy = summary.base_currency
    return pd.DataFrame([{"Year": str(y), "Received": decimal_money(a, ccy, locale)}
                         for y, a in sorted(summary.by_year.items(), reverse=True)],
                        columns=["Year", "Received"])


def projection_frame(proj: Projection, locale: str) -> pd.DataFrame:
    """Each paying holding's projected income for the next 12 months."""
    return pd.DataFrame([{
        "Symbol": r.symbol, "Units": quantity_text(r.quantity, locale),
        "Paid per unit (12 months)": _unit_price(r.per_unit, r.currency, locale),
        "Projected": decimal_money(r.amount, r.currency, locale),
        f"In {proj.base_currency}": decimal_money(r.amount_base, proj.base_currency, locale),
    } for r in proj.rows], columns=["Symbol", "Units", "Paid per unit (12 months)",
                                    "Projected", f"In {proj.base_currency}"])


def gains_frame(report: GainsReport, locale: str) -> pd.DataFrame:
    """Each sale matched to its lots, as a tax adviser reads it."""
    base = report.base_currency
    return pd.DataFrame([{
        "Sold": g.sold, "Symbol": g.symbol, "Account": g.account, "Acquired": g.acquired,
        "Units": quantity_text(g.quantity, locale),
        "Cost": decimal_money(g.cost, g.currency, locale),
        "Proceeds": decimal_money(g.proceeds, g.currency, locale),
        "Gain/loss": decimal_money(g.gain, g.currency, locale),
        f"Gain/loss ({base})": decimal_money(g.gain_base, base, locale),
        "Days held": g.holding_days,
    } for g in report.rows], columns=["Sold", "Symbol", "Account", "Acquired", "Units", "Cost",
                                      "Proceeds", "Gain/loss", f"Gain/loss ({base})",
                                      "Days held"])


def gains_total_text(report: GainsReport, locale: str) -> str:
    if report.total_base is not None:
        return (f"Realised gain/loss: "
                f"{decimal_money(report.total_base, report.base_currency, locale)}")
    per_ccy = ", ".join(decimal_money(v, c, locale) for c, v in sorted(report.totals.items()))
    return (f"Realised gain/loss: {per_ccy} (no total in {report.base_currency}: "
            + "; ".join(report.missing) + ")")
