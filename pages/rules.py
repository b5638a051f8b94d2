"""Rules: what imports do to new rows (category, payee, tags); order, test and re-apply them."""

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from fintrack_core.errors import FinTrackError, ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger.accounts import list_accounts
from fintrack_core.ledger.categories import list_categories
from fintrack_core.money import format_money
from fintrack_core.rules import service as rl
from fintrack_ui.display import alerts_flashed, attempt, read_only_notice, show_flash
from fintrack_ui.markdown import md
from fintrack_ui.session import current
from fintrack_ui.tables import show_table

ROWS = 3  # condition rows in the editor
FIELDS = {"payee": "Payee", "description": "Description", "amount": "Amount",
          "account": "Account", "date": "Date"}
MODES = {"first": "First match: the first matching rule decides",
         "all": "All matches: every matching rule applies, in order"}

ctx = current()
show_flash()
st.title("Rules")
read_only_notice(ctx.can_write)
st.caption("Rules fill in the category, payee and tags of imported transactions. They run "
           "top to bottom. Text tests ignore case; amounts are signed (negative = money out) "
           "in each transaction's currency. Transfers are never changed.")

rules = rl.list_rules(ctx.scope)
by_id = {r.id: r for r in rules}
acc_name = {a.id: a.name for a in list_accounts(ctx.scope)}
cats = list_categories(ctx.scope)
cat_path = {c.id: c.path for c in cats}
targets = [c.id for c in cats if c.kind.value != "transfer"]

mode = rl.get_rule_mode(ctx.scope)
chosen_mode = st.radio("When several rules match a transaction", list(MODES),
                       index=list(MODES).index(mode), format_func=MODES.__getitem__,
                       key="rule_mode", disabled=not ctx.can_write)
if ctx.can_write and chosen_mode != mode and attempt(
        lambda: rl.set_rule_mode(ctx.scope, chosen_mode), "Rule mode saved."):
    st.rerun()

if rules:
    described = [rl.describe_rule(r, acc_name, cat_path) for r in rules]
    st.dataframe(pd.DataFrame({
        "#": range(1, len(rules) + 1),
        "Name": [r.name for r in rules],
        "Conditions": [c for c, _ in described],
        "Actions": [a for _, a in described],
        "Enabled": [r.enabled for r in rules],
    }), hide_index=True, width="stretch")
    for r in rules:
        for problem in r.problems:
            st.warning(md(f"Rule {r.name!r}: {problem}; edit it to choose another category."))
else:
    st.info("No rules yet.")

if not ctx.can_write:
    st.stop()


def load(prefix: str, spec: rl.RuleSpec) -> None:
    """Put ``spec`` into the editor's widgets (before they are drawn in this run)."""
    state = st.session_state
    for key in [k for k in state if str(k).startswith(f"{prefix}_")]:
        del state[key]
    state[f"{prefix}_name"], state[f"{prefix}_match"] = spec.name, spec.match
    state[f"{prefix}_enabled"] = spec.enabled
    for i, cond in enumerate(spec.conditions[:ROWS]):
        state[f"{prefix}_field{i}"] = cond.field
        state[f"{prefix}_op{i}_{cond.field}"] = cond.op
        if cond.field == "account":
            state[f"{prefix}_acc{i}"] = [a for a in cond.value if a in acc_name]  # type: ignore[union-attr]
        elif cond.field == "date":
            state[f"{prefix}_date{i}"], state[f"{prefix}_date2{i}"] = cond.value, cond.value2
        else:
            state[f"{prefix}_value{i}_{cond.field}"] = str(cond.value)
            state[f"{prefix}_value2{i}"] = "" if cond.value2 is None else str(cond.value2)
    for action in spec.actions:
        if action.kind == "set_category":
            state[f"{prefix}_category"] = action.value
        elif action.kind == "rename_payee":
            state[f"{prefix}_rename"] = action.value
        else:
            state[f"{prefix}_tags"] = ", ".join(action.value)  # type: ignore[arg-type]


def condition_row(prefix: str, i: int) -> Callable[[], rl.Condition] | None:
    """One condition's widgets; returns how to build it (None if the row is unused)."""
    c1, c2, c3, c4 = st.columns([2, 2, 3, 2])
    field = c1.selectbox(f"Condition {i + 1}", [None, *FIELDS], key=f"{prefix}_field{i}",
                         format_func=lambda f: "(unused)" if f is None else FIELDS[f])
    if field is None:
        return None
    op = c2.selectbox("Test", rl.FIELD_OPS[field], key=f"{prefix}_op{i}_{field}",
                      format_func=rl.OP_LABELS.__getitem__)
    value: Any
    value2: Any = None
    if field == "account":
        value = c3.multiselect("Accounts", list(acc_name), key=f"{prefix}_acc{i}",
                               format_func=acc_name.__getitem__)
    elif field == "date":
        st.session_state.setdefault(f"{prefix}_date{i}", None)
        value = c3.date_input("Date", key=f"{prefix}_date{i}", format="YYYY-MM-DD")
        if op == "between":
            st.session_state.setdefault(f"{prefix}_date2{i}", None)
            value2 = c4.date_input("and", key=f"{prefix}_date2{i}", format="YYYY-MM-DD")
    else:
        value = c3.text_input("Amount" if field == "amount" else "Text",
                              key=f"{prefix}_value{i}_{field}",
                              help="Regular expressions use RE2 syntax" if op == "regex" else None)
        if op == "between":
            value2 = c4.text_input("and", key=f"{prefix}_value2{i}")
        if field == "amount":  # "12,99" as typed in much of Europe
            value, value2 = value.replace(",", "."), (value2 or "").replace(",", ".")

    def build() -> rl.Condition:
        try:
            return rl.Condition(field, op, value, value2)
        except ValidationError as exc:
            raise ValidationError(exc.field, f"condition {i + 1}: {exc.message}") from None
    return build


def editor(prefix: str) -> Callable[[], rl.RuleSpec]:
    """The rule form (plain widgets, not st.form, so each field offers its own tests)."""
    name = st.text_input("Name", key=f"{prefix}_name")
    match = st.radio("Match", ["all", "any"], key=f"{prefix}_match", horizontal=True,
                     format_func={"all": "all conditions", "any": "any condition"}.__getitem__)
    rows = [condition_row(prefix, i) for i in range(ROWS)]
    a1, a2, a3 = st.columns(3)
    category = a1.selectbox("Set category", [None, *targets], key=f"{prefix}_category",
                            format_func=lambda c: "(leave)" if c is None else cat_path[c])
    rename = a2.text_input("Rename payee to", key=f"{prefix}_rename")
    tags = a3.text_input("Add tags", key=f"{prefix}_tags", placeholder="comma separated")
    st.session_state.setdefault(f"{prefix}_enabled", True)
    enabled = st.checkbox("Enabled", key=f"{prefix}_enabled")

    def build() -> rl.RuleSpec:
        actions = []
        if category is not None:
            actions.append(rl.Action("set_category", category))
        if rename.strip():
            actions.append(rl.Action("rename_payee", rename))
        if tags.strip():
            actions.append(rl.Action("add_tags", tags))
        conds = tuple(row() for row in rows if row is not None)
        return rl.RuleSpec(name, conds, tuple(actions), match, enabled)
    return build


def show_preview(build: Callable[[], rl.RuleSpec]) -> None:
    try:
        preview = rl.preview_rule(ctx.scope, build(), limit=200)
    except FinTrackError as exc:
        st.error(md(exc))
        return
    st.caption(f"{preview.total} existing transaction(s) would change"
               + (f"; the newest {len(preview.changes)} are shown." if preview.total > len(
                   preview.changes) else "."))
    if preview.changes:
        def arrow(before: str, after: str) -> str:
            return before if before == after else f"{before}  ⇒  {after}"
        changes = pd.DataFrame({
            "Date": [c.date for c in preview.changes],
            "Account": [acc_name.get(c.account_id, "") for c in preview.changes],
            "Amount": [format_money(c.amount_minor, c.currency, ctx.locale)
                       for c in preview.changes],
            "Payee": [arrow(c.payee_before, c.payee_after) for c in preview.changes],
            "Category": [arrow(cat_path.get(c.category_before or 0, "—"),
                               cat_path.get(c.category_after or 0, "—"))
                         for c in preview.changes],
            "Tags": [arrow(c.tags_before.strip(","), c.tags_after.strip(","))
                     for c in preview.changes],
        })
        show_table(changes, {c: c for c in changes.columns}, money=["Amount"])


source = st.session_state.pop("rule_from_transaction", None)
if source is None and "rule_from_transaction" in st.query_params:
    source = st.query_params["rule_from_transaction"]
    del st.query_params["rule_from_transaction"]
if source is not None:
    try:
        suggested = rl.rule_from_transaction(ctx.scope, int(source))
    except (FinTrackError, ValueError) as exc:
        st.error(md(f"Cannot suggest a rule from transaction {source}: {exc}"))
    else:
        load("newrule", suggested)
        st.session_state["flash_new"] = "Suggested from the transaction; check it and save."

new_tab, edit_tab, order_tab, reapply_tab = st.tabs(
    ["New rule", "Edit & test", "Order & delete", "Re-apply"])
with new_tab:
    if note := st.session_state.pop("flash_new", None):
        st.info(note)
    build_new = editor("newrule")
    b1, b2 = st.columns(2)
    if b1.button("Create rule", type="primary") and attempt(
            lambda: rl.create_rule(ctx.scope, build_new()), lambda r: f"Rule {r.name!r} created."):
        for key in [k for k in st.session_state if str(k).startswith("newrule_")]:
            del st.session_state[key]
        st.rerun()
    if b2.button("Test rule", key="new_test_button"):
        show_preview(build_new)

with edit_tab:
    if not rules:
        st.caption("Nothing to edit yet.")
    else:
        rule_id = st.selectbox("Rule", list(by_id), key="edit_rule",
                               format_func=lambda i: by_id[i].name)
        if st.session_state.get("edit_loaded") != rule_id:
            load("editrule", by_id[rule_id].spec)
            st.session_state["edit_loaded"] = rule_id
        build_edit = editor("editrule")
        e1, e2 = st.columns(2)
        if e1.button("Save rule", type="primary") and attempt(
                lambda: rl.update_rule(ctx.scope, rule_id, build_edit()), "Rule saved."):
            st.session_state.pop("edit_loaded", None)
            st.rerun()
        if e2.button("Test rule", key="edit_test_button"):
            show_preview(build_edit)

with order_tab:
    if not rules:
        st.caption("Nothing to order yet.")
    else:
        ids = list(by_id)
        pick = st.selectbox("Rule", ids, key="order_rule",
                            format_func=lambda i: f"{ids.index(i) + 1}. {by_id[i].name}")
        at = ids.index(pick)
        o1, o2, o3 = st.columns(3)

        def move(step: int) -> list[rl.RuleView]:
            order = ids.copy()
            order[at], order[at + step] = order[at + step], order[at]
            return rl.reorder_rules(ctx.scope, order)

        if o1.button("Move up", disabled=at == 0) and attempt(lambda: move(-1), "Moved up."):
            st.rerun()
        if o2.button("Move down", disabled=at == len(ids) - 1) and attempt(
                lambda: move(1), "Moved down."):
            st.rerun()
        if o3.button("Delete rule") and attempt(lambda: rl.delete_rule(ctx.scope, pick),
                                                f"Rule {by_id[pick].name!r} deleted."):
            st.session_state.pop("edit_loaded", None)
            st.rerun()

with reapply_tab:
    st.caption("Runs every enabled rule over transactions already in the book, in the order "
               "and mode above, as one change. Rules overwrite what they set, including "
               "categories you chose by hand, unless you limit it to uncategorised ones.")
    only_open = st.checkbox("Only transactions without a category", value=True,
                            key="reapply_uncategorised")
    def _reapply() -> int:
        with alerts_flashed():  # re-categorising can cross (or back off) budget thresholds
            return rl.reapply_rules(ctx.scope, TransactionFilter(
                uncategorised=only_open, include_scheduled=True))

    if st.button("Re-apply rules to existing transactions") and attempt(
            _reapply,
            lambda n: f"Rules re-applied: {n} transaction(s) changed."):
        st.rerun()
