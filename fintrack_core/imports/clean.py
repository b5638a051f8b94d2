"""Text from statements, made fit to store: the import side of ``fintrack_core.text``.

A statement cannot be asked what it meant, so control characters (ESC, BEL, NUL...) are
removed rather than refused: they are never part of a payee, and stored raw they would drive
the terminal of whoever lists the transactions. Line breaks and tabs in a payee become a
space; a description keeps its line breaks. A value still longer than its field allows
(``MAX_PAYEE``, ``MAX_TEXT``) is not cut short silently: its row is reported as invalid, with
its line, like any other unreadable row. Column-wise (Arrow), so a million rows cost little.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fintrack_core.imports.arrow_cols import text_array
from fintrack_core.imports.statement import ParsedStatement, RowError
from fintrack_core.text import MAX_PAYEE, MAX_TEXT

# RE2 (Arrow) spellings of the control characters of ``fintrack_core.text``.
_ANY_CONTROL = r"[\x{00}-\x{1f}\x{7f}-\x{9f}]"
_LINE_BREAKS = r"\r\n|[\r\n\t]"
_NOT_KEPT_IN_TEXT = r"[\x{00}-\x{08}\x{0b}-\x{1f}\x{7f}-\x{9f}]"  # keeps \t and \n
# column -> (limit, control characters removed, breaks turned into a space first)
FIELDS = {"payee": (MAX_PAYEE, _ANY_CONTROL, True),
          "description": (MAX_TEXT, _NOT_KEPT_IN_TEXT, False)}


def _may_hold_controls(arr: pa.Array) -> bool:
    """False when no byte of the column's text can belong to a control character: C0 and DEL
    are bytes below 0x20 and 0x7f, C1 (U+0080-U+009F) is 0xc2 then 0x80-0x9f in UTF-8. A
    byte scan is ~10x cheaper than the regex, which then only runs on suspicious columns."""
    data = arr.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)
    if bool((raw < 0x20).any()) or bool((raw == 0x7F).any()):
        return True
    after_c2 = raw[np.flatnonzero(raw[:-1] == 0xC2) + 1]
    return bool(((after_c2 >= 0x80) & (after_c2 <= 0x9F)).any())


def clean_statement_text(parsed: ParsedStatement) -> ParsedStatement:
    """Strip control characters from payees and descriptions; rows whose text is still too
    long move to ``parsed.invalid`` (with their line) and out of ``parsed.rows``."""
    rows = parsed.rows
    if rows.empty:
        return parsed
    too_long = np.zeros(len(rows), dtype=bool)
    reasons: dict[int, str] = {}
    for name, (limit, controls, breaks_to_space) in FIELDS.items():
        if name not in rows:
            continue
        arr = text_array(rows[name])
        if _may_hold_controls(arr) and pc.any(pc.match_substring_regex(arr,
                                                                      _ANY_CONTROL)).as_py():
            if breaks_to_space:
                arr = pc.replace_substring_regex(arr, _LINE_BREAKS, " ")
            else:
                arr = pc.replace_substring_regex(arr, r"\r\n?", "\n")
            arr = pc.replace_substring_regex(arr, controls, "")
            rows[name] = pd.arrays.ArrowExtensionArray(arr)
        lengths = pc.utf8_length(arr).to_numpy(zero_copy_only=False)
        over = lengths > limit
        for pos in np.flatnonzero(over & ~too_long):
            reasons[int(pos)] = (f"{name} is {int(lengths[pos]):,} characters long; the limit "
                                 f"is {limit:,}")
        too_long |= over
    if not too_long.any():
        return parsed
    lines = rows["line"].to_numpy()
    parsed.invalid = sorted([*parsed.invalid,
                             *(RowError(int(lines[pos]), reason) for pos, reason in
                               sorted(reasons.items()))], key=lambda e: e.line)
    keep = ~too_long
    parsed.rows = rows[keep].reset_index(drop=True)
    if isinstance(parsed.scaled, np.ndarray):
        parsed.scaled = parsed.scaled[keep]
    return parsed
