"""The Backups section of *Book & profile*: the owner downloads the book's archive; an
administrator also downloads a backup of the whole database.

Both files are prepared on a button press, not on every rerun: an archive of a large book
takes seconds, and Streamlit reruns the page on every widget change.
"""

from __future__ import annotations

import datetime as dt
import io

import streamlit as st

from fintrack_core.backups import archive as book_archive
from fintrack_core.backups import database as backup
from fintrack_core.errors import FinTrackError
from fintrack_ui import activity
from fintrack_ui.session import Context

ARCHIVE_KEY = "backup_view.archive"
DATABASE_KEY = "backup_view.database"


def _prepare_archive(ctx: Context) -> None:
    buf = io.BytesIO()
    book_archive.export_book(ctx.scope, buf)
    name = f"fintrack-book-{ctx.book.id}-{dt.date.today():%Y%m%d}.zip"
    st.session_state[ARCHIVE_KEY] = (ctx.book.id, name, buf.getvalue())


def backup_section(ctx: Context) -> None:
    """Render the section (owners and administrators see their buttons; others a note)."""
    st.subheader("Backups")
    if not ctx.is_owner and not ctx.user.is_admin:
        st.caption("The book's owners can download its full archive.")
        return
    try:
        if ctx.is_owner:
            st.caption("The whole book as a zip archive — one CSV per table and a manifest "
                       "(docs/book_archive.md). It holds no passwords.")
            if st.button("Prepare book archive", key="prepare_archive"):
                _prepare_archive(ctx)
            ready = st.session_state.get(ARCHIVE_KEY)
            if ready and ready[0] == ctx.book.id:
                st.download_button("Download book archive", ready[2], file_name=ready[1],
                                   mime="application/zip", key="download_archive",
                                   on_click=activity.exported,
                                   args=(ctx.scope, "book archive", "zip"))
        if ctx.user.is_admin:
            st.caption("Administrators: a verified backup of the whole database (every book "
                       "and user); restore it with `fintrack restore FILE`.")
            if st.button("Prepare database backup", key="prepare_database"):
                st.session_state[DATABASE_KEY] = backup.backup_for_download(
                    ctx.scope.db, ctx.user.id)
            if prepared := st.session_state.get(DATABASE_KEY):
                st.download_button("Download database backup", prepared[1],
                                   file_name=prepared[0], mime="application/octet-stream",
                                   key="download_database", on_click=activity.exported,
                                   args=(ctx.scope, "database backup", "backup"))
    except FinTrackError as exc:
        st.error(str(exc))
