"""Net worth over time: assets, liabilities and net worth per month in the base currency."""

import streamlit as st

from fintrack_core.reports.networth import net_worth
from fintrack_core.reports.trends import last_months
from fintrack_ui.charts import net_worth_lines
from fintrack_ui.display import money
from fintrack_ui.markdown import md
from fintrack_ui.reports import cached, money_table
from fintrack_ui.session import current
from fintrack_ui.tables import month_label, show_table

ctx = current()
st.title("Net worth")
months = st.select_slider("Months", [6, 12, 24, 36, 60], value=24, key="rn_months")
start, end = last_months(months)
nw = cached(ctx, net_worth, start, end)
if not nw.monthly.empty:
    last = nw.monthly.iloc[-1]
    c1, c2, c3 = st.columns(3)
    c1.metric("Assets", money(last["assets"], ctx.book.base_currency, ctx.locale))
    c2.metric("Liabilities", money(last["liabilities"], ctx.book.base_currency, ctx.locale))
    c3.metric("Net worth", money(last["net_worth"], ctx.book.base_currency, ctx.locale))
    st.plotly_chart(net_worth_lines(nw.monthly, nw.base_currency, ctx.locale), key="rn_chart",
                    width="stretch")
    cols = ["assets", "liabilities", "net_worth", "investments"]
    table = money_table(ctx, nw.monthly, cols)
    table["month"] = [month_label(m, ctx.locale) for m in nw.monthly["month"]]
    show_table(table, {"month": "Month", "assets": "Assets", "liabilities": "Liabilities",
                       "net_worth": "Net worth", "investments": "of which investments"},
               money=cols)
if len(nw.unvalued):
    st.warning("Holdings without a market value are left out of these months: " + "; ".join(
        md(f"{r.symbol} ({r.account}), {r.month:%b %Y}: {r.reason}")
        for r in nw.unvalued.head(10).itertuples()))
if len(nw.unconverted):
    st.warning(f"No exchange rate for some months of: {nw.unconverted}")
