"""The portfolio alerts a user asks for (``portfolio.alerts``), on the Notifications tab.

Why beside the budget alerts: they reach the user the same way (the Overview's list, or
e-mail when chosen above), and like them they are each member's own settings, so viewers
set theirs too. An empty field turns that alert off.
"""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from fintrack_core.portfolio.alerts import get_alert_settings, update_alert_settings
from fintrack_ui.display import attempt
from fintrack_ui.session import Context


def _text(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def portfolio_alert_section(ctx: Context) -> None:
    current = get_alert_settings(ctx.scope)
    st.subheader("Portfolio alerts")
    with st.form("portfolio_alerts"):
        move = st.text_input("An asset moves more than (% in a day)",
                             value=_text(current.day_move_pct), placeholder="off")
        value = st.text_input(f"The portfolio's value crosses ({current.currency})",
                              value=_text(current.value), placeholder="off")
        gain = st.text_input(f"A sale gains or loses more than ({current.currency})",
                             value=_text(current.gain), placeholder="off")
        st.caption("Leave a field empty to turn that alert off. Checked after each trade and "
                   "each price refresh.")
        if st.form_submit_button("Save portfolio alerts") and attempt(
                lambda: update_alert_settings(ctx.scope, day_move_pct=move.strip(),
                                              value=value.strip(), gain=gain.strip()),
                "Portfolio alerts saved."):
            st.rerun()
