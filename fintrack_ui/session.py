"""Streamlit glue shared by app.py and every page: the database, the login, the current book.

Nothing here decides anything about money or permissions; it only finds out who is acting in
which book and hands a ``Scope`` to ``fintrack_core``, which does the checking.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from fintrack_core.access import Scope, set_origin
from fintrack_core.api import Database, Role, database_url, upgrade
from fintrack_core.config import cookie_key, user_settings
from fintrack_core.ledger.books import BookView, list_books
from fintrack_core.ledger.users import UserView, get_user
from fintrack_core.money import DEFAULT_LOCALE
from fintrack_ui.login import session_is_current, sign_out
from fintrack_ui.markdown import md


@st.cache_resource(show_spinner=False, max_entries=4)
def _database(url: str) -> Database:
    db = Database(url)
    upgrade(db)
    return db


def get_db() -> Database:
    """One engine per database URL and server process; the schema is migrated on first use."""
    return _database(database_url())


def secret_cookie_key() -> str | None:
    try:
        return st.secrets.get("cookie_key")
    except Exception:
        return None


def login_cookie_key() -> str:
    """The key that signs login cookies (see ``fintrack_core.config.cookie_key``)."""
    return cookie_key(secret_cookie_key())


def is_logged_in() -> bool:
    return bool(st.session_state.get("authentication_status")) and bool(
        st.session_state.get("username"))


@dataclass(frozen=True)
class Context:
    """Who is acting, in which book, with what role; what every page starts from."""

    scope: Scope
    user: UserView
    book: BookView
    locale: str

    @property
    def can_write(self) -> bool:
        return self.book.role in (Role.OWNER, Role.EDITOR)

    @property
    def is_owner(self) -> bool:
        return self.book.role == Role.OWNER


def current() -> Context:
    """The acting context, or stop the page (defence in depth behind app.py's gate)."""
    if not is_logged_in():
        st.warning("Please log in first.")
        st.stop()
    db = get_db()
    if not session_is_current(db):
        # The password was changed or reset in another session (or the user removed).
        sign_out()
        st.session_state["flash"] = "Your password was changed; please log in again."
        st.rerun()
    user = get_user(db, st.session_state["username"])
    books = list_books(db, user.id)
    if not books:
        st.error("You are not a member of any book. Ask an owner to share one with you.")
        st.stop()
    by_id = {b.id: b for b in books}
    book_id = st.session_state.get("book_id")
    if book_id not in by_id:
        book_id = books[0].id
        st.session_state["book_id"] = book_id
    locale = user_settings(db, user.id).get("locale", DEFAULT_LOCALE)
    set_origin(web_origin())  # what the audit log records as "from where"
    return Context(Scope(db, user.id, book_id), user, by_id[book_id], locale)


def web_origin() -> str:
    """``web <ip>`` of this browser session, for the audit log (the gate may use it too).

    Streamlit reports no address for connections from localhost; behind a reverse proxy the
    address is the proxy's.
    """
    ip = st.context.ip_address
    if ip is None:
        return "web localhost"
    return f"web {ip}" if isinstance(ip, str) else "web unknown"


def book_switcher(ctx: Context) -> None:
    """Sidebar selector for users who belong to several books."""
    books = list_books(ctx.scope.db, ctx.user.id)
    if len(books) < 2:
        st.sidebar.caption(f"Book: **{md(ctx.book.name)}** ({ctx.book.role.value})")
        return
    ids = [b.id for b in books]
    labels = {b.id: f"{b.name} ({b.role.value})" for b in books}
    choice = st.sidebar.selectbox("Book", ids, index=ids.index(ctx.book.id),
                                  format_func=labels.__getitem__, key="book_selector")
    if choice != ctx.book.id:
        st.session_state["book_id"] = choice
        st.rerun()
