"""Monthly summary: income, expenses, net, savings rate, categories, biggest, vs average."""

import streamlit as st

from fintrack_core.reports.report_export import report_file
from fintrack_core.reports.summary import monthly_summary
from fintrack_ui import activity
from fintrack_ui.charts import category_sunburst
from fintrack_ui.display import money
from fintrack_ui.reports import (
    cached,
    clicked,
    money_table,
    month_picker,
    report_filter,
    show_drilldown,
)
from fintrack_ui.session import current
from fintrack_ui.tables import show_table, transaction_labels

ctx = current()
flt = report_filter(ctx)
st.title("Monthly summary")
month = month_picker("Month", "rm_month")
s = cached(ctx, monthly_summary, month, flt)
cur = s.base_currency

c1, c2, c3, c4 = st.columns(4)
c1.metric("Income", money(s.income, ctx.book.base_currency, ctx.locale))
c2.metric("Expenses", money(s.expenses, ctx.book.base_currency, ctx.locale))
c3.metric("Net", money(s.net, ctx.book.base_currency, ctx.locale))
c4.metric("Savings rate", "—" if s.savings_rate is None else f"{s.savings_rate * 100:.1f} %")
if s.unconverted:
    st.warning("No exchange rate for: " + ", ".join(s.unconverted) + " — those amounts are "
               "not in the totals.")

left, right = st.columns([3, 2])
with left:
    st.subheader("Spending by category")
    spend = s.by_category[s.by_category["kind"] == "expense"]
    table = spend.assign(Category=["\u2003" * int(d) + str(n) for d, n in
                                   zip(spend["depth"], spend["name"], strict=True)])
    budgeted = dict(zip(s.budgets["category_id"], s.budgets["budgeted"], strict=True))
    table = money_table(ctx, table, ["own", "total"]).assign(budgeted=[
        money(budgeted.get(c), cur, ctx.locale) if c in budgeted else ""
        for c in spend["category_id"]])
    show_table(table, {"Category": "Category", "total": "With sub-categories",
                       "own": "Directly", "budgeted": "Budgeted"},
               money=["total", "own", "budgeted"])
    if not s.budgets.empty:
        st.subheader("Budget against actual")
        st.caption(f"Budgets whose periods start in {month:%B %Y}, against the spending of "
                   "their whole category in those periods (report filters do not apply).")
        budgets = s.budgets.assign(left=s.budgets["budgeted"] - s.budgets["spent"])
        show_table(money_table(ctx, budgets, ["budgeted", "spent", "left"]),
                   {"category": "Budget", "budgeted": "Budgeted", "spent": "Spent",
                    "left": "Left"}, money=["budgeted", "spent", "left"])
with right:
    if not spend.empty and spend["category_id"].notna().any():
        event = st.plotly_chart(category_sunburst(spend.dropna(subset=["category_id"]), cur,
                                                  ctx.locale, title=f"{month:%B %Y}"),
                                on_select="rerun", key="rm_sunburst", width="stretch")
        picks = clicked(event)
        if picks:
            show_drilldown(ctx, "Transactions in the clicked category", flt,
                           month=month, category_id=int(picks[0]))

st.subheader("Change against the previous months' average")
show_table(money_table(ctx, s.vs_average, ["this_month", "average_previous", "change"]),
           {"path": "Category", "this_month": f"{month:%B}",
            "average_previous": "Average before", "change": "Change"},
           money=["this_month", "average_previous", "change"])
st.subheader("Biggest expenses")
biggest = money_table(ctx, s.biggest, ["amount"], currency_column="currency")
biggest = money_table(ctx, biggest.assign(amount_base=s.biggest["amount_base"]),
                      ["amount_base"])
show_table(biggest, transaction_labels(biggest, cur), money=["amount", "amount_base"])
frames = {"categories": s.by_category, "biggest": s.biggest, "vs_average": s.vs_average}
d1, d2 = st.columns(2)
d1.download_button("Download CSV", report_file(frames, "csv", cur), f"summary-{month:%Y-%m}.csv",
                   "text/csv", on_click=activity.exported, args=(ctx.scope, "monthly", "csv"))
d2.download_button("Download Excel", report_file(frames, "xlsx", cur),
                   f"summary-{month:%Y-%m}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   on_click=activity.exported, args=(ctx.scope, "monthly", "xlsx"))
