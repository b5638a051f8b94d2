"""Portfolio: what the investment accounts hold and are worth, how they did, what they paid.

Every figure is read from the database (last known prices, with their age); the network is
used only when an owner or editor presses "Refresh prices". One section is drawn at a time
(the selector under the header), so the first render computes the header and the holdings
only.
"""

import streamlit as st

from fintrack_core.api import AccountType
from fintrack_core.ledger.accounts import list_accounts
from fintrack_core.portfolio.assets import list_assets
from fintrack_core.portfolio.valuation import valuation
from fintrack_ui import portfolio_forms as forms
from fintrack_ui import portfolio_sections as sections_ui
from fintrack_ui import portfolio_view as view
from fintrack_ui.display import read_only_notice, show_flash
from fintrack_ui.markdown import md
from fintrack_ui.session import current

ctx = current()
show_flash()
forms.show_refresh_error()
st.title("Portfolio")
read_only_notice(ctx.can_write)
locale = ctx.locale
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
    col.metric(fig.label, fig.value, fig.delta, help=fig.help)
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
    sections_ui.holdings_section(ctx, val, names)
elif section == "Performance":
    sections_ui.performance_section(ctx, assets)
elif section == "Dividends":
    sections_ui.dividends_section(ctx)
elif section == "Realised gains":
    sections_ui.gains_section(ctx)
elif section == "Manage":
    st.subheader("Add a trade")
    forms.trade_form(ctx, accounts, assets)
    st.subheader("Add an asset")
    forms.asset_form(ctx)
    st.subheader("Set a price by hand")
    forms.price_form(ctx, assets)
    st.subheader("Cost-basis method")
    forms.cost_basis_form(ctx, accounts)
