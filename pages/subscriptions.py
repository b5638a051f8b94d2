"""Subscriptions: the recurring payments found in the history, what they cost, and the user's
decision about each (keep as a schedule, corrected if need be, or dismiss)."""

import datetime as dt

import streamlit as st

from fintrack_core.budgets.recurring import CADENCES
from fintrack_core.budgets.subscriptions import (
    SeriesView,
    alerts_of,
    confirm_series,
    dismiss_series,
    list_subscriptions,
)
from fintrack_core.ledger.accounts import list_accounts
from fintrack_ui.amounts import local_amount_text, parse_local_amount
from fintrack_ui.display import attempt, read_only_notice, show_flash
from fintrack_ui.session import current
from fintrack_ui.subscriptions_view import (
    CADENCE_WORDS,
    alert_text,
    series_table,
    totals_text,
)
from fintrack_ui.tables import show_table

ctx = current()
show_flash()
st.title("Subscriptions")
read_only_notice(ctx.can_write)
st.caption("Payments (and income) that repeat at a regular interval, found in the history: "
           "same payee, same account, similar amount. Confirm one to keep it as a schedule "
           "(the forecast uses every series not dismissed).")

show_all = st.toggle("Show dismissed series", key="subs_show_dismissed")
today = dt.date.today()
subs = list_subscriptions(ctx.scope, include_dismissed=show_all)
for alert in alerts_of(subs.series, today):
    st.warning(alert_text(alert, ctx.locale))

if not subs.series:
    st.info("No recurring payments to show: a series needs at least three payments to the "
            "same payee at a regular interval."
            + ("" if show_all else " Dismissed series are hidden (switch above)."))
    st.stop()

for currency, month, year, income in totals_text(subs, ctx.locale):
    c1, c2, c3 = st.columns(3)
    c1.metric(f"Payments per month ({currency})", month,
              help="Series not dismissed; a yearly one counts a twelfth.")
    c2.metric(f"Payments per year ({currency})", year)
    c3.metric(f"Recurring income per month ({currency})", income)

accounts = {a.id: a.name for a in list_accounts(ctx.scope)}
table = series_table(subs.series, accounts, ctx.locale, today)
show_table(table, {c: c for c in table.columns}, money=["Amount", "Per month"],
           right=["Payments"], pin="Name")

if not ctx.can_write:
    st.stop()

st.subheader("Keep or dismiss a series")
by_key = {v.series.key: v for v in subs.series}
key = st.selectbox("Series", list(by_key), key="subs_series", format_func=lambda k: (
    f"{by_key[k].name} · {accounts.get(by_key[k].series.account_id, '')} · "
    f"{CADENCE_WORDS[by_key[k].cadence]}"))
view: SeriesView = by_key[key]
cadences = [c.name for c in CADENCES]
with st.form(f"subs_form_{key}"):
    name = st.text_input("Name", value=view.name)
    amount = st.text_input(f"Amount ({view.series.currency}, negative = money out)",
                           value=local_amount_text(view.amount_minor, view.series.currency,
                                                   ctx.locale))
    cadence = st.selectbox("Cadence", cadences, index=cadences.index(view.cadence),
                           format_func=CADENCE_WORDS.__getitem__)
    next_date = st.date_input("Next payment", value=view.next_date, format="YYYY-MM-DD")
    keep, drop = st.columns(2)
    confirmed = keep.form_submit_button("Confirm as schedule", type="primary")
    dismissed = drop.form_submit_button("Dismiss", disabled=view.status == "dismissed")


def confirm() -> None:
    """Only what the user changed is stored as a correction: an untouched amount keeps
    following the bank, so a later price change still shows."""
    typed = parse_local_amount(amount, ctx.locale)
    shown = parse_local_amount(local_amount_text(view.amount_minor, view.series.currency,
                                                 ctx.locale), ctx.locale)
    confirm_series(ctx.scope, key, name=name if name.strip() != view.name else None,
                   amount=None if typed == shown else format(typed, "f"),
                   cadence=cadence if cadence != view.cadence else None,
                   next_date=next_date if next_date != view.next_date else None)


# Flash messages are escaped when shown (display.show_flash).
if confirmed and attempt(confirm, f"{name.strip() or view.name} kept as a schedule."):
    st.rerun()
if dismissed and attempt(lambda: dismiss_series(ctx.scope, key),
                         f"{view.name} dismissed; it stays hidden."):
    st.rerun()
