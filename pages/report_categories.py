"""Category analytics: the tree of spending, top payees, month over month, calendar."""

import datetime as dt

import streamlit as st

from fintrack_core.reports.categories import (
    category_breakdown,
    month_over_month,
    spending_by_day_of_month,
    spending_by_weekday,
    top_payees,
)
from fintrack_ui.charts import calendar_bars, category_sunburst, payee_bars
from fintrack_ui.reports import (
    cached,
    clicked,
    money_table,
    month_picker,
    report_filter,
    show_drilldown,
)
from fintrack_ui.session import current
from fintrack_ui.tables import month_label, percent_text, show_table

ctx = current()
flt = report_filter(ctx)
st.title("Category analytics")
cur = ctx.book.base_currency
shape = st.radio("Chart", ["Sunburst", "Treemap"], horizontal=True, key="rc_shape")
tree = cached(ctx, category_breakdown, flt)
event = st.plotly_chart(category_sunburst(tree, cur, ctx.locale, treemap=shape == "Treemap"),
                        on_select="rerun", key="rc_tree", width="stretch")
for pick in clicked(event)[:1]:
    show_drilldown(ctx, "Transactions in the clicked category", flt, category_id=int(pick))

left, right = st.columns(2)
with left:
    payees = cached(ctx, top_payees, flt, 10)
    event = st.plotly_chart(payee_bars(payees, cur, ctx.locale), on_select="rerun",
                            key="rc_payees", width="stretch")
    for pick in clicked(event)[:1]:
        show_drilldown(ctx, f"Payments to {pick}", flt, payee=str(pick))
with right:
    month = month_picker("Month over month", "rc_month")
    mom = cached(ctx, month_over_month, month, flt)
    before = (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    table = money_table(ctx, mom, ["previous", "current", "change"]).assign(
        change_pct=[percent_text(v, ctx.locale) for v in mom["change_pct"]])
    show_table(table, {"path": "Category", "previous": month_label(before, ctx.locale),
                       "current": month_label(month, ctx.locale), "change": "Change",
                       "change_pct": "Change %"},
               money=["previous", "current", "change"], right=["change_pct"])

left, right = st.columns(2)
with left:
    weekday = cached(ctx, spending_by_weekday, flt)
    event = st.plotly_chart(calendar_bars(weekday, "name", "Weekday", cur, ctx.locale,
                                          "Spending by weekday"), on_select="rerun",
                            key="rc_weekday", width="stretch")
    names = dict(zip(weekday["name"], weekday["weekday"], strict=True))
    for pick in clicked(event)[:1]:
        show_drilldown(ctx, f"Spending on {pick}s", flt, weekday=int(names[pick]),
                       flow="expense")
with right:
    days = cached(ctx, spending_by_day_of_month, flt)
    event = st.plotly_chart(calendar_bars(days, "day", "Day of month", cur, ctx.locale,
                                          "Spending by day of month"), on_select="rerun",
                            key="rc_days", width="stretch")
    for pick in clicked(event)[:1]:
        show_drilldown(ctx, f"Spending on day {pick}", flt, day=int(pick), flow="expense")
