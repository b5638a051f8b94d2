"""The Import page's "Bank profiles" section: the book's own profiles, each downloadable as a
TOML file another FinTrack loads, deletable by editors; loading a profile file; and the
built-in profiles for reference. Every call goes through ``fintrack_core.imports.book_profiles``
(the same as ``fintrack profiles``), so the role checks and file checks are the core's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fintrack_core.errors import FinTrackError
from fintrack_core.imports.book_profiles import (
    delete_profile,
    export_profile,
    import_profile,
    list_profiles,
)
from fintrack_core.imports.profile_files import MAX_PROFILE_BYTES
from fintrack_ui.display import attempt
from fintrack_ui.markdown import md
from fintrack_ui.session import Context


def bank_profiles_section(ctx: Context) -> None:
    st.subheader("Bank profiles")
    profiles = list_profiles(ctx.scope)
    own = [p for p in profiles if p.is_own]
    if not own:
        st.caption("This book has no profiles of its own yet. After a preview, “Save this "
                   "mapping as a bank profile” adds one; or load a profile file below.")
    for p in own:
        c1, c2, c3 = st.columns([3, 1, 1])
        named = f" · {md(p.name)}" if p.name != p.label else ""
        c1.markdown(f"**{md(p.label)}**{named} · your profile")
        c1.caption(md("Recognises files with the columns: " + (", ".join(p.columns)
                                                               or "(no header)")))
        try:
            text = export_profile(ctx.scope, p.name)
        except FinTrackError as exc:
            c2.error(md(exc))
        else:
            c2.download_button("Export", text.encode("utf-8"), file_name=f"{p.name}.toml",
                               mime="application/toml", key=f"prof_dl_{p.name}")
        if ctx.can_write and c3.button("Delete", key=f"prof_del_{p.name}") and attempt(
                lambda name=p.name: delete_profile(ctx.scope, name),  # type: ignore[misc]
                f"Bank profile {p.name!r} deleted."):
            st.rerun()
    if ctx.can_write:
        _load_form(ctx)
    with st.expander(f"Built-in profiles ({len(profiles) - len(own)})"):
        st.dataframe(pd.DataFrame({"Name": [p.name for p in profiles if not p.is_own],
                                   "Bank": [p.label for p in profiles if not p.is_own]}),
                     hide_index=True, width="stretch")


def _load_form(ctx: Context) -> None:
    round_ = st.session_state.get("prof_round", 0)
    upload = st.file_uploader("Load a profile file (.toml, at most "
                              f"{MAX_PROFILE_BYTES // 1024} KB) from another FinTrack",
                              type=["toml"], key=f"prof_file{round_}")
    replace = st.checkbox("Replace my profile of the same name", key="prof_replace")
    if upload is None:
        return
    if upload.size > MAX_PROFILE_BYTES:
        st.error(md(f"{upload.name}: a profile file is at most {MAX_PROFILE_BYTES // 1024} KB"))
        return
    try:
        text = upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        st.error(md(f"{upload.name}: not a UTF-8 text file"))
        return
    if st.button("Load profile", key="prof_load") and attempt(
            lambda: import_profile(ctx.scope, text, upload.name, replace=replace),
            lambda v: f"Loaded the bank profile {v.name!r} ({v.label})."):
        st.session_state["prof_round"] = round_ + 1
        st.rerun()


__all__ = ["bank_profiles_section"]
