"""Import: upload statements, preview and correct the mapping, review duplicates, import, undo."""

import hashlib
from functools import partial
from typing import cast

import pandas as pd
import streamlit as st

from fintrack_core.errors import FinTrackError
from fintrack_core.imports.history import last_import_accounts
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.read import sniff_format
from fintrack_core.imports.service import (
    ImportResult,
    import_statement,
    list_batches,
    undo_batch,
)
from fintrack_core.imports.statement import StatementError
from fintrack_core.ledger.accounts import create_account, list_accounts, update_account
from fintrack_core.ledger.categories import list_categories
from fintrack_core.money import format_money
from fintrack_ui import activity
from fintrack_ui.bank_profiles_view import bank_profiles_section
from fintrack_ui.display import alerts_flashed, attempt, read_only_notice, show_flash
from fintrack_ui.import_evidence import show_evidence, sign_answer
from fintrack_ui.import_mapping_view import (
    SAVE_OFFER,
    correct_mapping,
    fixes_of,
    offer_after_import,
    save_profile_form,
)
from fintrack_ui.import_trades_view import show_trades
from fintrack_ui.markdown import md
from fintrack_ui.session import current
from fintrack_ui.tables import show_table

ctx = current()
show_flash()
st.title("Import statements")
read_only_notice(ctx.can_write)
if ctx.can_write:
    offer_after_import(ctx.scope)

accounts = [a for a in list_accounts(ctx.scope) if not a.is_closed]
acc_by_id = {a.id: a for a in accounts}
cat_path = {c.id: c.path for c in list_categories(ctx.scope)}

if ctx.can_write:
    if not accounts:
        st.info("Create an account first (Accounts page), then import its statements here.")
    else:
        # No guessed default: a statement dropped into the alphabetically first account lands
        # in the wrong one. The accounts of this user's last import in this book are offered
        # (from the database, so across sessions); with no import yet, nothing is chosen.
        last_key = f"imp_last_{ctx.book.id}"
        if last_key not in st.session_state:
            st.session_state[last_key] = last_import_accounts(ctx.scope)
        chosen = st.multiselect(
            "Import into", list(acc_by_id), key="imp_accounts",
            default=[i for i in st.session_state[last_key] if i in acc_by_id],
            format_func=lambda i: f"{acc_by_id[i].name} ({acc_by_id[i].currency})",
            placeholder="Choose the account the statement belongs to",
            help="For a multi-currency file choose one account per currency; for a file with "
                 "several accounts (CAMT, MT940, OFX) choose each, with its number (IBAN) "
                 "set. An investment statement (OFX, Interactive Brokers, Trading 212, "
                 "Degiro) goes into an investment account.")
        st.session_state[last_key] = chosen
        # A new key after each import empties the uploader (the file was imported).
        files = st.file_uploader("Statement files (CSV, OFX/QFX, QIF, CAMT XML, MT940)",
                                 accept_multiple_files=True,
                                 key=f"imp_files{st.session_state.get('imp_round', '')}",
                                 type=["csv", "tsv", "txt", "ofx", "qfx", "qif", "xml",
                                       "sta", "mt940", "940"])
        if files and not chosen:
            st.warning("Choose the account(s) to import into first.")
            files = []
        skip_invalid = st.checkbox("Skip invalid rows (import the valid ones)", key="imp_skip")
        for upload in files or []:
            data = upload.getvalue()
            fid = hashlib.sha256(data).hexdigest()[:12]
            st.divider()
            st.subheader(md(upload.name))
            fixes = fixes_of(fid)
            preview: ImportResult | None
            try:
                options = Mapping.from_dict(fixes)
                preview = import_statement(ctx.scope, data, upload.name, chosen or [],
                                           options=options, dry_run=True,
                                           signs=sign_answer(fid))
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
                facts = [f"format **{detected.get('format', '?')}**"]
                if preview.profile:
                    own = detected.get("profile_source") == "book"
                    facts.append(f"recognised as **{md(detected.get('profile_label'))}** ("
                                 + ("your profile" if own else "built-in profile")
                                 + f" {md(preview.profile)})")
                elif detected.get("mapping_source") == "saved":
                    facts.append("read as this account's last import")
                elif detected.get("format") == "csv":
                    facts.append("columns " + ("as you corrected them" if fixes
                                               else "detected automatically"))
                if detected.get("encoding"):
                    facts.append(f"encoding **{detected['encoding']}**")
                if detected.get("format") == "csv":  # OFX/QFX/QIF have no delimiter or header
                    facts += [f"delimiter **{detected.get('delimiter')!r}**",
                              f"header on line **{detected.get('header_line') or 'none'}**",
                              f"dates **{detected.get('date_format')}**"
                              + (f" ({detected['date_order']})" if detected.get("date_order")
                                 else "")]
                elif detected.get("date_order"):
                    facts.append(f"dates **{detected['date_order']}**"
                                 + (" (assumed)" if detected.get("date_order_assumed") else ""))
                if mapping is not None and mapping.negate:
                    facts.append("signs flipped")
                st.caption(" · ".join(facts))
                st.caption(md(preview.summary))
                for warning in preview.warnings:
                    st.warning(md(warning[:1].upper() + warning[1:] + "."))
                show_evidence(preview, fid)
                for ref in preview.unmatched_accounts:
                    # Never guessed: the user says which account this is, once; its number
                    # is stored, so the next file of it routes by itself.
                    st.error(md(f"Account {ref} in the file matches none of the chosen "
                                "accounts, so nothing can be imported yet. Which account is "
                                "it?"))
                    u1, u2 = st.columns([3, 1])
                    owner_id = u1.selectbox(f"Account {ref}", chosen, key=f"num_{fid}_{ref}",
                                            format_func=lambda i: acc_by_id[i].name)
                    if u2.button("Set its number", key=f"num_go_{fid}_{ref}") and attempt(
                            partial(update_account, ctx.scope, owner_id, number=ref),
                            f"{acc_by_id[owner_id].name} now has number {ref}."):
                        st.rerun()
                if preview.missing_currencies:
                    st.warning("No chosen account in " + ", ".join(preview.missing_currencies)
                               + "; those rows cannot be imported yet.")
                    for ccy in preview.missing_currencies:
                        new_name = f"{upload.name[:40]} {ccy}"
                        if st.button(f"Create a {ccy} account", key=f"mk_{fid}_{ccy}") and attempt(
                                partial(create_account, ctx.scope, new_name, "checking", ccy),
                                f"Account {new_name!r} created; add it to 'Import into'."):
                            st.rerun()
                if preview.investment is not None:  # trades, not a statement table
                    show_trades(preview.investment)
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
                    per_account = rows["account_id"].value_counts(sort=False)
                    if len(per_account) > 1:
                        st.caption("Into " + " · ".join(
                            f"**{md(acc_by_id[int(i)].name)}** {int(n):,}"
                            for i, n in zip(per_account.index.tolist(), per_account.tolist(),
                                            strict=True) if int(i) in acc_by_id))
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
            invest = preview is not None and preview.investment is not None
            if sniff_format(data, upload.name) == "csv" and not invest:  # broker CSVs: profiles
                # Open while the file cannot be read, and while the user is correcting it.
                correct_mapping(fid, data, mapping, expanded=preview is None or bool(fixes))
                if preview is not None and mapping is not None:
                    save_profile_form(ctx.scope, f"prof_{fid}", upload.name, preview.detected,
                                      fixes)
            if preview is not None and st.button(
                    f"Import {preview.imported:,} {'row' if invest else 'transaction'}(s) "
                    f"from {md(upload.name)}",
                    type="primary", key=f"go_{fid}",
                    disabled=not chosen or bool(preview.unmatched_accounts)
                    or (bool(preview.invalid) and not skip_invalid) or bool(preview.questions)):
                bar = st.progress(0.0, text="Importing…")

                def progress(phase: str, done: int, total: int, bar=bar) -> None:  # type: ignore[no-untyped-def]
                    bar.progress(min(1.0, done / total) if total else 1.0,
                                 text=f"{phase}: {done:,} of {total:,}")

                try:
                    with alerts_flashed():  # the budget thresholds the import crossed
                        result = import_statement(
                            ctx.scope, data, upload.name, chosen,
                            options=Mapping.from_dict(fixes), skip_invalid=skip_invalid,
                            import_likely_duplicates=frozenset(anyway), progress=progress,
                            signs=sign_answer(fid))
                except (StatementError, FinTrackError) as exc:
                    st.error(md(exc))
                else:
                    if result.rejected:
                        st.error(f"{md(upload.name)} was not imported: {len(result.invalid)} "
                                 "invalid row(s). Fix them or tick 'Skip invalid rows'.")
                    else:
                        activity.imported(ctx.scope, result.batch_id, result.imported,
                                          result.duplicates)
                        if fixes and mapping is not None:  # made by hand: offer to keep it
                            st.session_state[SAVE_OFFER] = {
                                "file": upload.name, "detected": preview.detected,
                                "fixes": dict(fixes)}
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

st.divider()
bank_profiles_section(ctx)
