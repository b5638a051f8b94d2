"""Book & profile: book name and base currency, members and roles, exchange rates, locale,
password, notifications, API tokens."""

import datetime as dt

import pandas as pd
import streamlit as st

from fintrack_core.api import Role
from fintrack_core.config import LOCALES, set_user_setting
from fintrack_core.ledger import books, fx
from fintrack_ui.api_tokens_view import api_tokens_section
from fintrack_ui.backup_view import backup_section
from fintrack_ui.display import attempt, show_flash
from fintrack_ui.markdown import md
from fintrack_ui.notification_settings import notification_section
from fintrack_ui.portfolio_alert_settings import portfolio_alert_section
from fintrack_ui.profile_security import password_and_two_factor as _password_and_two_factor
from fintrack_ui.session import current

ctx = current()
show_flash()
st.title("Book & profile")

book_tab, members_tab, fx_tab, profile_tab, notify_tab, tokens_tab = st.tabs(
    ["Book", "Members", "Exchange rates", "My profile", "Notifications", "API tokens"])

with book_tab:
    st.write(f"**{md(ctx.book.name)}** · base currency **{ctx.book.base_currency}** · "
             f"your role: **{ctx.book.role.value}**")
    if ctx.is_owner:
        with st.form("book_form"):
            name = st.text_input("Book name", value=ctx.book.name)
            base = st.text_input("Base currency", value=ctx.book.base_currency, max_chars=3)
            if st.form_submit_button("Save", type="primary") and attempt(
                    lambda: books.update_book(ctx.scope, name, base), "Book saved."):
                st.rerun()
    with st.form("new_book"):
        st.caption("Start another book (for example a second household); you will own it.")
        nb_name = st.text_input("New book name")
        nb_ccy = st.text_input("Its base currency", value=ctx.book.base_currency, max_chars=3)
        if st.form_submit_button("Create book") and attempt(
                lambda: books.create_book(ctx.scope.db, ctx.user.id, nb_name, nb_ccy),
                f"Book {nb_name!r} created; switch to it in the sidebar."):
            st.rerun()
    backup_section(ctx)

with members_tab:
    members = books.list_members(ctx.scope)
    st.dataframe(pd.DataFrame({"User": [m.username for m in members],
                               "Name": [m.name for m in members],
                               "Role": [m.role.value.capitalize() for m in members]}),
                 hide_index=True, width="stretch")
    if ctx.is_owner:
        with st.form("share"):
            who = st.text_input("Username to share with")
            role = st.selectbox("Role", [Role.VIEWER.value, Role.EDITOR.value, Role.OWNER.value])
            if st.form_submit_button("Share / change role", type="primary") and attempt(
                    lambda: books.share_book(ctx.scope, who, role), f"Shared with {who}."):
                st.rerun()
        others = [m for m in members if m.user_id != ctx.user.id]
        if others:
            gone = st.selectbox("Remove member", [m.user_id for m in others],
                                format_func={m.user_id: m.username for m in others}.__getitem__)
            if st.button("Remove") and gone is not None and attempt(
                    lambda: books.remove_member(ctx.scope, gone), "Member removed."):
                st.rerun()
    else:
        st.caption("Only owners can share the book.")

with fx_tab:
    rates = fx.list_rates(ctx.scope)
    if rates:
        st.dataframe(pd.DataFrame({"Date": [r.date for r in rates],
                                   "Pair": [f"{r.base}/{r.quote}" for r in rates],
                                   "Rate": [str(r.rate) for r in rates],
                                   "Source": [r.source for r in rates]}),
                     hide_index=True, width="stretch")
    else:
        st.info("No exchange rates yet. Accounts in other currencies are left out of totals "
                "until a rate exists.")
    if ctx.can_write:
        with st.form("rate"):
            c1, c2, c3, c4 = st.columns(4)
            rb = c1.text_input("1 unit of", value="USD", max_chars=3)
            rq = c2.text_input("in", value=ctx.book.base_currency, max_chars=3)
            rv = c3.text_input("is worth", placeholder="0.92")
            rd = c4.date_input("on", value=dt.date.today(), format="YYYY-MM-DD")
            if st.form_submit_button("Save rate", type="primary") and attempt(
                    lambda: fx.set_rate(ctx.scope, rb, rq, rd, rv), "Rate saved."):
                st.rerun()

with profile_tab:
    loc = st.selectbox("Number and date format", LOCALES,
                       index=LOCALES.index(ctx.locale) if ctx.locale in LOCALES else 0)
    if loc != ctx.locale and attempt(
            lambda: set_user_setting(ctx.scope.db, ctx.user.id, "locale", loc), "Saved."):
        st.rerun()
    _password_and_two_factor(ctx)

with notify_tab:
    notification_section(ctx)
    portfolio_alert_section(ctx)

with tokens_tab:
    api_tokens_section(ctx)
