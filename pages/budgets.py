"""Budgets: this period at a glance, the transactions behind each bar, history, the year, the
income not yet given to a budget, and the alerts; owners and editors add, change, delete."""

import datetime as dt

import streamlit as st

from fintrack_core.api import CategoryKind
from fintrack_core.budgets.history import budget_history, income_not_budgeted, year_table
from fintrack_core.budgets.periods import PeriodKind
from fintrack_core.budgets.service import (
    BudgetInput,
    BudgetView,
    add_budget,
    check_thresholds,
    delete_budget,
    list_budgets,
    update_budget,
)
from fintrack_core.budgets.status import budget_status
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger.categories import list_categories
from fintrack_core.ledger.search import list_transactions
from fintrack_ui.alert_list import show_alerts
from fintrack_ui.amounts import local_amount_text, parse_local_amount
from fintrack_ui.budget_figures import history_chart, progress_bars
from fintrack_ui.budget_view import (
    STATUS_LABELS,
    STATUS_MONEY,
    start_day_choices,
    start_day_label,
    status_frame,
    with_depth,
    year_frame,
)
from fintrack_ui.display import attempt, money, read_only_notice, rows_frame, show_flash
from fintrack_ui.markdown import md
from fintrack_ui.reports import clicked
from fintrack_ui.session import current
from fintrack_ui.tables import show_table

ctx = current()
show_flash()
base, loc = ctx.book.base_currency, ctx.locale
today = dt.date.today()
st.title("Budgets")
read_only_notice(ctx.can_write)

budgets = list_budgets(ctx.scope)
by_id = {b.id: b for b in budgets}
statuses = budget_status(ctx.scope)
rows = with_depth(statuses)


def describe(b: BudgetView) -> str:
    when = start_day_label(b.period, b.start_day)
    every = b.period.value if b.period is not PeriodKind.CUSTOM else \
        f"{b.starts_on:%d %b %Y} – {b.ends_on:%d %b %Y}"
    start = f", from the {when}" if b.period is not PeriodKind.CUSTOM else ""
    return f"{b.category}: {money(b.amount_minor, b.currency, loc)} {every}{start}"


# --- this period -------------------------------------------------------------------------
st.subheader("This period")
if not budgets:
    st.info("No budgets yet." + (" Add one below." if ctx.can_write else ""))
elif not statuses:
    st.info("None of the budgets applies today (they start later or have ended).")
else:
    labels = [("\u2003" * d) + s.budget.category for s, d in rows]
    event = st.plotly_chart(progress_bars([s for s, _ in rows], labels, loc),
                            on_select="rerun", key="bud_bars", width="stretch")
    missing_rates = any(s.unconverted for s in statuses)
    shown_labels = {k: v for k, v in STATUS_LABELS.items() if k != "unconverted" or missing_rates}
    show_table(status_frame(rows, loc), shown_labels, money=STATUS_MONEY,
               right=["used", "days_left"])
    if missing_rates:
        st.warning("Some spending has no exchange rate to " + base + " and is left out of the "
                   "figures (see the last column); add a rate under Book & profile.")
    ids = [s.budget.id for s, _ in rows]
    picks = [int(p) for p in clicked(event) if int(p) in ids]
    if picks:
        st.session_state["bud_drill"] = picks[0]
    chosen = st.selectbox("Transactions behind", ids, key="bud_drill",
                          format_func=lambda i: by_id[i].category)
    status = next(s for s, _ in rows if s.budget.id == chosen)
    page = list_transactions(ctx.scope, TransactionFilter(
        category_ids=(status.budget.category_id,), date_from=status.span.start,
        date_to=status.span.end), page_size=200)
    with st.expander(f"{md(status.budget.category)}: {page.total} transaction(s), "
                     f"{status.span.start:%d %b} – {status.span.end:%d %b %Y}"):
        if page.rows:
            shown = rows_frame(page.rows, loc)
            show_table(shown, {c: c for c in shown.columns}, money=["Amount"])
            if page.total > len(page.rows):
                st.caption(f"The newest {len(page.rows)} of {page.total}.")
        else:
            st.caption("No transactions in this period.")

# --- add, change, delete -------------------------------------------------------------------
if ctx.can_write:
    expense = [c for c in list_categories(ctx.scope) if c.kind == CategoryKind.EXPENSE]
    paths = {c.id: c.path for c in expense}
    with st.expander("Add a budget", expanded=not budgets):
        kind = PeriodKind(st.selectbox("Period", [k.value for k in PeriodKind],
                                       key="bud_new_period", format_func=str.capitalize))
        with st.form("bud_new"):
            category = st.selectbox("Category", list(paths), format_func=paths.__getitem__,
                                    key="bud_new_category")
            amount = st.text_input("Amount per period", key="bud_new_amount",
                                   help=f"In {base}, e.g. {local_amount_text(40000, base, loc)}")
            start_day: int = 1
            if kind is not PeriodKind.CUSTOM:
                start_day = st.selectbox("Each period starts on", start_day_choices(kind),
                                         format_func=lambda d: start_day_label(kind, d),
                                         key=f"bud_new_start_day_{kind.value}")
            c1, c2 = st.columns(2)
            starts_on = c1.date_input("First day", value=None, key="bud_new_starts_on",
                                      help="Empty: the start of the current period")
            ends_on = c2.date_input("Last day", value=None, key="bud_new_ends_on",
                                    help="Empty: no end (a custom period needs one)")
            rollover = st.checkbox("Roll over what is left (or overspent) into the next period",
                                   key="bud_new_rollover")
            thresholds = st.text_input("Alert at (per cent of the budget)", value="80,100",
                                       key="bud_new_thresholds")
            if st.form_submit_button("Add budget", type="primary") and category is not None:
                def _add() -> BudgetView:
                    return add_budget(ctx.scope, BudgetInput(
                        category, parse_local_amount(amount, loc), kind, start_day, starts_on,
                        ends_on, rollover, check_thresholds(thresholds)))

                if attempt(_add, lambda b: f"Budget added: {describe(b)}."):
                    st.rerun()
    if budgets:
        with st.expander("Change or delete a budget"):
            edit_id = st.selectbox("Budget", list(by_id), format_func=lambda i: describe(by_id[i]),
                                   key="bud_edit")
            b = by_id[edit_id]
            with st.form(f"bud_edit_{edit_id}"):
                new_amount = st.text_input("Amount per period", key=f"bud_edit_amount_{edit_id}",
                                           value=local_amount_text(b.amount_minor, base, loc))
                new_start_day = b.start_day
                if b.period is not PeriodKind.CUSTOM:
                    days = start_day_choices(b.period)
                    new_start_day = st.selectbox(
                        f"Each {b.period.value} period starts on", days,
                        index=days.index(b.start_day), key=f"bud_edit_start_day_{edit_id}",
                        format_func=lambda d: start_day_label(b.period, d))
                e1, e2 = st.columns(2)
                new_first = e1.date_input("First day", value=b.starts_on,
                                          key=f"bud_edit_start_{edit_id}")
                new_end = e2.date_input("Last day", value=b.ends_on, key=f"bud_edit_end_{edit_id}")
                new_roll = st.checkbox("Roll over what is left", value=b.rollover,
                                       key=f"bud_edit_rollover_{edit_id}")
                new_thr = st.text_input("Alert at (per cent of the budget)",
                                        value=",".join(str(t) for t in b.thresholds),
                                        key=f"bud_edit_thresholds_{edit_id}")
                if st.form_submit_button("Save budget", type="primary"):
                    def _save() -> BudgetView:
                        return update_budget(ctx.scope, edit_id,
                                             amount=parse_local_amount(new_amount, loc),
                                             start_day=new_start_day, starts_on=new_first,
                                             ends_on=new_end, rollover=new_roll,
                                             thresholds=check_thresholds(new_thr))

                    if attempt(_save, lambda v: f"Budget saved: {describe(v)}."):
                        st.rerun()
            if st.button("Delete this budget", key="bud_delete"):
                st.session_state["bud_confirm_delete"] = edit_id
            if st.session_state.get("bud_confirm_delete") == edit_id:
                st.warning(md(f"Delete the budget of {b.category} and its alert history?"))
                y, n = st.columns(8)[:2]
                if y.button("Yes, delete", type="primary", key="bud_delete_yes"):
                    st.session_state.pop("bud_confirm_delete")
                    if attempt(lambda: delete_budget(ctx.scope, edit_id),
                               f"Budget of {b.category} deleted."):
                        st.rerun()
                if n.button("Cancel", key="bud_delete_no"):
                    st.session_state.pop("bud_confirm_delete")
                    st.rerun()

# --- history ------------------------------------------------------------------------------
if budgets:
    st.subheader("Budget against spending, last 12 periods")
    hist_id = st.selectbox("Budget", list(by_id), key="bud_history",
                           format_func=lambda i: by_id[i].category)
    history = budget_history(ctx.scope, hist_id, 12)
    if history.periods.empty:
        st.caption("This budget has no period up to today yet.")
    else:
        st.plotly_chart(history_chart(history, loc), width="stretch", key="bud_history_chart")
    if history.unconverted:
        st.warning("Left out for want of an exchange rate: " + ", ".join(
            money(v, c, loc) for c, v in sorted(history.unconverted.items())))

    st.subheader("The year, budget against spending")
    year = st.selectbox("Year", list(range(today.year, today.year - 6, -1)), key="bud_year")
    table = year_frame(year_table(ctx.scope, year))
    if table.empty:
        st.caption(f"No budget period starts in {year}.")
    else:
        for col in ("budgeted", "spent", "left"):
            table[col] = [money(v, base, loc) for v in table[col]]
        show_table(table, {"category": "Budget", "month": "Month", "budgeted": "Budgeted",
                           "spent": "Spent", "left": "Left"},
                   money=["budgeted", "spent", "left"])

# --- income not yet budgeted ----------------------------------------------------------------
st.subheader(f"Income not yet budgeted in {today:%B}")
unbudgeted = income_not_budgeted(ctx.scope, today)
i1, i2, i3 = st.columns(3)
i1.metric("Income", money(unbudgeted.income, base, loc))
i2.metric("Budgeted", money(unbudgeted.budgeted, base, loc))
i3.metric("Not yet budgeted", money(unbudgeted.left, base, loc))
if unbudgeted.unconverted:
    st.warning("Income without an exchange rate, left out: " + ", ".join(
        money(v, c, loc) for c, v in sorted(unbudgeted.unconverted.items())))

# --- alerts -------------------------------------------------------------------------------
if not show_alerts(ctx, "bud_alerts", "Alerts", limit=50):
    st.subheader("Alerts")
    st.caption("No alerts: no budget has reached one of its thresholds.")
