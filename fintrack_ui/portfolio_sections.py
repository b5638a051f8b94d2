"""The read-only sections of the Portfolio page, one function each: holdings, performance,
dividends, realised gains.

Why functions apart from the page: the page draws one section at a time (the first render
then pays for the header and holdings alone), and each section is glue of its own: read its
widgets, make one or two core calls, render what ``portfolio_view`` and
``portfolio_figures`` build. Viewers see all of these; nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import streamlit as st

from fintrack_core.portfolio.assets import AssetView
from fintrack_core.portfolio.gains import export_realised_gains, realised_gains
from fintrack_core.portfolio.income import income_summary, projected_income
from fintrack_core.portfolio.lots import holdings
from fintrack_core.portfolio.performance import performance_and_history
from fintrack_core.portfolio.valuation import Valuation, ranked_performers
from fintrack_ui import portfolio_view as view
from fintrack_ui.markdown import md
from fintrack_ui.portfolio_figures import (
    allocation_pie,
    decimal_money,
    income_bars,
    value_history_lines,
)
from fintrack_ui.session import Context
from fintrack_ui.tables import show_table


def holdings_section(ctx: Context, val: Valuation, names: Mapping[int, str]) -> None:
    """Allocation, the holdings table with each price's age, lots, performers."""
    base, locale, today = ctx.book.base_currency, ctx.locale, dt.date.today()
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


def performance_section(ctx: Context, assets: Sequence[AssetView]) -> None:
    """TWR and XIRR of a period with their sentences; the value chart and a benchmark."""
    base, locale, today = ctx.book.base_currency, ctx.locale, dt.date.today()
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


def dividends_section(ctx: Context) -> None:
    """Income received per month and year; projected income for the next 12 months."""
    base, locale = ctx.book.base_currency, ctx.locale
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


def gains_section(ctx: Context) -> None:
    """One year's sales matched to their lots, with the report for a tax adviser."""
    locale = ctx.locale
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
