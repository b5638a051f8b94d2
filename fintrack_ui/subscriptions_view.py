"""Subscriptions, bills and the forecast as people read them: tables, alert lines, totals.

Pure functions of what ``fintrack_core.budgets`` returns (plus the user's locale), so the
Subscriptions page, the Forecast page and the Overview word things the same way and the
wording is unit-tested without a browser. Amounts become locale text here, never floats.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from babel.dates import format_date

from fintrack_core.budgets.forecast import Forecast
from fintrack_core.budgets.subscriptions import (
    SeriesView,
    SubscriptionAlert,
    Subscriptions,
    subscription_alerts,
    upcoming_bills,
)
from fintrack_core.money import format_money
from fintrack_ui.markdown import md
from fintrack_ui.session import Context
from fintrack_ui.tables import show_table

CADENCE_WORDS = {"weekly": "every week", "biweekly": "every two weeks",
                 "monthly": "every month", "quarterly": "every three months",
                 "yearly": "every year"}
STATUS_WORDS = {"detected": "detected", "confirmed": "confirmed schedule",
                "dismissed": "dismissed"}
BILL_DAYS = 7  # the Overview's "upcoming bills" window


def day_text(day: dt.date, locale: str) -> str:
    return format_date(day, "medium", locale=locale)


def price_note(view: SeriesView, locale: str) -> str:
    """``price changed from -€10.99 to -€12.99 on Apr 12, 2024``, or "" without a change."""
    change = view.price_change
    if change is None:
        return ""
    old, new, on = change
    currency = view.series.currency
    return (f"price changed from {format_money(old, currency, locale)} to "
            f"{format_money(new, currency, locale)} on {day_text(on, locale)}")


def series_table(views: list[SeriesView], accounts: dict[int, str], locale: str,
                 today: dt.date) -> pd.DataFrame:
    """One row per series, money as locale text; ``Note`` carries price changes and "missed"."""
    def note(v: SeriesView) -> str:
        parts = [price_note(v, locale)]
        if v.status != "dismissed" and v.missed(today):
            parts.insert(0, "missed")  # the date is in "Next expected"
        return "; ".join(p for p in parts if p)

    return pd.DataFrame({
        "Name": [v.name for v in views],
        "Account": [accounts.get(v.series.account_id, "") for v in views],
        "Cadence": [CADENCE_WORDS[v.cadence] for v in views],
        "Amount": [format_money(v.amount_minor, v.series.currency, locale) for v in views],
        "Per month": [format_money(v.monthly_minor, v.series.currency, locale) for v in views],
        "Next expected": [v.next_date for v in views],
        "Note": [note(v) for v in views],
        "Status": [STATUS_WORDS[v.status] for v in views],
        "Payments": [v.series.occurrences for v in views],
    })


def totals_text(subs: Subscriptions, locale: str) -> list[tuple[str, str, str, str]]:
    """(currency, payments a month, payments a year, income a month) of the series not
    dismissed, one per currency."""
    out = []
    for currency, (paid, got) in sorted(subs.monthly_by_direction().items()):
        out.append((currency, format_money(paid, currency, locale),
                    format_money(paid * 12, currency, locale), format_money(got, currency, locale)))
    return out


def alert_text(alert: SubscriptionAlert, locale: str) -> str:
    """One warning line, user text escaped for Markdown (payees come from bank files)."""
    v = alert.view
    name = md(v.name)
    if alert.kind == "missed":
        amount = format_money(v.amount_minor, v.series.currency, locale)
        return (f"**{name}**: the payment of {md(amount)} expected on "
                f"{md(day_text(v.next_date, locale))} has not arrived. Cancelled, or did the "
                "debit fail?")
    return f"**{name}**: {md(price_note(v, locale))}."


def bills_table(bills: list[SeriesView], locale: str) -> pd.DataFrame:
    return pd.DataFrame({
        "Name": [b.name for b in bills],
        "Date": [b.next_date for b in bills],
        "Amount": [format_money(b.amount_minor, b.series.currency, locale) for b in bills],
    })


def show_upcoming(ctx: Context, today: dt.date | None = None) -> None:
    """The Overview's bills due in the next week, and the subscription alerts."""
    day = today or dt.date.today()
    bills = upcoming_bills(ctx.scope, BILL_DAYS, as_of=day)
    st.subheader("Upcoming bills")
    for alert in subscription_alerts(ctx.scope, day):
        st.warning(alert_text(alert, ctx.locale))
    if bills:
        show_table(bills_table(bills, ctx.locale), {"Name": "Name", "Date": "Date",
                                                     "Amount": "Amount"}, money=["Amount"])
    else:
        st.info(f"No bills due in the next {BILL_DAYS} days.")


def events_table(fc: Forecast, accounts: dict[int, tuple[str, str]],
                 locale: str) -> pd.DataFrame:
    """The expected payments a forecast used: date, account, what, amount (its currency)."""
    ev = fc.events
    return pd.DataFrame({
        "Date": list(ev["date"]),
        "Account": [accounts[int(a)][0] for a in ev["account_id"]],
        "What": ["scheduled transactions" if s == "scheduled" else str(s) for s in ev["source"]],
        "Amount": [format_money(int(m), accounts[int(a)][1], locale)
                   for a, m in zip(ev["account_id"], ev["amount_minor"], strict=True)],
    })


def lows_table(fc: Forecast, locale: str) -> pd.DataFrame:
    """Each account's lowest forecast balance (its own currency) and the total's (base)."""
    return pd.DataFrame({
        "Account": [p.account for p in fc.lows],
        "Lowest": [format_money(p.balance_minor, p.currency, locale) for p in fc.lows],
        "On": [p.date for p in fc.lows],
    })
