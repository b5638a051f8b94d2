"""The screens shown before anyone is logged in: first run and login."""

from __future__ import annotations

import streamlit as st

from fintrack_core.auth.signin import SecondFactorRequired, sign_in
from fintrack_core.errors import FinTrackError
from fintrack_core.ledger.users import count_admins, count_users, create_user
from fintrack_ui import activity
from fintrack_ui.login import client_ip, complete_sign_in
from fintrack_ui.session import get_db, login_cookie_key

# What to log in with (after the demo or the administrator was created). Not a one-shot flash:
# the cookie component reruns the page a moment later, which would take a flash away.
LOGIN_HINT = "login_hint"


def first_run_page() -> None:
    """No administrator yet: create one, or explore with demo data (the demo user is never an
    administrator, so this page stays reachable from the login page until one exists)."""
    db = get_db()
    st.title("Welcome to FinTrack")
    if count_users(db) and st.button("Back to the login", key="back_to_login"):
        st.session_state.pop("setup_admin", None)
        st.rerun()
    st.write("Your data stays in this database. Create the first account — it becomes the "
             "administrator — or look around with two years of demo data first.")
    left, right = st.columns(2)
    # clear_on_submit: once the administrator exists, no filled-in form lingers on screen.
    with left, st.form("first_user", clear_on_submit=True):
        st.subheader("Create the administrator")
        username = st.text_input("Username")
        name = st.text_input("Your name")
        email = st.text_input("E-mail (optional)")
        password = st.text_input("Password", type="password",
                                 help="At least 10 characters, not containing the username")
        confirm = st.text_input("Repeat password", type="password")
        currency = st.text_input("Base currency (ISO 4217)", value="EUR", max_chars=3)
        if st.form_submit_button("Create account", type="primary"):
            if password != confirm:
                st.error("The two passwords differ.")
            else:
                try:
                    create_user(db, username, password, name, email, base_currency=currency)
                except FinTrackError as exc:
                    st.error(str(exc))
                else:
                    st.session_state[LOGIN_HINT] = (f"Account {username!r} created — please "
                                                    "log in.")
                    st.session_state.pop("setup_admin", None)
                    st.rerun()
    if count_users(db):
        return  # demo data exists already
    with right:
        st.subheader("Explore with demo data")
        st.write("Creates the user **demo** (password **explore-fintrack**) with about 10,000 "
                 "transactions over two years in EUR and USD.")
        if st.button("Explore with demo data", key="demo_button"):
            from fintrack_core.demo import DEMO_PASSWORD, DEMO_USERNAME, create_demo

            with st.spinner("Generating two years of transactions…"):
                try:
                    create_demo(db)
                except FinTrackError as exc:
                    st.error(str(exc))
                    return
            st.session_state[LOGIN_HINT] = (f"Demo data ready. Log in as {DEMO_USERNAME!r} "
                                            f"with password {DEMO_PASSWORD!r}.")
            st.rerun()


def login_page() -> None:
    """Username and password (and the second factor when the account has it), checked by
    ``fintrack_core.auth.signin`` with its throttling; success also sets the login cookie."""
    st.title("FinTrack")
    if flash := st.session_state.pop("flash", None):
        st.success(flash)
    if hint := st.session_state.get(LOGIN_HINT):  # kept through reruns until a login
        st.success(hint)
    need_code = st.session_state.get("login_needs_code", False)
    with st.form("login_form"):
        st.subheader("Login")
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        code = st.text_input("Authentication code", autocomplete="one-time-code",
                             help="From your authenticator app, or one of your recovery "
                                  "codes") if need_code else None
        submitted = st.form_submit_button("Login")
    if submitted:
        db = get_db()
        try:
            result = sign_in(db, username, password, client_ip(), totp_code=code)
        except SecondFactorRequired as exc:
            st.session_state["login_needs_code"] = True
            st.session_state["flash_info"] = _sentence(str(exc))
            st.rerun()
        except FinTrackError as exc:
            activity.sign_in_refused(client_ip(), type(exc).__name__)
            st.error(_sentence(str(exc)))
        else:
            st.session_state.pop("login_needs_code", None)
            st.session_state.pop(LOGIN_HINT, None)
            complete_sign_in(result, login_cookie_key())
            activity.signed_in(result.user.id, client_ip())
            if result.used_recovery_code:
                st.session_state["flash"] = ("You signed in with a recovery code; it cannot be "
                                             "used again.")
            st.rerun()
    if info := st.session_state.pop("flash_info", None):
        st.info(info)
    _offer_admin_setup()


def _sentence(message: str) -> str:
    """Core messages are clauses ("username or password is incorrect"); show a sentence."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def _offer_admin_setup() -> None:
    """Only the demo user exists: whoever runs this install can still create the administrator."""
    if count_admins(get_db()) == 0:
        st.info("This FinTrack has no administrator yet.")
        if st.button("Create the administrator", key="setup_admin_button"):
            st.session_state["setup_admin"] = True
            st.rerun()
