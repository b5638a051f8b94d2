"""Admin: users of this FinTrack (administrators only): add users, reset passwords."""

import pandas as pd
import streamlit as st

from fintrack_core.ledger.users import create_user, list_users, reset_password, set_admin
from fintrack_ui.audit_view import admin_audit_section
from fintrack_ui.display import attempt, show_flash
from fintrack_ui.session import current

ctx = current()
if not ctx.user.is_admin:
    st.error("This page is for administrators.")
    st.stop()
show_flash()
st.title("Admin")
db = ctx.scope.db
people = list_users(db, ctx.user.id)
st.dataframe(pd.DataFrame({"Username": [u.username for u in people],
                           "Name": [u.name for u in people],
                           "E-mail": [u.email for u in people],
                           "Administrator": ["Yes" if u.is_admin else "No" for u in people]}),
             hide_index=True, width="stretch")

add, reset, admin = st.tabs(["Add user", "Reset password", "Administrator rights"])
with add, st.form("add_user", clear_on_submit=True):
    c1, c2 = st.columns(2)
    username = c1.text_input("Username")
    name = c2.text_input("Name")
    email = c1.text_input("E-mail")
    currency = c2.text_input("Base currency of their book", value="EUR", max_chars=3)
    password = c1.text_input("Initial password", type="password")
    make_admin = c2.checkbox("Administrator")
    if st.form_submit_button("Add user", type="primary") and attempt(
            lambda: create_user(db, username, password, name, email, is_admin=make_admin,
                                base_currency=currency, acting_user_id=ctx.user.id),
            f"User {username!r} added with a book of their own."):
        st.rerun()
with reset, st.form("reset_pw", clear_on_submit=True):
    who = st.selectbox("User", [u.username for u in people if u.id != ctx.user.id],
                       help="Ends that user's sessions. Your own password: Book & profile.")
    new_pw = st.text_input("New password", type="password", help="At least 10 characters")
    if st.form_submit_button("Reset password", type="primary") and attempt(
            lambda: reset_password(db, ctx.user.id, who, new_pw), f"Password of {who} reset."):
        st.rerun()
with admin, st.form("admin_rights"):
    who_a = st.selectbox("User", [u.username for u in people], key="adm_user")
    grant = st.radio("Administrator", ["grant", "revoke"], horizontal=True)
    if st.form_submit_button("Apply") and attempt(
            lambda: set_admin(db, ctx.user.id, who_a, grant == "grant"), "Saved."):
        st.rerun()

admin_audit_section(db, ctx.user.id, [u.username for u in people])
