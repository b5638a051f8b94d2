"""Import: upload statements, preview and correct the mapping, review duplicates, import, undo."""

import hashlib
from functools import partial
from typing import cast

import pandas as pd
import streamlit as st

from fintrack_core.errors import FinTrackError
from fintrack_core.imports.dates import ORDERS
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.service import (
    ImportResult,
    import_statement,
    list_batches,
    undo_batch,
)
from fintrack_core.imports.statement import StatementError
from fintrack_core.ledger.accounts import create_account, list_accounts
from fintrack_core.ledger.categories import list_categories
from fintrack_core.money import format_money
from fintrack_ui.display import alerts_flashed, attempt, read_only_notice, show_flash
from fintrack_ui.markdown import md
from fintrack_ui.session import current
from fintrack_ui.tables import show_table

ctx = current()
show_flash()
st.title("Import statements")
read_only_notice(ctx.can_write)

accounts = [a for a in list_accounts(ctx.scope) if not a.is_closed]
acc_by_id = {a.id: a for a in accounts}
cat_path = {c.id: c.path for c in list_categories(ctx.scope)}

if ctx.can_write:
    if not accounts:
        st.info("Create an account first (Accounts page), then import its statements here.")
    else:
        # No guessed default: a statement dropped into the alphabetically first account lands
        # in the wrong one. The last choice is remembered for the session (across pages).
        chosen = st.multiselect(
            "Import into", list(acc_by_id), key="imp_accounts",
            default=[i for i in st.session_state.get("imp_last", []) if i in acc_by_id],
            format_func=lambda i: f"{acc_by_id[i].name} ({acc_by_id[i].currency})",
            placeholder="Choose the account the statement belongs to",
            help="For a multi-currency file choose one account per currency.")
        st.session_state["imp_last"] = chosen
        # A new key after each import empties the uploader (the file was imported).
        files = st.file_uploader("Statement files (CSV, OFX/QFX, QIF)",
                                 accept_multiple_files=True,
                                 key=f"imp_files{st.session_state.get('imp_round', '')}",
                                 type=["csv", "tsv", "txt", "ofx", "qfx", "qif"])
        if files and not chosen:
            st.warning("Choose the account(s) to import into first.")
            files = []
        skip_invalid = st.checkbox("Skip invalid rows (import the valid ones)", key="imp_skip")
        for upload in files or []:
            data = upload.getvalue()
            fid = hashlib.sha256(data).hexdigest()[:12]
            st.divider()
            st.subheader(md(upload.name))
            fixes: dict[str, object] = st.session_state.setdefault(f"fix_{fid}", {})
            preview: ImportResult | None
            try:
                options = Mapping.from_dict(fixes)
                preview = import_statement(ctx.scope, data, upload.name, chosen or [],
                                           options=options, dry_run=True)
            except (StatementError, FinTrackError) as exc:
                st.error(md(f"{upload.name}: {exc}"))
                preview = None
            detected = preview.detected if preview else {}
            mapping = cast(Mapping | None, detected.get("mapping"))  # the CSV reader's mapping
            if preview is not None:
                c1, c2, c3, c4 = st.columns(4)
                c1.metric("New", f"{preview.imported:,}")
                c2.metric("Duplicates", f"{preview.duplicates:,}")
                c3.metric("Invalid", f"{len(preview.invalid):,}")
                c4.metric("Rows read", f"{preview.rows:,}")
                facts = [f"format **{detected.get('format', '?')}**",
                         f"profile **{preview.profile or 'automatic detection'}**"]
                if detected.get("encoding"):
                    facts.append(f"encoding **{detected['encoding']}**")
                if detected.get("format") == "csv":  # OFX/QFX/QIF have no delimiter or header
                    facts += [f"delimiter **{detected.get('delimiter')!r}**",
                              f"header on line **{detected.get('header_line') or 'none'}**",
                              f"dates **{detected.get('date_format')}** "
                              f"({detected.get('date_order')})"]
                elif detected.get("date_order"):
                    facts.append(f"dates **{detected['date_order']}**"
                                 + (" (assumed)" if detected.get("date_order_assumed") else ""))
                if mapping is not None and mapping.negate:
                    facts.append("signs flipped")
                st.caption(" · ".join(facts))
                for warning in preview.warnings:
                    st.warning(md(warning[:1].upper() + warning[1:] + "."))
                if preview.missing_currencies:
                    st.warning("No chosen account in " + ", ".join(preview.missing_currencies)
                               + "; those rows cannot be imported yet.")
                    for ccy in preview.missing_currencies:
                        new_name = f"{upload.name[:40]} {ccy}"
                        if st.button(f"Create a {ccy} account", key=f"mk_{fid}_{ccy}") and attempt(
                                partial(create_account, ctx.scope, new_name, "checking", ccy),
                                f"Account {new_name!r} created; add it to 'Import into'."):
                            st.rerun()
                rows = preview.preview
                if rows is not None and len(rows):
                    head = rows.head(20)
                    show_table(pd.DataFrame({
                        "Line": head["line"],
                        "Date": pd.to_datetime(head["date"]).dt.date,
                        "Account": [acc_by_id[int(a)].name if int(a) in acc_by_id else "?"
                                    for a in head["account_id"]],
                        "Payee": head["payee"], "Description": head["description"],
                        "Amount": [format_money(int(m), c, ctx.locale)
                                   for m, c in zip(head["amount_minor"], head["currency"],
                                                   strict=True)],
                        "Category (rules)": [cat_path.get(int(c), "") if pd.notna(c) else ""
                                             for c in head["category_id"]],
                    }), {c: c for c in ("Line", "Date", "Account", "Payee", "Description",
                                        "Amount", "Category (rules)")}, money=["Amount"])
                    totals = ", ".join(f"{v} {c}" for c, v in sorted(preview.totals.items()))
                    st.caption(f"First {len(head)} of {len(rows):,} new transactions · "
                               f"totals {totals} · {preview.date_min} to {preview.date_max}")
                if preview.invalid:
                    with st.expander(f"{len(preview.invalid)} invalid row(s)",
                                     expanded=not skip_invalid):
                        st.dataframe(pd.DataFrame({"Line": [e.line for e in preview.invalid],
                                                   "Problem": [e.error for e in preview.invalid]}),
                                     hide_index=True, width="stretch")
                anyway: set[int] = set()
                if preview.likely_duplicates:
                    st.warning(f"{len(preview.likely_duplicates)} row(s) look like transactions "
                               "you entered by hand; they are skipped unless you tick them.")
                    for d in preview.likely_duplicates:
                        label = (f"Line {d.line}: {d.date} {d.payee or ''} {d.amount} "
                                 f"{d.currency} — likely duplicate: {d.reason}")
                        if st.checkbox(f"Import anyway · {md(label)}", key=f"ld_{fid}_{d.line}"):
                            anyway.add(d.line)
            if detected.get("format", "csv") == "csv":  # OFX/QFX/QIF: no columns to map
                with st.expander("Correct the mapping", expanded=preview is None):
                    columns = list(cast("list[str]", detected.get("columns") or []))
                    # Widgets are keyed on the mapping in force, so they show it afresh after
                    # every correction instead of keeping a stale choice (which would loop).
                    ver = hashlib.sha256((mapping.to_json() if mapping else repr(fixes))
                                         .encode()).hexdigest()[:8]
                    none = "(none)"
                    f1, f2, f3 = st.columns(3)
                    new: dict[str, object] = {}
                    for box, role, label in ((f1, "date", "Date column"),
                                             (f1, "amount", "Amount column (signed)"),
                                             (f2, "debit", "Money-out column"),
                                             (f2, "credit", "Money-in column"),
                                             (f3, "payee", "Payee column"),
                                             (f3, "currency", "Currency column")):
                        current_value = getattr(mapping, role, None) if mapping else None
                        options_list = [none, *columns]
                        index = (options_list.index(current_value)
                                 if current_value in options_list else 0)
                        pick = box.selectbox(label, options_list, index=index,
                                             key=f"map_{fid}_{ver}_{role}")
                        if pick != (current_value or none):
                            new[role] = None if pick == none else pick
                    desc_now = list(mapping.description) if mapping else []
                    desc = st.multiselect("Description column(s)", columns,
                                          default=[d for d in desc_now if d in columns],
                                          key=f"map_{fid}_{ver}_desc")
                    if desc != desc_now:
                        new["description"] = desc
                    g1, g2, g3, g4 = st.columns(4)
                    order_now = ((mapping.date_order if mapping else None)
                                 or detected.get("date_order"))
                    order_opts = ["auto", *ORDERS]
                    order = g1.selectbox("Date order", order_opts,
                                         index=order_opts.index(order_now)
                                         if order_now in order_opts else 0,
                                         key=f"map_{fid}_{ver}_order")
                    if order != "auto" and order != order_now:
                        new["date_order"] = order
                        new["date_format"] = None
                    skip = g2.number_input("Lines before the header", min_value=0, step=1,
                                           value=int(cast(int, fixes.get("skip_rows",
                                                                         mapping.skip_rows or 0))
                                                     if mapping else 0),
                                           key=f"map_{fid}_{ver}_skip")
                    if mapping is not None and skip != (mapping.skip_rows or 0):
                        new["skip_rows"] = int(skip)
                    enc = g3.text_input("Encoding", value=str(detected.get("encoding") or ""),
                                        key=f"map_{fid}_{ver}_enc")
                    if enc and enc != detected.get("encoding"):
                        new["encoding"] = enc
                    negate = g4.checkbox("Flip signs (card: charges positive)",
                                         value=bool(mapping and mapping.negate),
                                         key=f"map_{fid}_{ver}_neg")
                    if mapping is not None and negate != mapping.negate:
                        new["negate"] = negate
                    no_header = g4.checkbox("No header row",
                                            value=bool(fixes.get("has_header") is False),
                                            key=f"map_{fid}_{ver}_nohdr")
                    if no_header and fixes.get("has_header") is not False:
                        new["has_header"] = False
                    if new:
                        fixes.update(new)
                        st.rerun()
                    if fixes and st.button("Reset corrections", key=f"reset_{fid}"):
                        st.session_state[f"fix_{fid}"] = {}
                        st.rerun()
            if preview is not None and st.button(
                    f"Import {preview.imported:,} transaction(s) from {md(upload.name)}",
                    type="primary", key=f"go_{fid}",
                    disabled=not chosen or (bool(preview.invalid) and not skip_invalid)):
                bar = st.progress(0.0, text="Importing…")

                def progress(phase: str, done: int, total: int, bar=bar) -> None:  # type: ignore[no-untyped-def]
                    bar.progress(min(1.0, done / total) if total else 1.0,
                                 text=f"{phase}: {done:,} of {total:,}")

                try:
                    with alerts_flashed():  # the budget thresholds the import crossed
                        result = import_statement(
                            ctx.scope, data, upload.name, chosen,
                            options=Mapping.from_dict(fixes), skip_invalid=skip_invalid,
                            import_likely_duplicates=frozenset(anyway), progress=progress)
                except (StatementError, FinTrackError) as exc:
                    st.error(md(exc))
                else:
                    if result.rejected:
                        st.error(f"{md(upload.name)} was not imported: {len(result.invalid)} "
                                 "invalid row(s). Fix them or tick 'Skip invalid rows'.")
                    else:
                        st.session_state["flash"] = (
                            f"Imported {result.imported:,} transaction(s) from {upload.name} "
                            f"(batch #{result.batch_id}, {result.duplicates:,} duplicates "
                            f"skipped).")
                        st.session_state["imp_round"] = st.session_state.get("imp_round", 0) + 1
                        st.rerun()

st.divider()
st.subheader("Imports")
batches = list_batches(ctx.scope)
if not batches:
    st.caption("Nothing imported yet.")
else:
    st.dataframe(pd.DataFrame({
        "Batch": [f"#{b.id}" for b in batches], "File": [b.filename for b in batches],
        "Account": [b.account or "several" for b in batches],
        "Profile": [b.profile or "—" for b in batches],
        "Imported": [b.imported for b in batches], "Duplicates": [b.duplicates for b in batches],
        "Invalid": [b.invalid for b in batches], "Still in book": [b.remaining for b in batches],
        "When": [b.created_at for b in batches],
        "SHA-256": [b.sha256[:16] + "…" for b in batches],
    }), hide_index=True, width="stretch")
    if ctx.can_write:
        u1, u2 = st.columns([2, 1])
        victim = u1.selectbox("Undo an import", [b.id for b in batches], key="undo_batch",
                              format_func=lambda i: next(f"#{b.id} {b.filename} "
                                                         f"({b.remaining} transactions)"
                                                         for b in batches if b.id == i))
        if u2.button("Undo import", key="undo_go") and attempt(
                lambda: undo_batch(ctx.scope, victim),
                lambda n: f"Import #{victim} undone: {n} transaction(s) removed."):
            st.rerun()
