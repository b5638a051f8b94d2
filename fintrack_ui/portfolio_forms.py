"""The Portfolio page's write actions: add a trade, add an asset, set a price by hand, choose
the cost-basis method, refresh prices.

Why apart from the page: these widgets exist only for owners and editors (the page does not
call this module for a viewer, and the core refuses a viewer's write anyway), and each form
is one core call whose ``ValidationError`` is shown as it is, naming the field
(``display.attempt``). Numbers are passed as typed; the core parses and checks them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import streamlit as st

from fintrack_core.api import AssetKind, CostBasisMethod, TradeKind
from fintrack_core.ledger.accounts import AccountView
from fintrack_core.portfolio.assets import AssetInput, AssetView, add_asset
from fintrack_core.portfolio.lots import get_cost_basis, set_cost_basis
from fintrack_core.portfolio.trades import TradeInput, add_trade
from fintrack_core.prices import refresh_prices, set_price
from fintrack_ui.display import attempt
from fintrack_ui.portfolio_view import KIND_WORDS
from fintrack_ui.session import Context

REFRESH_ERROR_KEY = "pf_refresh_error"
TRADE_WORDS = {"buy": "Buy", "sell": "Sell", "dividend": "Dividend (cash)",
               "reinvest": "Dividend reinvested", "interest": "Interest", "fee": "Fee",
               "split": "Split", "transfer_in": "Transfer in", "transfer_out": "Transfer out"}
METHOD_WORDS = {"fifo": "FIFO (oldest lots sold first)", "lifo": "LIFO (newest lots first)",
                "average": "Average cost"}


def _optional(text: str) -> str | None:
    return text.strip() or None


def trade_form(ctx: Context, accounts: Sequence[AccountView], assets: Sequence[AssetView]
               ) -> None:
    """A trade of any kind; fields a kind does not use are left empty (the core says which
    one is wrong when they are not)."""
    if not assets:
        st.caption("Add an asset first (below); a trade is always in one asset.")
        return
    by_asset = {a.id: a for a in assets}
    by_account = {a.id: a for a in accounts}
    with st.form("pf_trade_form", clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        account_id = c1.selectbox("Account", list(by_account),
                                  format_func=lambda i: f"{by_account[i].name} "
                                                        f"({by_account[i].currency})")
        asset_id = c2.selectbox("Asset", list(by_asset),
                                format_func=lambda i: f"{by_asset[i].symbol} · "
                                                      f"{by_asset[i].name or by_asset[i].kind}")
        kind = c3.selectbox("Kind", [k.value for k in TradeKind],
                            format_func=TRADE_WORDS.__getitem__)
        c4, c5, c6 = st.columns(3)
        day = c4.date_input("Date", value=dt.date.today(), format="YYYY-MM-DD")
        quantity = c5.text_input("Quantity", help="Units; for a split the ratio (3 = 3-for-1)")
        price = c6.text_input("Price per unit", help="In the asset's currency")
        c7, c8, c9 = st.columns(3)
        amount = c7.text_input("Amount", help="Dividend or interest: the total paid, in the "
                                              "asset's currency")
        fees = c8.text_input("Fees", help="In the account's currency (a dividend: the tax "
                                          "withheld)")
        fx_rate = c9.text_input("FX rate", help="Only when the asset's currency is not the "
                                                "account's: 1 unit of the asset's currency in "
                                                "the account's")
        notes = st.text_input("Notes")
        submitted = st.form_submit_button("Add trade", type="primary")
    if not submitted:
        return
    asset = by_asset[asset_id]
    entry = TradeInput(account_id, asset_id, day, kind, quantity=quantity.strip() or 0,
                       price=price.strip() or 0, fees=fees.strip() or 0,
                       amount=_optional(amount), fx_rate=_optional(fx_rate), notes=notes)
    if attempt(lambda: add_trade(ctx.scope, entry),
               f"{TRADE_WORDS[kind]} of {asset.symbol} on {day:%Y-%m-%d} added."):
        st.rerun()


def asset_form(ctx: Context) -> None:
    """A new asset; its price provider follows from the kind unless given."""
    with st.form("pf_asset_form"):
        c1, c2, c3, c4 = st.columns(4)
        symbol = c1.text_input("Symbol", help="As the provider knows it: VWCE.DE, AAPL, BTC")
        name = c2.text_input("Name")
        kind = c3.selectbox("Asset kind", [k.value for k in AssetKind],
                            format_func=KIND_WORDS.__getitem__)
        currency = c4.text_input("Currency", value=ctx.book.base_currency)
        provider_id = st.text_input(
            "Provider id (optional)", help="Yahoo symbol or CoinGecko id when it is not the "
                                           "symbol; assets of kind Other are priced by hand")
        submitted = st.form_submit_button("Add asset")
    if submitted and attempt(lambda: add_asset(ctx.scope, AssetInput(
            symbol, kind, currency, name=name, provider_id=_optional(provider_id))),
            f"Asset {symbol.strip()} added."):
        st.rerun()


def price_form(ctx: Context, assets: Sequence[AssetView]) -> None:
    """The book's own price of an asset on a day (a house, a fund no provider knows)."""
    if not assets:
        return
    by_asset = {a.id: a for a in assets}
    with st.form("pf_price_form"):
        c1, c2, c3, c4 = st.columns(4)
        asset_id = c1.selectbox("Asset", list(by_asset),
                                format_func=lambda i: by_asset[i].symbol, key="pf_price_asset")
        day = c2.date_input("Date", value=dt.date.today(), format="YYYY-MM-DD",
                            key="pf_price_date")
        price = c3.text_input("Price", key="pf_price_value")
        currency = c4.text_input("Currency (optional)", key="pf_price_ccy",
                                 help="Default: the asset's currency")
        submitted = st.form_submit_button("Set price")
    symbol = by_asset[asset_id].symbol
    if submitted and attempt(lambda: set_price(ctx.scope, asset_id, day, price.strip(),
                                               _optional(currency)),
                             f"Price of {symbol} on {day:%Y-%m-%d} set."):
        st.rerun()


def cost_basis_form(ctx: Context, accounts: Sequence[AccountView]) -> None:
    """The cost-basis method of each investment account (how sales are matched to lots)."""
    by_account = {a.id: a for a in accounts}
    with st.form("pf_method_form"):
        c1, c2 = st.columns(2)
        account_id = c1.selectbox("Investment account", list(by_account),
                                  format_func=lambda i: by_account[i].name,
                                  key="pf_method_account")
        current = get_cost_basis(ctx.scope, account_id).value
        methods = [m.value for m in CostBasisMethod]
        method = c2.selectbox("Cost-basis method", methods, index=methods.index(current),
                              format_func=METHOD_WORDS.__getitem__, key="pf_method")
        submitted = st.form_submit_button("Save method")
    if submitted and attempt(lambda: set_cost_basis(ctx.scope, account_id, method),
                             f"{by_account[account_id].name} now uses "
                             f"{METHOD_WORDS[method]}."):
        st.rerun()


def refresh_button(ctx: Context) -> None:
    """Fetch the latest prices (the only place the page uses the network), with a progress
    bar; afterwards the page is drawn again from the database, and a failure's one sentence
    is shown once (``show_refresh_error``)."""
    if not st.button("Refresh prices", key="pf_refresh", icon=":material/refresh:"):
        return
    bar = st.progress(0.0, text="Fetching prices…")

    def step(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Fetching prices… {done} of {total}")

    result = refresh_prices(ctx.scope, progress=step)
    if result.error:
        st.session_state[REFRESH_ERROR_KEY] = result.error
    else:
        st.session_state["flash"] = (f"Prices refreshed: {len(result.updated)} updated."
                                     if result.updated else "Nothing to refresh.")
    st.rerun()


def show_refresh_error() -> None:
    if message := st.session_state.pop(REFRESH_ERROR_KEY, None):
        from fintrack_ui.markdown import md

        st.warning(md(message))
