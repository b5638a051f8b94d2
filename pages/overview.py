"""Overview: what everything is worth now, this month's money in and out, latest activity."""

import pandas as pd
import streamlit as st

from fintrack_core.ledger.overview import overview
from fintrack_core.portfolio.alerts import list_portfolio_alerts, mark_portfolio_alerts_read
from fintrack_ui.alert_list import show_alerts
from fintrack_ui.charts import balance_bars
from fintrack_ui.display import money, rows_frame, show_flash
from fintrack_ui.markdown import md
from fintrack_ui.session import current
from fintrack_ui.subscriptions_view import show_upcoming
from fintrack_ui.tables import show_table

ctx = current()
show_flash()
data = overview(ctx.scope)
base, loc = data.base_currency, ctx.locale

st.title("Overview")
st.caption(f"{md(ctx.book.name)} · balances as of {data.as_of:%d %b %Y} · base currency {base}")

c1, c2, c3, c4 = st.columns(4)
c1.metric("Net worth", money(data.total_minor, base, loc),
          help=f"Investments at market value: {money(data.investments_minor, base, loc)}"
          if data.investments_minor or data.unvalued else None)
c2.metric(f"Income in {data.month.month:%B}", money(data.month.income_minor, base, loc))
c3.metric(f"Expenses in {data.month.month:%B}", money(data.month.expenses_minor, base, loc))
c4.metric("Net this month", money(data.month.net_minor, base, loc))

if data.unconverted:
    names = ", ".join(f"{md(a.account.name)} ({a.account.currency})" for a in data.unconverted)
    st.warning(f"No exchange rate to {base} for: {names}. They are left out of the total; "
               "add a rate under Book & profile → Exchange rates.")
if data.unvalued:
    st.warning("Some holdings have no market value and are left out of net worth: "
               + "; ".join(md(line) for line in data.unvalued))
if data.month.unconverted:
    st.warning("Some of this month's amounts have no exchange rate: "
               + ", ".join(f"{c}" for c in data.month.unconverted))

if show_alerts(ctx, "ov_alerts", "Budget alerts", limit=10):
    st.page_link("pages/budgets.py", label="All budgets and alerts",
                 icon=":material/savings:")

news = list_portfolio_alerts(ctx.scope, unread_only=True, limit=5)
if news:
    st.subheader("Portfolio alerts")
    for alert in news:
        st.info(md(alert.message), icon=":material/trending_up:")
    if st.button("Mark portfolio alerts as read", key="ov_portfolio_read"):
        mark_portfolio_alerts_read(ctx.scope)
        st.rerun()

left, right = st.columns([3, 2])
with left:
    st.subheader("Accounts")
    if not data.accounts:
        st.info("No accounts yet — add one on the Accounts page.")
    else:
        table = pd.DataFrame({
            "Account": [a.account.name for a in data.accounts],
            "Type": [a.account.type.value.replace("_", " ") for a in data.accounts],
            "Status": ["closed" if a.account.is_closed else "open" for a in data.accounts],
            "Balance": [money(a.balance_minor, a.account.currency, loc) for a in data.accounts],
            f"In {base}": [money(a.base_minor, base, loc) for a in data.accounts],
        })
        money_cols = ["Balance", f"In {base}"]
        if data.investments_minor or data.unvalued:
            table["Holdings"] = [money(a.holdings_minor, base, loc)
                                 if a.account.type.value == "investment" else ""
                                 for a in data.accounts]
            money_cols.append("Holdings")
        show_table(table, {c: c for c in table.columns}, money=money_cols)
with right:
    converted = [a for a in data.accounts if a.base_minor or a.holdings_minor]
    if converted:
        st.plotly_chart(balance_bars([a.account.name for a in converted],
                                     [(a.base_minor or 0) + a.holdings_minor
                                      for a in converted], base, loc,
                                     title=f"Balances in {base}"), width="stretch")

show_upcoming(ctx)

st.subheader("Latest transactions")
if data.recent:
    recent = rows_frame(data.recent, loc)
    show_table(recent, {c: c for c in recent.columns}, money=["Amount"])
else:
    st.info("No transactions yet.")
