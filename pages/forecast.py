"""Forecast: each open account's balance over the next 30, 60 or 90 days, from the scheduled
transactions and the recurring series, with the low point people plan around."""

import streamlit as st

from fintrack_core.budgets.forecast import HORIZONS, forecast
from fintrack_core.ledger.accounts import list_accounts
from fintrack_ui.charts import forecast_lines
from fintrack_ui.display import money
from fintrack_ui.markdown import md
from fintrack_ui.session import current
from fintrack_ui.subscriptions_view import day_text, events_table, lows_table
from fintrack_ui.tables import show_table

ctx = current()
st.title("Forecast")
st.caption("From today's balances, adding the scheduled transactions and the recurring series "
           "not dismissed (see Subscriptions). Everyday spending is not guessed.")
days = st.radio("Horizon", HORIZONS, index=len(HORIZONS) - 1, horizontal=True,
                format_func=lambda d: f"{d} days", key="fc_days")
fc = forecast(ctx.scope, days)
base, loc = fc.base_currency, ctx.locale
accounts = {a.id: (a.name, a.currency) for a in list_accounts(ctx.scope) if not a.is_closed}

for point in fc.below_zero:
    st.warning(f"**{md(point.account)}** is forecast below zero: "
               f"{md(money(point.balance_minor, point.currency, loc))} on "
               f"{md(day_text(point.date, loc))}.")
if fc.without_rate:
    st.warning(f"No exchange rate to {base} for: {md(', '.join(fc.without_rate))}. They are "
               "left out of the total; add a rate under Book & profile → Exchange rates.")

if not accounts:
    st.info("No open accounts yet — add one on the Accounts page.")
    st.stop()

total_low = next(p for p in fc.lows if p.account == "Total")
c1, c2, c3 = st.columns(3)
c1.metric(f"Total today ({base})", money(int(fc.daily["total"].iloc[0]), base, loc))
c2.metric(f"Total in {fc.days} days", money(int(fc.daily["total"].iloc[-1]), base, loc))
c3.metric(f"Lowest total, on {day_text(total_low.date, loc)}",
          money(total_low.balance_minor, base, loc))
st.plotly_chart(forecast_lines(fc.daily, accounts, base, (total_low.date, total_low.balance_minor),
                               loc, title=f"Balances over the next {fc.days} days"),
                key="fc_chart", width="stretch")

left, right = st.columns([2, 3])
with left:
    st.subheader("Low points")
    lows = lows_table(fc, loc)
    show_table(lows, {c: c for c in lows.columns}, money=["Lowest"])
with right:
    st.subheader("Expected payments")
    if fc.events.empty:
        st.info("No scheduled transactions or recurring series in this period.")
    else:
        events = events_table(fc, accounts, loc)
        show_table(events, {c: c for c in events.columns}, money=["Amount"])
