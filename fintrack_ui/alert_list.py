"""The budget alert list, shown on the Overview and on the Budgets page.

One place renders it so both pages say the same: unread alerts first and in bold, each with
"Mark read" and "Dismiss" for people who may change the book; a viewer reads the list only.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from fintrack_core.budgets.inbox import AlertView, dismiss_alerts, list_alerts, mark_read
from fintrack_ui.budget_view import alerts_in_order
from fintrack_ui.display import attempt
from fintrack_ui.markdown import md
from fintrack_ui.session import Context


def alert_line(alert: AlertView) -> str:
    """Markdown for one alert: unread ones bold and marked "new", with when it fired."""
    text = md(alert.message)
    when = f"{alert.fired_at:%d %b %Y %H:%M} UTC"  # stored in UTC; say so
    if not alert.read:
        return f"**New · {text}** · {when}"
    return f"{text} · {when}"


def show_alerts(ctx: Context, key: str, title: str, limit: int = 20) -> list[AlertView]:
    """Render ``title`` and the book's alerts that are not dismissed (newest ``limit``), or
    nothing at all when there are none; returns the alerts shown."""
    alerts = alerts_in_order(list_alerts(ctx.scope, limit=limit))
    if not alerts:
        return alerts
    st.subheader(title)
    unread = [a.id for a in alerts if not a.read]
    if ctx.can_write and unread and st.button(f"Mark all {len(unread)} read",
                                              key=f"{key}_read_all") \
            and attempt(lambda: mark_read(ctx.scope, unread), "Alerts marked read."):
        st.rerun()
    for alert in alerts:
        if not ctx.can_write:
            st.markdown(alert_line(alert))
            continue
        text, read_col, dismiss_col = st.columns([6, 1.4, 1.2], vertical_alignment="center")
        text.markdown(alert_line(alert))
        if not alert.read and read_col.button("Mark read", key=f"{key}_read_{alert.id}") \
                and attempt(partial(mark_read, ctx.scope, [alert.id]), "Alert marked read."):
            st.rerun()
        if dismiss_col.button("Dismiss", key=f"{key}_dismiss_{alert.id}") \
                and attempt(partial(dismiss_alerts, ctx.scope, [alert.id]),
                            "Alert dismissed."):
            st.rerun()
    return alerts
