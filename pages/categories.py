"""Categories: the tree with usage; add, rename/recolour, move, merge, delete."""

import pandas as pd
import streamlit as st

from fintrack_core.ledger import categories as cat
from fintrack_ui.display import attempt, read_only_notice, show_flash
from fintrack_ui.markdown import md
from fintrack_ui.session import current
from fintrack_ui.tables import swatch

ctx = current()
show_flash()
st.title("Categories")
read_only_notice(ctx.can_write)

tree = cat.list_categories(ctx.scope)
by_id = {c.id: c for c in tree}
label = {c.id: c.path for c in tree}

st.dataframe(pd.DataFrame({
    "Category": ["\u2003" * c.depth + c.name for c in tree],
    "Kind": [c.kind.value for c in tree],
    "Colour": [swatch(c.color) for c in tree],
    "Path": [c.path for c in tree],
}), hide_index=True, width="stretch", height=min(38 + 35 * len(tree), 600),
    column_config={"Colour": st.column_config.ImageColumn("Colour", width="small")})

if not ctx.can_write:
    st.stop()

add, edit, move, merge, remove = st.tabs(["Add", "Rename", "Move", "Merge", "Delete"])
with add, st.form("add_category"):
    name = st.text_input("Name")
    parent = st.selectbox("Parent", [None, *label], format_func=lambda i: "(top level)"
                          if i is None else label[i])
    kind = st.selectbox("Kind (top level only)", ["expense", "income", "transfer"])
    color = st.color_picker("Colour", "#1565c0")
    if st.form_submit_button("Add category", type="primary") and attempt(
            lambda: cat.create_category(ctx.scope, name, None if parent else kind, parent, color),
            f"Category {name!r} added."):
        st.rerun()

with edit:
    target = st.selectbox("Category", list(label), format_func=label.__getitem__, key="ren_cat")
    with st.form("rename_category"):
        new_name = st.text_input("New name", value=by_id[target].name)
        new_color = st.color_picker("Colour", by_id[target].color or "#888888")
        if st.form_submit_button("Save", type="primary") and attempt(
                lambda: cat.rename_category(ctx.scope, target, new_name, new_color), "Saved."):
            st.rerun()

with move, st.form("move_category"):
    src = st.selectbox("Category", list(label), format_func=label.__getitem__, key="mv_src")
    dst = st.selectbox("New parent", [None, *label], key="mv_dst",
                       format_func=lambda i: "(top level)" if i is None else label[i])
    if st.form_submit_button("Move", type="primary") and attempt(
            lambda: cat.move_category(ctx.scope, src, dst), "Moved."):
        st.rerun()

with merge, st.form("merge_category"):
    st.caption("All transactions and sub-categories of the first move to the second; "
               "the first is deleted.")
    m_src = st.selectbox("Merge", list(label), format_func=label.__getitem__, key="mg_src")
    m_dst = st.selectbox("Into", list(label), format_func=label.__getitem__, key="mg_dst")
    if st.form_submit_button("Merge", type="primary") and attempt(
            lambda: cat.merge_categories(ctx.scope, m_src, m_dst),
            lambda n: f"Merged; {n} transaction(s) moved."):
        st.rerun()

with remove:
    victim = st.selectbox("Category", list(label), format_func=label.__getitem__, key="del_cat")
    used = cat.usage_count(ctx.scope, victim)
    move_to = None
    if used:
        st.warning(f"{md(label[victim])} is used by {used} transaction(s); choose where they go.")
        move_to = st.selectbox("Move its transactions to",
                               [i for i in label if i != victim], format_func=label.__getitem__,
                               key="del_target")
    else:
        st.caption("Not used by any transaction. Sub-categories move up one level.")
    if st.button("Delete category") and attempt(
            lambda: cat.delete_category(ctx.scope, victim, move_to), "Category deleted."):
        st.rerun()
