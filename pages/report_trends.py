"""Trends: income vs expenses per month, category spending over time, balances, averages."""

import datetime as dt

import streamlit as st

from fintrack_core.reports.trends import last_months, trends
from fintrack_ui.charts import balance_lines, category_stack, income_expense_bars
from fintrack_ui.reports import cached, clicked, money_table, report_filter, show_drilldown
from fintrack_ui.session import current
from fintrack_ui.tables import show_table

ctx = current()
flt = report_filter(ctx)
st.title("Trends")
span = st.radio("Period", ["3 months", "6 months", "12 months", "24 months", "Custom"],
                index=2, horizontal=True, key="rt_span")
if span == "Custom":
    picked = st.date_input("From – to", value=last_months(12), key="rt_range",
                           format="YYYY-MM-DD")
    start, end = (picked[0], picked[-1]) if len(picked) == 2 else last_months(12)
else:
    start, end = last_months(int(span.split()[0]))
t = cached(ctx, trends, start, end, flt)
cur = t.base_currency

event = st.plotly_chart(income_expense_bars(t.monthly, cur, ctx.locale), on_select="rerun",
                        key="rt_bars", width="stretch")
for pick in clicked(event)[:1]:
    kind, month = pick[0], dt.date.fromisoformat(pick[1])
    show_drilldown(ctx, f"{kind.title()} in {month:%B %Y}", flt, month=month, flow=kind)

event = st.plotly_chart(category_stack(t.by_category, cur, ctx.locale), on_select="rerun",
                        key="rt_stack", width="stretch")
for pick in clicked(event)[:1]:
    month = dt.date.fromisoformat(pick[2])
    show_drilldown(ctx, f"Category spending in {month:%B %Y}", flt, month=month,
                   category_id=int(pick[1]))

st.plotly_chart(balance_lines(t.balances, cur, ctx.locale), key="rt_bal", width="stretch")
st.subheader("Average and median monthly spending")
show_table(money_table(ctx, t.category_stats, ["average", "median"]),
           {"path": "Category", "average": "Average per month", "median": "Median per month"},
           money=["average", "median"])
