"""Audit log of the current book, for its owners: who shared it, changed roles, imported or
undid statements, deleted or re-categorised transactions — when, and from where."""

import streamlit as st

from fintrack_core.audit import book_audit
from fintrack_ui.audit_view import show_audit
from fintrack_ui.markdown import md
from fintrack_ui.session import current

ctx = current()
st.title("Audit log")
if not ctx.is_owner:
    # Defence in depth: app.py lists this page for owners only, and the core refuses anyway.
    st.info("Only the book's owners can see its audit log.")
    st.stop()
st.caption(f"Book **{md(ctx.book.name)}** · times in UTC · sign-ins and backups are on the "
           "administrators' page")
show_audit(lambda limit, offset, actions: book_audit(ctx.scope, limit, offset, actions),
           f"audit_book_{ctx.book.id}")
