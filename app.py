"""FinTrack entry point: login gate, book switcher and the page registry.

``st.navigation`` runs on every rerun, logged in or not, so Streamlit never falls back to
listing ``pages/`` on its own; each page also checks the login itself.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from fintrack_core.ledger.users import count_admins, count_users
from fintrack_ui import activity
from fintrack_ui.display import guarded
from fintrack_ui.gate import first_run_page, login_page
from fintrack_ui.login import render_cookie_ops, restore_from_cookie, sign_out
from fintrack_ui.markdown import md
from fintrack_ui.notification_settings import start_scheduler_if_enabled
from fintrack_ui.session import book_switcher, current, get_db, is_logged_in, login_cookie_key

# A file in the repository, not a ":material/...:" icon: that one is fetched from a font host
# on every page, which fails (and logs) on a machine without internet.
FAVICON = Path(__file__).parent / "static" / "favicon.png"
st.set_page_config(page_title="FinTrack", page_icon=str(FAVICON), layout="wide")


def main() -> None:
    activity.start_logging()  # JSON lines on stderr, level FINTRACK_LOG_LEVEL (once a process)
    db = get_db()
    start_scheduler_if_enabled()  # FINTRACK_SCHEDULER=1: e-mail notifications in the background
    render_cookie_ops()  # a login cookie to write or delete, until the browser confirms it
    restore_from_cookie(db, login_cookie_key())  # a reload or a new tab stays logged in
    if not is_logged_in() and count_admins(db) == 0 and (
            count_users(db) == 0 or st.session_state.get("setup_admin")):
        # No administrator yet (a fresh install, or only the demo user): offer to create one.
        guarded(st.navigation([st.Page(first_run_page, title="Welcome", url_path="welcome")],
                              position="hidden").run)
        return
    if not is_logged_in():
        guarded(st.navigation([st.Page(login_page, title="Log in", url_path="login")],
                              position="hidden").run)
        return
    ctx = current()
    st.sidebar.markdown(f"Signed in as **{md(ctx.user.name)}**")
    book_switcher(ctx)
    if st.sidebar.button("Log out", key="logout_button"):
        activity.signed_out(ctx.user.id)
        sign_out()
        st.rerun()
    pages = {
        "Money": [
            st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
            st.Page("pages/transactions.py", title="Transactions",
                    icon=":material/receipt_long:"),
            st.Page("pages/budgets.py", title="Budgets",
                    icon=":material/account_balance_wallet:"),
            st.Page("pages/import_statements.py", title="Import", icon=":material/upload_file:"),
            st.Page("pages/accounts.py", title="Accounts", icon=":material/account_balance:"),
            st.Page("pages/categories.py", title="Categories", icon=":material/category:"),
            st.Page("pages/rules.py", title="Rules", icon=":material/rule:"),
            st.Page("pages/subscriptions.py", title="Subscriptions",
                    icon=":material/autorenew:"),
            st.Page("pages/forecast.py", title="Forecast", icon=":material/query_stats:"),
            st.Page("pages/portfolio.py", title="Portfolio", icon=":material/monitoring:"),
        ],
        "Reports": [
            st.Page("pages/report_monthly.py", title="Monthly summary",
                    icon=":material/calendar_month:"),
            st.Page("pages/report_trends.py", title="Trends", icon=":material/trending_up:"),
            st.Page("pages/report_categories.py", title="Category analytics",
                    icon=":material/donut_large:"),
            st.Page("pages/report_cashflow.py", title="Cash flow", icon=":material/account_tree:"),
            st.Page("pages/report_networth.py", title="Net worth", icon=":material/savings:"),
            st.Page("pages/report_explore.py", title="Explore", icon=":material/table_chart:"),
        ],
        "Settings": [st.Page("pages/settings.py", title="Book & profile",
                             icon=":material/settings:")],
    }
    if ctx.is_owner:
        pages["Settings"].append(st.Page("pages/audit.py", title="Audit log",
                                         icon=":material/history:"))
    if ctx.user.is_admin:
        pages["Settings"].append(st.Page("pages/admin.py", title="Admin",
                                         icon=":material/admin_panel_settings:"))
    # expanded: every page visible, none behind "View N more" (14 pages > the default 10).
    # guarded: no traceback reaches the user (display.guarded).
    guarded(st.navigation(pages, expanded=True).run)


guarded(main)  # also the gate, the sidebar and the book switcher
