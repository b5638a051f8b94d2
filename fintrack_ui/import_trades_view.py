"""The Import page's preview of an investment file: its trades instead of a statement table.

Why apart from the page: the table is built by a plain function (``trades_table``) that a
test can call without a browser; the page only renders it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fintrack_core.imports.invest_preview import InvestmentPreview
from fintrack_ui.markdown import md

PREVIEW_ROWS = 50


def trades_table(inv: InvestmentPreview) -> pd.DataFrame:
    """The first trades as the preview lists them (kind, symbol, quantity, price, fees, cash),
    numbers as exact text so nothing is rounded on the way to the browser."""
    head = inv.trades[:PREVIEW_ROWS]
    return pd.DataFrame({
        "Line": [t.line for t in head], "Date": [t.date for t in head],
        "Kind": [t.kind.replace("_", " ") for t in head],
        "Symbol": [t.symbol for t in head],
        "Quantity": [str(t.quantity) if t.quantity else "" for t in head],
        "Price": [str(t.price) if t.price else "" for t in head],
        "Fees": [str(t.fees) if t.fees else "" for t in head],
        "Cash": [str(t.cash) for t in head],
    })


def kind_totals_line(inv: InvestmentPreview) -> str:
    """``buy 3 (cash -5264.95) · dividend 1 (cash 2.40)``"""
    return " · ".join(f"{kind.replace('_', ' ')} {n} (cash {cash})"
                      for kind, (n, cash) in inv.kind_totals.items())


def show_trades(inv: InvestmentPreview) -> None:
    st.caption(md(f"Investment statement into **{inv.account}**"))
    if inv.new_assets:
        st.info(md("New assets: " + ", ".join(inv.new_assets)))
    if inv.trades:
        st.dataframe(trades_table(inv), hide_index=True, width="stretch")
        st.caption(md(f"First {min(len(inv.trades), PREVIEW_ROWS)} of {len(inv.trades):,} "
                      f"rows · {kind_totals_line(inv)}"))
    if not inv.position_differences and inv.trades:
        st.caption("The holdings the trades give agree with the statement's positions "
                   "(where it lists them).")
