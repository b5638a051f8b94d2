"""Accounts: list with balances; create, edit, close, reopen, delete (with confirmation)."""

import datetime as dt

import pandas as pd
import streamlit as st

from fintrack_core.api import AccountType
from fintrack_core.ledger import accounts as acc
from fintrack_ui.amounts import local_amount_text, parse_local_amount
from fintrack_ui.display import attempt, money, read_only_notice, show_flash
from fintrack_ui.markdown import md
from fintrack_ui.session import current
from fintrack_ui.tables import show_table

ctx = current()
show_flash()
st.title("Accounts")
read_only_notice(ctx.can_write)

items = acc.list_accounts(ctx.scope)
bals = acc.balances(ctx.scope)
types = [t.value for t in AccountType]

if items:
    table = pd.DataFrame({
        "Account": [a.name for a in items],
        "Type": [a.type.value.replace("_", " ") for a in items],
        "Currency": [a.currency for a in items],
        "Institution": [a.institution or "" for a in items],
        "Number / IBAN": [a.number for a in items],
        "Opened": [a.opened_on for a in items],
        "Closed": [a.closed_on.isoformat() if a.closed_on else "" for a in items],
        "Opening balance": [money(a.opening_balance, a.currency, ctx.locale) for a in items],
        "Balance": [money(bals.get(a.id, 0), a.currency, ctx.locale) for a in items],
    })
    show_table(table, {c: c for c in table.columns}, money=["Opening balance", "Balance"])
else:
    st.info("No accounts yet.")

if not ctx.can_write:
    st.stop()

new_tab, edit_tab = st.tabs(["New account", "Edit, close or delete"])
NEW_KEYS = ("na_name", "na_type", "na_currency", "na_opening", "na_opened", "na_institution",
            "na_number")
NUMBER_HELP = ("As the bank writes it in statements (IBAN, or the account id of OFX files): "
               "a file with several accounts puts each row in the account with its number.")
with new_tab, st.form("new_account"):
    c1, c2 = st.columns(2)
    name = c1.text_input("Name", key="na_name")
    kind = c2.selectbox("Type", types, format_func=lambda t: t.replace("_", " "), key="na_type")
    currency = c1.text_input("Currency (ISO 4217)", value=ctx.book.base_currency, max_chars=3,
                             key="na_currency")
    opening = c2.text_input("Opening balance", value="0", key="na_opening",
                            help="Negative for what you owe on a card or loan")
    opened_on = c1.date_input("Opened on", value=dt.date.today(), format="YYYY-MM-DD",
                              key="na_opened")
    institution = c2.text_input("Institution", key="na_institution")
    number = c1.text_input("Account number / IBAN", key="na_number", help=NUMBER_HELP)
    if st.form_submit_button("Create account", type="primary") and attempt(
            lambda: acc.create_account(ctx.scope, name, kind, currency,
                                       str(parse_local_amount(opening, ctx.locale,
                                                              "opening_balance")),
                                       opened_on, institution, number),
            f"Account {name!r} created."):
        for key in NEW_KEYS:  # an empty form for the next account (kept when refused)
            st.session_state.pop(key, None)
        st.rerun()

with edit_tab:
    if not items:
        st.caption("Nothing to edit yet.")
        st.stop()
    by_id = {a.id: a for a in items}
    chosen = st.selectbox("Account", list(by_id), format_func=lambda i: by_id[i].name,
                          key="edit_account")
    a = by_id[chosen]
    with st.form(f"edit_{a.id}"):
        c1, c2 = st.columns(2)
        e_name = c1.text_input("Name", value=a.name)
        e_type = c2.selectbox("Type", types, index=types.index(a.type.value),
                              format_func=lambda t: t.replace("_", " "))
        e_open = c1.text_input(f"Opening balance ({a.currency})",
                               value=local_amount_text(a.opening_balance, a.currency,
                                                       ctx.locale))
        e_date = c2.date_input("Opened on", value=a.opened_on, format="YYYY-MM-DD")
        e_inst = c1.text_input("Institution", value=a.institution)
        e_number = c2.text_input("Account number / IBAN", value=a.number, help=NUMBER_HELP)
        if st.form_submit_button("Save changes", type="primary") and attempt(
                lambda: acc.update_account(ctx.scope, a.id, name=e_name, type=e_type,
                                           opening_balance=str(parse_local_amount(
                                               e_open, ctx.locale, "opening_balance")),
                                           opened_on=e_date,
                                           institution=e_inst, number=e_number),
                "Account saved."):
            st.rerun()
    c1, c2 = st.columns(2)
    if a.is_closed:
        if c1.button("Reopen account") and attempt(
                lambda: acc.reopen_account(ctx.scope, a.id), f"{a.name} reopened."):
            st.rerun()
    elif c1.button("Close account") and attempt(
            lambda: acc.close_account(ctx.scope, a.id), f"{a.name} closed."):
        st.rerun()
    with c2:
        count = acc.transaction_count(ctx.scope, a.id)
        if count:
            st.warning(f"Deleting **{md(a.name)}** also deletes its **{count}** transactions.")
        sure = st.checkbox(f"Yes, delete {md(a.name)}"
                           + (f" and its {count} transactions" if count else ""),
                           key=f"sure_{a.id}")
        if st.button("Delete account", disabled=not sure) and attempt(
                lambda: acc.delete_account(ctx.scope, a.id, confirm_transactions=count),
                f"{a.name} deleted ({count} transactions)."):
            st.rerun()
