"""The Import page's evidence panel: what the file proved, what it changed, what it asks.

``fintrack_core.imports.evidence`` decides; this only shows the verdicts and turns the
user's answer (flip or keep the signs) into the ``signs`` argument of the next preview, kept
per file in the session so every rerun previews the same way.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fintrack_core.imports.evidence import SIGN_QUESTION_CHOICES
from fintrack_core.imports.service import ImportResult
from fintrack_ui.markdown import md

KEEP_LABEL = dict(SIGN_QUESTION_CHOICES)["keep"]
FLIP_LABEL = dict(SIGN_QUESTION_CHOICES)["flip"]


def sign_answer(fid: str) -> str | None:
    """The user's answer for this file so far ("flip", "keep" or None: let the evidence say)."""
    answer = st.session_state.get(f"signs_{fid}")
    return answer if isinstance(answer, str) else None


def _answer(fid: str, value: str | None) -> None:
    st.session_state[f"signs_{fid}"] = value
    st.rerun()


def show_evidence(preview: ImportResult, fid: str) -> None:
    """Notes (✓ proof as success, ✗ as a warning, decisions as info), the sign question with
    its two buttons, the one-click undo of an evidence flip, and the rows left out."""
    for note in preview.notes:
        text = md(note[:1].upper() + note[1:] + ("" if note.endswith(")") else "."))
        if note.startswith("✓"):
            st.success(text)
        elif note.startswith("✗"):
            st.warning(text)
        else:
            st.info(text)
    answer = sign_answer(fid)
    for question in preview.questions:
        st.warning(md(question.text) + " Nothing is imported until you answer.")
        cols = st.columns(len(question.choices))
        for box, (value, label) in zip(cols, question.choices, strict=True):
            if box.button(label, key=f"ask_{fid}_{question.key}_{value}"):
                _answer(fid, value)
    if answer is None and preview.detected.get("signs_flipped"):
        if st.button(KEEP_LABEL, key=f"keep_{fid}",
                     help="Import the amounts with the signs written in the file."):
            _answer(fid, "keep")
    elif answer is not None and st.button(
            "Let the evidence decide the signs", key=f"unsign_{fid}"):
        _answer(fid, None)
    if preview.skipped:
        with st.expander(f"{len(preview.skipped)} row(s) left out, each with its reason"):
            st.dataframe(pd.DataFrame({"Line": [r.line for r in preview.skipped],
                                       "Reason": [r.reason for r in preview.skipped]}),
                         hide_index=True, width="stretch")


__all__ = ["FLIP_LABEL", "KEEP_LABEL", "show_evidence", "sign_answer"]
