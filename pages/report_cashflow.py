"""Cash flow: where income comes from and where it goes (Sankey)."""

import streamlit as st

from fintrack_core.reports.cashflow import cashflow_sankey
from fintrack_ui.charts import period_text, sankey
from fintrack_ui.reports import cached, clicked, report_filter, show_drilldown
from fintrack_ui.session import current

ctx = current()
flt = report_filter(ctx)
st.title("Cash flow")
st.caption("Income sources → your book → spending by category (and what was saved). "
           "Transfers between your own accounts are left out. Click a link for its "
           "transactions.")
flow = cached(ctx, cashflow_sankey, flt)
if flow.links.empty:
    st.info("No income or spending for these filters.")
else:
    # Without a date filter, the dates of the rows drawn (never "all dates").
    period = period_text(flt.date_from or flow.first_date, flt.date_to or flow.last_date,
                         ctx.locale)
    title = f"Cash flow · {period}"
    event = st.plotly_chart(sankey(flow.nodes, flow.links, flow.base_currency, ctx.locale,
                                   title=title),
                            on_select="rerun", key="rf_sankey", width="stretch")
    for pick in clicked(event)[:1]:
        show_drilldown(ctx, "Transactions behind the clicked flow", flt, category_id=int(pick))
