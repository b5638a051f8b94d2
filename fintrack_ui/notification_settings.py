"""The Notifications section of Book & profile: the user's address, what to hear about, by
which channel, the weekly report's day, default budget thresholds, and whether mail is set up
on this server at all (without SMTP settings everything stays in the app)."""

from __future__ import annotations

import streamlit as st

from fintrack_core.errors import FinTrackError
from fintrack_core.notify.outbox import my_outbox
from fintrack_core.notify.scheduler import scheduler_enabled, start_scheduler
from fintrack_core.notify.settings import (
    CHANNELS,
    WEEKDAYS,
    get_settings,
    set_my_email,
    update_settings,
)
from fintrack_core.notify.smtp import SmtpConfig, smtp_config
from fintrack_ui.display import attempt
from fintrack_ui.markdown import md
from fintrack_ui.session import Context, get_db

CHANNEL_LABELS = {"in-app": "In the app only", "email": "In the app and by e-mail"}


def secret_smtp() -> dict[str, object]:
    """The ``[smtp]`` section of Streamlit's secrets, if any."""
    try:
        return dict(st.secrets.get("smtp", {}))
    except Exception:  # no secrets file at all
        return {}


def mail_setup() -> tuple[SmtpConfig | None, str]:
    """The server's mail settings and a sentence (Markdown) about them for the page."""
    try:
        config = smtp_config(secret_smtp())
    except FinTrackError as exc:
        return None, f"Mail is misconfigured ({md(exc)}); notifications stay in the app."
    if config is None:
        return None, ("E-mail is not set up on this server (no `FINTRACK_SMTP_HOST` or "
                      "`[smtp]` secrets): notifications stay in the app.")
    return config, f"E-mail goes out through {md(config.describe())}."


def notification_section(ctx: Context) -> None:
    config, sentence = mail_setup()
    (st.caption if config else st.info)(sentence)
    with st.form("my_email"):
        email = st.text_input("My e-mail address", value=ctx.user.email or "")
        if st.form_submit_button("Save address") and attempt(
                lambda: set_my_email(ctx.scope.db, ctx.user.id, email), "Address saved."):
            st.rerun()
    current = get_settings(ctx.scope)
    with st.form("notifications"):
        budget = st.checkbox("Budget alerts", value=current.budget_alerts)
        subs = st.checkbox("Subscription alerts (missed payments, price changes)",
                           value=current.subscription_alerts)
        channel = st.radio("Alerts", CHANNELS, index=CHANNELS.index(current.channel),
                           format_func=CHANNEL_LABELS.__getitem__, disabled=config is None)
        weekly = st.checkbox("Weekly summary by e-mail", value=current.weekly,
                             disabled=config is None)
        weekday = st.selectbox("Sent on", range(7), index=current.weekday,
                               format_func=WEEKDAYS.__getitem__)
        thresholds = st.text_input("Alert thresholds for new budgets (percent)",
                                   value=",".join(str(t) for t in current.thresholds))
        if st.form_submit_button("Save notifications", type="primary") and attempt(
                lambda: update_settings(ctx.scope, budget_alerts=budget,
                                        subscription_alerts=subs,
                                        channel=channel if config else current.channel,
                                        weekly=weekly if config else current.weekly,
                                        weekday=weekday, thresholds=thresholds),
                "Notification settings saved."):
            st.rerun()
    sent = my_outbox(ctx.scope.db, ctx.user.id, limit=10)
    if sent:
        st.caption("Latest e-mails")
        for m in sent:
            state = ("sent" if m.sent_at else f"failed: {m.last_error}" if m.failed_at
                     else f"waiting (attempt {m.attempts + 1})")
            st.text(f"{m.created_at:%Y-%m-%d %H:%M} {m.subject} — {state}")


@st.cache_resource
def _scheduler_started(url: str) -> bool:
    """Start the notification scheduler once per server process and database."""
    start_scheduler(get_db(), mail_setup()[0])
    return True


def start_scheduler_if_enabled() -> None:
    """``FINTRACK_SCHEDULER=1``: queue and send notifications in the background (one
    process of several does the work; see ``fintrack_core.notify.lock``)."""
    if scheduler_enabled():
        _scheduler_started(get_db().url)
