"""Transactions: filter, sort and page (in SQL), edit in place, bulk edits, add and transfer."""

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from fintrack_core.errors import FinTrackError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.accounts import list_accounts
from fintrack_core.ledger.categories import list_categories
from fintrack_core.ledger.search import SORTABLE, list_transactions
from fintrack_core.money import format_money
from fintrack_ui.amounts import local_amount_text, parse_local_amount
from fintrack_ui.display import alerts_flashed, attempt, read_only_notice, show_flash
from fintrack_ui.markdown import md
from fintrack_ui.session import current

ctx = current()
show_flash()
st.title("Transactions")
read_only_notice(ctx.can_write)

accounts = list_accounts(ctx.scope)
acc_by_id = {a.id: a for a in accounts}
cats = list_categories(ctx.scope)
cat_path = {c.id: c.path for c in cats}
path_to_id = {c.path: c.id for c in cats}
ordinary_cats = [c for c in cats if c.kind.value != "transfer"]


with st.expander("Filters", expanded=True):
    f1, f2, f3, f4 = st.columns(4)
    date_from = f1.date_input("From", value=None, key="f_from", format="YYYY-MM-DD")
    date_to = f1.date_input("To", value=None, key="f_to", format="YYYY-MM-DD")
    sel_accounts = f2.multiselect("Accounts", [a.id for a in accounts], key="f_accounts",
                                  format_func=lambda i: acc_by_id[i].name)
    category = f2.selectbox("Category (with sub-categories)", [None, *cat_path],
                            key="f_category",
                            format_func=lambda i: "Any" if i is None else cat_path[i])
    tag = f3.text_input("Tag", key="f_tag")
    text = f3.text_input("Text (payee, description, notes)", key="f_text")
    amin = f4.text_input("Amount at least", key="f_amin", help="Size of the amount, in or out")
    amax = f4.text_input("Amount at most", key="f_amax")
    try:
        flt = TransactionFilter(date_from=date_from, date_to=date_to,
                                account_ids=tuple(sel_accounts),
                                category_ids=() if category is None else (category,),
                                tags=(tag,) if tag.strip() else (), text=text or None,
                                include_scheduled=True,  # the list shows planned rows too
                                # Text as typed (a decimal comma allowed): the filter
                                # parses it and names the field when it is not an amount.
                                amount_min=amin.strip().replace(",", ".") or None,
                                amount_max=amax.strip().replace(",", ".") or None)
    except FinTrackError as exc:  # NaN, 1e400, an inverted range: the core names the field
        st.error(md(exc))
        st.stop()

s1, s2, s3, s4 = st.columns([2, 1, 1, 2])
sort = s1.selectbox("Sort by", list(SORTABLE), key="sort")
descending = s2.toggle("Newest/largest first", value=True, key="desc")
page_size = s3.selectbox("Rows per page", [25, 50, 100, 200], index=1, key="page_size")

try:
    first = list_transactions(ctx.scope, flt, sort=sort, descending=descending, page=1,
                              page_size=page_size)
except FinTrackError as exc:
    st.error(md(exc))
    st.stop()
page_no = s4.number_input(f"Page (of {first.pages})", min_value=1, max_value=first.pages,
                          value=1, step=1, key="page_no")
result = first if page_no == 1 else list_transactions(
    ctx.scope, flt, sort=sort, descending=descending, page=int(page_no), page_size=page_size)

sums = ", ".join(format_money(v, c, ctx.locale) for c, v in sorted(result.sums.items()))
st.caption(f"{result.total:,} matching transactions · sum {sums or '0'} · "
           f"page {result.page} of {result.pages}")

rows = result.rows
# Explicit dtypes: an empty page would otherwise give float/object columns that the editor's
# checkbox and date columns refuse ("not compatible for editing ... float").
frame = pd.DataFrame({
    "Select": np.zeros(len(rows), dtype=bool),
    "Date": [r.date for r in rows],
    "Account": [r.account for r in rows],
    "Payee": [r.payee for r in rows],
    "Description": [r.description for r in rows],
    "Category": [cat_path.get(r.category_id, "") if r.category_id else "" for r in rows],
    # In the user's locale ("-3.082,70"), read back the same way when edited.
    "Amount": [local_amount_text(r.amount_minor, r.currency, ctx.locale) for r in rows],
    "Currency": [r.currency for r in rows],
    "Tags": [", ".join(t for t in r.tags.split(",") if t) for r in rows],
    "Notes": [r.notes for r in rows],
    "Transfer": np.array([bool(r.transfer_id) for r in rows], dtype=bool),
}, index=pd.Index([r.id for r in rows], name="id", dtype="int64"))
frame = frame.astype({c: "object" for c in frame.columns if c not in ("Select", "Transfer")})

if not ctx.can_write:
    st.dataframe(frame.drop(columns=["Select"]), width="stretch", hide_index=True,
                 column_config={"Amount": st.column_config.TextColumn("Amount",
                                                                      alignment="right")})
    st.stop()

edited = st.data_editor(
    frame, key=f"grid_{result.page}_{sort}_{descending}", width="stretch", hide_index=True,
    disabled=["Account", "Currency", "Transfer"],
    column_config={
        # Widths so that Tags and Notes fit beside the rest on a laptop screen.
        "Select": st.column_config.CheckboxColumn("✓", width=36),
        "Date": st.column_config.DateColumn("Date", format="YYYY-MM-DD", width=96),
        "Account": st.column_config.TextColumn("Account", width=100),
        "Payee": st.column_config.TextColumn("Payee", width=150),
        "Description": st.column_config.TextColumn("Description", width=120),
        "Category": st.column_config.SelectboxColumn(
            "Category", options=["", *[c.path for c in cats]], width=170),
        "Amount": st.column_config.TextColumn("Amount", help="Negative = money out",
                                              alignment="right", width=90),
        "Currency": st.column_config.TextColumn("", width=40),
        "Tags": st.column_config.TextColumn("Tags", width=110),
        "Notes": st.column_config.TextColumn("Notes", width=90),
        "Transfer": st.column_config.CheckboxColumn("Transfer", width=60),
    },
)

changed = []
for tid in frame.index:
    before, after = frame.loc[tid], edited.loc[tid]
    diff = {}
    new_date = pd.Timestamp(after["Date"]).date() if pd.notna(after["Date"]) else before["Date"]
    if new_date != before["Date"]:
        diff["date"] = new_date
    for col, name in (("Payee", "payee"), ("Description", "description"), ("Notes", "notes"),
                      ("Tags", "tags")):
        if (after[col] or "") != (before[col] or ""):
            diff[name] = after[col] or ""
    if (after["Category"] or "") != (before["Category"] or ""):
        diff["category_id"] = path_to_id.get(after["Category"]) if after["Category"] else None
    if str(after["Amount"]).strip() != before["Amount"]:
        typed = str(after["Amount"]).strip()
        try:  # the locale's form to the core's plain one; the core names what is wrong
            diff["amount"] = str(parse_local_amount(typed, ctx.locale))
        except FinTrackError:
            diff["amount"] = typed
    if diff:
        changed.append((int(tid), diff))

selected = [int(i) for i in edited.index[edited["Select"].astype(bool)]]
b1, b2, b3, b4 = st.columns([1, 2, 1, 1])
if b1.button(f"Save {len(changed)} edit(s)", disabled=not changed, type="primary"):
    try:  # one database transaction: every edit is saved, or none
        with alerts_flashed():
            tx.update_transactions(ctx.scope, changed)
    except FinTrackError as exc:
        st.error(md(f"Nothing was saved: {exc}"))
    else:
        st.session_state["flash"] = f"Saved {len(changed)} edit(s)."
        st.rerun()
bulk_cat = b2.selectbox("Re-categorise selected as", [None, *[c.id for c in ordinary_cats]],
                        format_func=lambda i: "(no category)" if i is None else cat_path[i],
                        key="bulk_cat")
def _recategorise() -> int:
    with alerts_flashed():
        return tx.bulk_set_category(ctx.scope, selected, bulk_cat)


if b3.button(f"Apply to {len(selected)}", disabled=not selected) and attempt(
        _recategorise,
        f"Re-categorised {len(selected)} transaction(s)."):
    st.rerun()
if b4.button(f"Delete {len(selected)}", disabled=not selected):
    st.session_state["confirm_delete"] = selected
if pending := st.session_state.get("confirm_delete"):
    pending_ids: list[int] = pending  # module level: the lambda below does not see narrowing
    st.warning(f"Delete {len(pending)} transaction(s)? Transfers lose both legs.")
    y, n = st.columns(8)[:2]
    if y.button("Yes, delete", type="primary"):
        st.session_state.pop("confirm_delete")
        def _delete() -> int:
            with alerts_flashed():
                return tx.bulk_delete(ctx.scope, pending_ids)

        if attempt(_delete,
                   lambda n: f"Deleted {n} transaction(s)."):
            st.rerun()
    if n.button("Cancel"):
        st.session_state.pop("confirm_delete")
        st.rerun()

with st.expander("Create a rule from a transaction"):
    by_row = {r.id: r for r in rows if not r.transfer_id}

    def _row_label(i: int) -> str:
        r = by_row[i]
        return (f"{r.date} · {r.payee or r.description} · "
                f"{format_money(r.amount_minor, r.currency, ctx.locale)}")

    rule_src = st.selectbox("Transaction", list(by_row), key="rule_src", format_func=_row_label)
    if st.button("Create rule from this transaction", disabled=rule_src is None):
        st.session_state["rule_from_transaction"] = rule_src
        st.switch_page("pages/rules.py")

open_accounts = [a for a in accounts if not a.is_closed]
add_col, transfer_col = st.columns(2)
with add_col, st.expander("Add a transaction", expanded=not rows), st.form("add_tx"):
    if not open_accounts:
        st.info("Create an account first (Accounts page).")
    account_id = st.selectbox("Account", [a.id for a in open_accounts],
                              format_func=lambda i: f"{acc_by_id[i].name} "
                                                    f"({acc_by_id[i].currency})")
    date = st.date_input("Date", value=dt.date.today(), format="YYYY-MM-DD")
    example = local_amount_text(-1250, ctx.book.base_currency, ctx.locale)
    amount = st.text_input("Amount", placeholder=f"{example} (negative = money out)")
    payee = st.text_input("Payee")
    description = st.text_input("Description")
    category_id = st.selectbox("Category", [None, *[c.id for c in ordinary_cats]],
                               format_func=lambda i: "(none)" if i is None else cat_path[i])
    tags = st.text_input("Tags", placeholder="comma separated")
    notes = st.text_area("Notes", height=68)
    scheduled = st.checkbox("Scheduled (allows a future date)")
    if st.form_submit_button("Add transaction", type="primary") and account_id is not None:
        def _add() -> tx.TransactionView:
            typed = str(parse_local_amount(amount, ctx.locale))  # "-42,50" in a German book
            with alerts_flashed():
                return tx.add_transaction(ctx.scope, tx.TransactionInput(
                    account_id, date, typed, payee, description, category_id, notes, tags,
                    scheduled))

        if attempt(_add, "Transaction added."):
            st.rerun()

with transfer_col, st.expander("Transfer between accounts"), st.form("transfer"):
    ids = [a.id for a in open_accounts]
    src = st.selectbox("From", ids, format_func=lambda i: f"{acc_by_id[i].name} "
                                                          f"({acc_by_id[i].currency})")
    dst = st.selectbox("To", ids, index=min(1, len(ids) - 1) if ids else 0,
                       format_func=lambda i: f"{acc_by_id[i].name} ({acc_by_id[i].currency})")
    t_date = st.date_input("Date", value=dt.date.today(), key="t_date", format="YYYY-MM-DD")
    sent = st.text_input("Amount sent",
                         placeholder=local_amount_text(10000, ctx.book.base_currency, ctx.locale))
    received = st.text_input("Amount received (only across currencies)")
    t_desc = st.text_input("Description", key="t_desc")
    if st.form_submit_button("Transfer", type="primary") and src is not None:
        def _said(tr: tx.TransferView) -> str:
            if tr.in_leg.currency == tr.out_leg.currency:
                return "Transfer recorded."
            return (f"Transfer recorded. Rate: 1 {tr.out_leg.currency} = {tr.rate} "
                    f"{tr.in_leg.currency}.")

        def _transfer() -> tx.TransferView:
            out = str(parse_local_amount(sent, ctx.locale, "amount sent"))
            back = str(parse_local_amount(received, ctx.locale, "amount received")) \
                if received.strip() else None
            return tx.transfer(ctx.scope, src, dst, out, t_date, received=back,
                               description=t_desc)

        if attempt(_transfer, _said):
            st.rerun()
