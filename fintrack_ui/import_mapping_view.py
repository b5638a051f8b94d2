"""Widgets of the Import page's "Correct the mapping" and "Save as a bank profile" parts.

The rules live in ``fintrack_ui.import_mapping`` (tested without a browser); this module
draws the form from a ``MappingForm`` and hands what the widgets show back to ``apply_form``.
Widgets are keyed on the corrections in force, so after each change they show the new state
instead of keeping a stale choice (which would re-apply it on the next run, in a loop).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import streamlit as st

from fintrack_core.access import Scope
from fintrack_core.imports.book_profiles import save_profile
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.table_preview import preview_table
from fintrack_ui.display import attempt
from fintrack_ui.import_mapping import (
    COLUMN_ROLES,
    DATE_FORMATS,
    DATE_ORDERS,
    DECIMALS,
    DELIMITERS,
    NONE,
    apply_form,
    as_options,
    build_form,
    date_format_label,
    decimal_label,
    delimiter_label,
    profile_name_for,
)
from fintrack_ui.markdown import md

SAVE_OFFER = "imp_save_offer"  # after an import made by hand: what to offer to save


def _fixes_key(fid: str) -> str:
    return f"fix_{fid}"


def correct_mapping(fid: str, data: bytes, used: Mapping | None, *, expanded: bool) -> None:
    """The "Correct the mapping" expander for one uploaded CSV; reruns on a change."""
    fixes: dict[str, Any] = st.session_state.setdefault(_fixes_key(fid), {})
    with st.expander("Correct the mapping", expanded=expanded):
        table = preview_table(data, Mapping.from_dict(_layout_only(fixes)))
        form = build_form(table, used, fixes)
        ver = hashlib.sha256(json.dumps([fixes, form.columns], sort_keys=True, default=str)
                             .encode()).hexdigest()[:8]
        key = f"map_{fid}_{ver}"
        st.caption("The first lines of the file, as they are:")
        st.code("\n".join(f"{n:>3}  {text}" for n, text in form.raw_lines) or "(empty)",
                language=None)
        values: dict[str, Any] = {}
        l1, l2, l3, l4 = st.columns(4)
        values["skip_rows"] = l1.number_input("Lines before the header", min_value=0,
                                              max_value=200, step=1, value=form.skip_rows,
                                              key=f"{key}_skip")
        values["delimiter"] = l2.selectbox(
            "Delimiter", DELIMITERS, format_func=delimiter_label,
            index=DELIMITERS.index(form.delimiter) if form.delimiter in DELIMITERS else 0,
            key=f"{key}_delim")
        values["encoding"] = l3.text_input("Encoding", value=form.encoding, key=f"{key}_enc",
                                           help="e.g. utf-8, cp1252, iso-8859-1")
        values["has_header"] = l4.checkbox("The file has a header row", value=form.has_header,
                                           key=f"{key}_hdr")
        if form.problem:
            st.error(md(f"With these settings: {form.problem}"))
        else:
            st.caption("Its columns and first rows with these settings:")
            st.dataframe(form.sample, hide_index=True, width="stretch")
            boxes = st.columns(4)
            options = form.choices()
            for i, (role, label) in enumerate(COLUMN_ROLES):
                current = form.roles[role]
                values[role] = boxes[i % 4].selectbox(
                    label, options, index=options.index(current) if current in options else 0,
                    format_func=lambda c: "(none)" if c == NONE else c, key=f"{key}_{role}")
            values["description"] = st.multiselect("Description column(s)", form.columns,
                                                   default=form.description,
                                                   key=f"{key}_desc")
        g1, g2, g3, g4 = st.columns(4)
        values["date_format"] = g1.selectbox(
            "Date format", DATE_FORMATS, format_func=date_format_label,
            index=DATE_FORMATS.index(form.date_format) if form.date_format in DATE_FORMATS
            else 0, key=f"{key}_fmt")
        values["date_order"] = g2.selectbox(
            "Date order", DATE_ORDERS,
            index=DATE_ORDERS.index(form.date_order) if form.date_order in DATE_ORDERS else 0,
            key=f"{key}_order")
        values["decimal"] = g3.selectbox(
            "Decimal separator", DECIMALS, format_func=decimal_label,
            index=DECIMALS.index(form.decimal) if form.decimal in DECIMALS else 0,
            key=f"{key}_dec")
        values["negate"] = g4.checkbox("Flip signs (card: charges positive)",
                                       value=form.negate, key=f"{key}_neg")
        if not form.problem and form.missing():
            st.info("To read this file, choose " + " and ".join(form.missing()) + ".")
        new = apply_form(fixes, form, values)
        if new is not None:
            st.session_state[_fixes_key(fid)] = new
            st.rerun()
        if fixes and st.button("Reset corrections", key=f"reset_{fid}"):
            st.session_state[_fixes_key(fid)] = {}
            st.rerun()


def _layout_only(fixes: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fixes.items()
            if k in ("skip_rows", "has_header", "encoding", "delimiter")}


def fixes_of(fid: str) -> dict[str, Any]:
    fixes: dict[str, Any] = st.session_state.setdefault(_fixes_key(fid), {})
    return fixes


def save_profile_form(scope: Scope, key: str, filename: str, detected: dict[str, object],
                      fixes: dict[str, Any], *, expanded: bool = False) -> None:
    """"Save this mapping as a bank profile": the next file with this header is recognised
    (and the profile can be exported for another FinTrack)."""
    with st.expander("Save this mapping as a bank profile", expanded=expanded):
        st.caption("The next file with the same columns is then read this way, in every "
                   "account; you can export the profile for another FinTrack.")
        c1, c2 = st.columns(2)
        name = c1.text_input("Profile name", value=profile_name_for(filename),
                             key=f"{key}_name",
                             help="Lower-case letters, digits, _ and -.")
        label = c2.text_input("Bank (shown when a file is recognised)", key=f"{key}_label")
        replace = st.checkbox("Replace my profile of the same name", key=f"{key}_replace")
        if st.button("Save as a bank profile", key=f"{key}_save") and attempt(
                lambda: save_profile(scope, name.strip(), detected, label=label.strip() or None,
                                     options=as_options(fixes), replace=replace),
                lambda v: f"Saved the bank profile {v.name!r}: files with these columns are "
                          "now recognised."):
            st.session_state.pop(SAVE_OFFER, None)
            st.rerun()


def offer_after_import(scope: Scope) -> None:
    """After a file was imported with a mapping made by hand, offer to save that mapping."""
    offer = st.session_state.get(SAVE_OFFER)
    if not offer:
        return
    st.info(md(f"{offer['file']} was read with a mapping you made by hand. Save it as a bank "
               "profile so the next statement from this bank is recognised."))
    save_profile_form(scope, "imp_offer", offer["file"], offer["detected"], offer["fixes"],
                      expanded=True)
    if st.button("No, thanks", key="imp_offer_dismiss"):
        st.session_state.pop(SAVE_OFFER, None)
        st.rerun()


__all__ = ["SAVE_OFFER", "correct_mapping", "fixes_of", "offer_after_import",
           "save_profile_form"]
