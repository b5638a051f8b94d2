"""User text inside Markdown: one escape helper for every page.

Why: book, account and display names are typed by users (and by whoever shares a book with
them). Interpolated raw into ``st.markdown``/``st.caption``/``st.write``, a name such as
``![](https://tracker.example/p.png)`` makes every member's browser fetch that URL, and
``**bold**`` or ``:red[...]`` restyles the page. Every user-supplied string that reaches
Markdown goes through :func:`md` first.
"""

from __future__ import annotations

import re

from fintrack_core.text import CONTROL_CHARS

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that start
# Markdown or Streamlit syntax (emphasis, links, images, code, HTML, headings, lists, tables,
# math, ``:material/...:`` shortcodes and ``:color[...]`` directives).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^&\"'])")
_KEPT = {"\n": " ", "\t": "\t"}  # of the control characters: a line break reads as a space


def md(text: object) -> str:
    """``text`` as literal Markdown: every special character escaped, newlines as spaces,
    other control characters (``text.CONTROL_CHARS``) dropped."""
    plain = CONTROL_CHARS.sub(lambda m: _KEPT.get(m.group(), ""), str(text))
    return _SPECIAL.sub(r"\\\1", plain)
