"""*Book & profile* → My profile: change one's password (giving the current one) and turn
two-factor login on or off. Kept out of pages/settings.py so that page stays glue."""

from __future__ import annotations

import streamlit as st

from fintrack_core.auth.signin import utcnow
from fintrack_core.auth.twofactor import (
    disable_totp,
    enable_totp,
    new_totp_setup,
    recovery_codes_left,
    totp_enabled,
)
from fintrack_core.ledger.users import change_password
from fintrack_ui.display import attempt
from fintrack_ui.login import renew_cookie
from fintrack_ui.session import Context, login_cookie_key

_SETUP = "_totp_setup"
_CODES = "_recovery_codes"


def password_and_two_factor(ctx: Context) -> None:
    _change_password(ctx)
    st.subheader("Two-factor login")
    _two_factor(ctx)


def _change_password(ctx: Context) -> None:
    with st.form("password", clear_on_submit=True):
        current = st.text_input("Current password", type="password")
        pw1 = st.text_input("New password", type="password",
                            help="At least 10 characters, not containing your username")
        pw2 = st.text_input("Repeat new password", type="password")
        if st.form_submit_button("Change password"):
            if pw1 != pw2:
                st.error("The two passwords differ.")
            elif attempt(lambda: _keep_this_session(
                    change_password(ctx.scope.db, ctx.user.id, current, pw1)),
                    "Password changed. Your other sessions have been logged out."):
                st.rerun()


def _keep_this_session(epoch: int) -> None:
    """The change moved the epoch (ending other sessions); this one moves along with it."""
    st.session_state["session_epoch"] = epoch
    renew_cookie(login_cookie_key())


def _two_factor(ctx: Context) -> None:
    db, uid = ctx.scope.db, ctx.user.id
    if codes := st.session_state.pop(_CODES, None):
        st.warning("Save these recovery codes now, somewhere other than your phone. Each one "
                   "signs you in once if you lose your authenticator; they are not shown again.")
        st.code("\n".join(codes), language=None)
    if totp_enabled(db, uid):
        st.write(f"On. Recovery codes left: {recovery_codes_left(db, uid)}.")
        with st.form("totp_off", clear_on_submit=True):
            pw = st.text_input("Current password", type="password", key="totp_off_password")
            if st.form_submit_button("Turn off two-factor login") and attempt(
                    lambda: disable_totp(db, uid, pw), "Two-factor login is off."):
                st.rerun()
        return
    st.write("Off. With it on, logging in also asks for a 6-digit code from an authenticator "
             "app (Aegis, Google Authenticator, 1Password, …).")
    setup = st.session_state.get(_SETUP)
    if setup is None or setup[0] != ctx.user.username:
        setup = (ctx.user.username, new_totp_setup(ctx.user.username))
        st.session_state[_SETUP] = setup
    secret, uri = setup[1].secret, setup[1].uri
    st.caption("Add this key to your app (or open the otpauth link on the phone); it is shown "
               "only until two-factor login is on.")
    st.code(secret, language=None)
    st.code(uri, language=None)
    with st.form("totp_on", clear_on_submit=True):
        pw = st.text_input("Current password", type="password", key="totp_on_password")
        code = st.text_input("Code from the app", max_chars=6)
        if st.form_submit_button("Turn on two-factor login"):
            try_enable = attempt(lambda: st.session_state.__setitem__(
                _CODES, enable_totp(db, uid, pw, secret, code, utcnow())),
                "Two-factor login is on.")
            if try_enable:
                st.session_state.pop(_SETUP, None)
                st.rerun()
