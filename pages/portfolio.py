"""Portfolio: what the investment accounts hold and are worth, how they did, what they paid.

Every figure is read from the database (last known prices, with their age); the network is
used only when an owner or editor presses "Refresh prices". One section is drawn at a time
(the selector under the header), so the first render computes the header and the holdings
only.
"""

import datetime as dt

import streamlit as st

from fintrack_core.db.models import AccountType
from fintrack_core.ledger.accounts import list_accounts
from fintrack_core.portfolio.assets import list_assets
from fintrack_core.portfolio.gains import export_realised_gains, realised_gains
from fintrack_core.portfolio.income import income_summary, projected_income
from fintrack_core.portfolio.lots import holdings
from fintrack_core.portfolio.performance import performance_and_history
from fintrack_core.portfolio.valuation import ranked_performers, valuation
from fintrack_ui import portfolio_forms as forms
from fintrack_ui import portfolio_view as view
from fintrack_ui.display import read_only_notice, show_flash
from fintrack_ui.markdown import md
from fintrack_ui.portfolio_figures import (
    allocation_pie,
    decimal_money,
    income_bars,
    value_history_lines,
)
from fintrack_ui.session import current
from fintrack_ui.tables import show_table

ctx = current()
show_flash()
forms.show_refresh_error()
st.title("Portfolio")
read_only_notice(ctx.can_write)
base, locale, today = ctx.book.base_currency, ctx.locale, dt.date.today()
accounts = [a for a in list_accounts(ctx.scope) if a.type == AccountType.INVESTMENT]
names = {a.id: a.name for a in accounts}
if not accounts:
    st.info("No investments yet. First step: add an investment account (on the Accounts "
            "page, type \"investment\"), then come back here to add an asset and a trade.")
    st.page_link("pages/accounts.py", label="Go to Accounts", icon=":material/account_balance:")
    st.stop()

assets = list_assets(ctx.scope)
val = valuation(ctx.scope)
if ctx.can_write:
    forms.refresh_button(ctx)
for col, fig in zip(st.columns(3), view.header_figures(val, locale), strict=True):
    col.metric(fig.label, fig.value, fig.delta)
if text := view.incomplete_text(val):
    st.warning(md(text))

if not val.holdings:
    st.info("Nothing held yet. Add an asset, then a trade (a buy) in one of your investment "
            "accounts" + (": the forms are under Manage." if ctx.can_write else
                          "; an owner or editor of this book can do that."))

sections = ["Holdings", "Performance", "Dividends", "Realised gains"]
if ctx.can_write:
    sections.append("Manage")
section = st.radio("Show", sections, horizontal=True, key="pf_section",
                   label_visibility="collapsed")

if section == "Holdings" and val.holdings:
    cols = st.columns(3)
    for col, (title, slices) in zip(cols, (("By asset kind", val.by_kind), ("By currency",
                                           val.by_currency), ("By account", val.by_account)),
                                    strict=True):
        col.plotly_chart(allocation_pie(slices, title, base, locale, view.KIND_WORDS),
                         width="stretch", key=f"pf_alloc_{title}")
    st.subheader("Holdings")
    table = view.holdings_frame(val, today, locale)
    labels = {k: v.format(base=base) for k, v in view.HOLDING_LABELS.items()}
    show_table(table, labels, money=["value", "cost", "gain", "value_base"],
               right=["quantity", "price", "gain_pct"], pin="symbol")
    st.caption(f"Each price shows its age; \"{view.STALE_MARK}\" marks a market price older "
               "than the last trading day (refresh prices to update it).")
    st.subheader("Lots")
    held = view.largest_first(holdings(ctx.scope), val)
    for h in held[:view.LOTS_SHOWN]:
        with st.expander(md(view.lots_title(h, names.get(h.account_id, ""), locale))):
            st.dataframe(view.lots_frame(h, locale), hide_index=True, width="stretch")
    if len(held) > view.LOTS_SHOWN:  # a list of hundreds of expanders helps no one
        rest = held[view.LOTS_SHOWN:]
        pick = st.selectbox(f"Lots of the other {len(rest)} holdings", range(len(rest)),
                            index=None, placeholder="Choose a holding", key="pf_lots_more",
                            format_func=lambda i: f"{rest[i].symbol} in "
                                                  f"{names.get(rest[i].account_id, '')}")
        if pick is not None:
            st.markdown(md(view.lots_title(rest[pick], names.get(rest[pick].account_id, ""),
                                           locale)))
            st.dataframe(view.lots_frame(rest[pick], locale), hide_index=True,
                         width="stretch")
    best, worst = ranked_performers(val, 5)
    c1, c2 = st.columns(2)
    c1.subheader("Top performers")
    c1.dataframe(view.performers_frame(best, base, locale), hide_index=True, width="stretch")
    c2.subheader("Bottom performers")
    c2.dataframe(view.performers_frame(worst, base, locale), hide_index=True, width="stretch")

elif section == "Performance":
    periods = list(view.PERIODS)
    c1, c2, c3 = st.columns([2, 1, 1])
    period = c1.selectbox("Period", periods, index=periods.index("1Y"),
                          format_func=view.PERIODS.__getitem__, key="pf_period")
    start = end = None
    if period == "custom":
        start = c2.date_input("From", value=today.replace(day=1), format="YYYY-MM-DD",
                              key="pf_from")
        end = c3.date_input("To", value=today, format="YYYY-MM-DD", key="pf_to")
    by_id = {a.id: a for a in assets}
    bench = c1.selectbox("Compare with a benchmark", [None, *by_id], key="pf_benchmark",
                         format_func=lambda i: "No benchmark" if i is None else
                         f"{by_id[i].symbol} · {by_id[i].name}")
    perf, history = performance_and_history(ctx.scope, period, start, end, bench)
    shown = view.returns_view(perf, locale)
    st.caption(md(f"{shown.span}. {shown.gain}."))  # "$" would start LaTeX
    m1, m2 = st.columns(2)
    m1.metric("Time-weighted return (TWR)", shown.twr)
    m1.write(md(shown.twr_text))
    m2.metric("Money-weighted return (XIRR)", shown.xirr)
    m2.write(md(shown.xirr_text))
    st.info(md(shown.difference_text))
    for note in dict.fromkeys((*perf.missing, *perf.notes, *history.missing)):
        st.warning(md(note))
    st.plotly_chart(value_history_lines(history.frame, base, locale,
                                        None if bench is None else by_id[bench].symbol),
                    width="stretch", key="pf_history")

elif section == "Dividends":
    summary = income_summary(ctx.scope)
    st.plotly_chart(income_bars(summary.by_month, base, locale), width="stretch",
                    key="pf_income")
    proj = projected_income(ctx.scope)
    c1, c2 = st.columns([1, 2])
    c1.dataframe(view.income_tables(summary, locale), hide_index=True, width="stretch")
    c2.metric(f"Projected income, next 12 months ({base})",
              decimal_money(proj.total_base, base, locale))
    c2.dataframe(view.projection_frame(proj, locale), hide_index=True, width="stretch")
    st.caption("Projected: each holding's payments per unit over the past 12 months times "
               "the units held now — a plain extrapolation, not a forecast.")
    for note in (*summary.missing, *proj.missing):
        st.warning(md(note))

elif section == "Realised gains":
    years = sorted({r.sold.year for r in realised_gains(ctx.scope).rows}, reverse=True)
    if not years:
        st.info("No sales yet: realised gains appear here once something is sold.")
    else:
        year = st.selectbox("Year", years, key="pf_gains_year")
        report = realised_gains(ctx.scope, year)
        st.markdown(md(view.gains_total_text(report, locale)))
        st.dataframe(view.gains_frame(report, locale), hide_index=True, width="stretch")
        d1, d2, _ = st.columns([1, 1, 3])
        # built when clicked (on Streamlit's download thread), not on every draw
        d1.download_button("Download CSV", lambda: export_realised_gains(ctx.scope, year, "csv"),
                           f"realised-gains-{year}.csv", "text/csv", key="pf_gains_csv",
                           on_click="ignore")
        d2.download_button("Download XLSX",
                           lambda: export_realised_gains(ctx.scope, year, "xlsx"),
                           f"realised-gains-{year}.xlsx",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="pf_gains_xlsx", on_click="ignore")

elif section == "Manage":
    st.subheader("Add a trade")
    forms.trade_form(ctx, accounts, assets)
    st.subheader("Add an asset")
    forms.asset_form(ctx)
    st.subheader("Set a price by hand")
    forms.price_form(ctx, assets)
    st.subheader("Cost-basis method")
    forms.cost_basis_form(ctx, accounts)
