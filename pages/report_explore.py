"""Explore: a pivot builder (table and heatmap), the transactions behind it, exports."""

import streamlit as st

from fintrack_core.reports.exports import export_transactions
from fintrack_core.reports.pivot import DIMENSIONS, MEASURES, pivot
from fintrack_core.reports.report_export import report_file
from fintrack_ui import activity
from fintrack_ui.charts import pivot_heatmap
from fintrack_ui.reports import cached, money_table, report_filter, show_drilldown
from fintrack_ui.session import current
from fintrack_ui.tables import month_label, show_table

ctx = current()
flt = report_filter(ctx)
st.title("Explore")
c1, c2, c3, c4 = st.columns(4)
rows = c1.selectbox("Rows", DIMENSIONS, index=DIMENSIONS.index("category"), key="rx_rows",
                    format_func=str.capitalize)
cols = c2.selectbox("Columns", ["(none)", *DIMENSIONS], index=1 + DIMENSIONS.index("month"),
                    key="rx_cols", format_func=str.capitalize)
measure = c3.selectbox("Measure", MEASURES, key="rx_measure", format_func=str.capitalize)
flow = c4.selectbox("Of", ["expense", "income", "all"], key="rx_flow",
                    format_func={"expense": "Expenses", "income": "Income",
                                 "all": "Everything"}.__getitem__)
table = cached(ctx, pivot, rows, None if cols == "(none)" else cols, measure, flt, flow=flow)
currency = None if measure == "count" else ctx.book.base_currency
if table.empty:
    st.info("Nothing matches these filters.")
else:
    def header(value: object, dimension: str) -> str:
        return month_label(value, ctx.locale) if dimension == "month" else str(value)

    flat = table.copy()
    flat.columns = [header(c, cols) for c in flat.columns]
    shown = flat if currency is None else money_table(ctx, flat, list(flat.columns))
    shown.insert(0, rows.title(), [header(i, rows) for i in flat.index])
    show_table(shown, {c: c for c in shown.columns},
               money=[] if currency is None else list(flat.columns),
               right=list(flat.columns) if currency is None else [], pin=rows.title())
    st.plotly_chart(pivot_heatmap(table, currency, title=f"{measure.title()} by {rows}"
                                  + ("" if cols == "(none)" else f" × {cols}"),
                                  locale=ctx.locale),
                    key="rx_heat", width="stretch")
    d1, d2 = st.columns(2)
    sheet = {"pivot": table.reset_index()}
    money = {"pivot": [] if currency is None else list(table.columns)}  # every value cell
    d1.download_button("Pivot as CSV", report_file(sheet, "csv", currency, money),
                       "pivot.csv", "text/csv",
                       on_click=activity.exported, args=(ctx.scope, "pivot", "csv"))
    d2.download_button("Pivot as Excel", report_file(sheet, "xlsx", currency, money),
                       "pivot.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click=activity.exported, args=(ctx.scope, "pivot", "xlsx"))
st.divider()
show_drilldown(ctx, "Transactions matching the filters", flt)
e1, e2 = st.columns(2)
if e1.button("Prepare transactions CSV", key="rx_csv"):
    st.session_state["rx_csv_data"] = export_transactions(ctx.scope, flt, "csv")
    activity.exported(ctx.scope, "transactions", "csv")
if data := st.session_state.get("rx_csv_data"):
    e1.download_button("Download transactions.csv", data, "transactions.csv", "text/csv")
if e2.button("Prepare transactions Excel", key="rx_xlsx"):
    st.session_state["rx_xlsx_data"] = export_transactions(ctx.scope, flt, "xlsx")
    activity.exported(ctx.scope, "transactions", "xlsx")
if data := st.session_state.get("rx_xlsx_data"):
    e2.download_button("Download transactions.xlsx", data, "transactions.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
