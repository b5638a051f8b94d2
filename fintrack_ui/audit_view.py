"""Showing the audit log in the dashboard: one table shape and one filter/paging block, used by
the owners' page (``pages/audit.py``) and the administrators' section on ``pages/admin.py``.

The rows come from ``fintrack_core.audit`` (role-checked there, paged in SQL); this module only
renders them. Everything user-typed (names, file names in the detail) goes into
``st.dataframe`` cells, which show text literally, never through Markdown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from fintrack_core.api import Database
from fintrack_core.audit import ACTIONS, AuditEntry, AuditPage, all_audit
from fintrack_core.errors import FinTrackError

PAGE_SIZE = 50


def _detail_text(detail: dict[str, object]) -> str:
    return ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}"
                     for k, v in sorted(detail.items()))


def audit_frame(entries: Sequence[AuditEntry], with_book: bool = False) -> pd.DataFrame:
    """The table people see: newest first, times in UTC, actions with their labels."""
    data: dict[str, list[object]] = {
        "When (UTC)": [e.at.strftime("%Y-%m-%d %H:%M:%S") for e in entries],
        "Who": [e.actor_name or "—" for e in entries],
        "What": [e.label for e in entries],
        "Action": [e.action for e in entries],
        "Detail": [_detail_text(e.detail) for e in entries],
        "From": [e.origin for e in entries],
    }
    if with_book:
        data["Book"] = ["" if e.book_id is None else f"#{e.book_id}" for e in entries]
    return pd.DataFrame(data)


def show_audit(load: Callable[[int, int, list[str] | None], AuditPage], key: str, *,
               with_book: bool = False) -> None:
    """Action filter, page picker and the table; ``load(limit, offset, actions)`` reads."""
    c1, c2 = st.columns([3, 1])
    actions = c1.multiselect("Actions", list(ACTIONS), format_func=ACTIONS.__getitem__,
                             key=f"{key}_actions", placeholder="All actions")
    page_no = int(c2.number_input("Page", min_value=1, value=1, step=1, key=f"{key}_page"))
    try:
        page = load(PAGE_SIZE, (page_no - 1) * PAGE_SIZE, actions or None)
    except FinTrackError as exc:
        st.error(str(exc))
        return
    if not page.entries:
        st.info("No events match." if page_no == 1 else "No events on this page.")
        return
    st.dataframe(audit_frame(page.entries, with_book), hide_index=True, width="stretch")
    last = (page_no - 1) * PAGE_SIZE + len(page.entries)
    st.caption(f"Events {(page_no - 1) * PAGE_SIZE + 1}–{last} of {page.total}, newest "
               "first. The log is append-only: nobody can edit or delete an entry.")


def admin_audit_section(db: Database, admin_id: int, usernames: Sequence[str]) -> None:
    """All events of this FinTrack (sign-ins, every book) for administrators."""
    st.subheader("Audit log")
    who = st.selectbox("User", ["(everyone)", *usernames], key="audit_admin_user")
    user = None if who == "(everyone)" else who
    show_audit(lambda limit, offset, actions: all_audit(
        db, admin_id, limit, offset, actions=actions, user=user), "audit_admin", with_book=True)
