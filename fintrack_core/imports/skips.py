"""Rows of a statement that are not transactions, each with the reason it is left out.

Opening and closing balance lines, totals, pending card holds and trailers under the data are
in many files; leaving them out is right, but leaving them out silently is not (issue 9: every
row read is imported, a duplicate, skipped with a reason or invalid with its line). Reasons
are computed column-wise with Arrow regexes, so a million rows cost one pass per pattern.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fintrack_core.imports.statement import SkippedRow

# RE2 syntax (evaluated by Arrow), matched case-insensitively against payee + description.
# (reason, pattern), first match wins.
LINE_KINDS: tuple[tuple[str, str], ...] = (
    ("opening balance", (
        r"^\s*(beginning|opening|starting|previous)\s+balance"
        r"|^\s*(anfangssaldo|alter kontostand|balance brought forward|saldo inicial"
        r"|solde (initial|pr[ée]c[ée]dent|d[ée]but)|saldo iniziale|beginsaldo"
        r"|saldo pocz[aą]tkowe|ing[aå]ende saldo|saldo anterior|alkusaldo)")),
    ("closing balance", (
        r"^\s*(closing|ending|new)\s+balance"
        r"|^\s*(endsaldo|schlusssaldo|neuer kontostand|balance carried forward|saldo final"
        r"|solde (final|fin)|saldo finale|eindsaldo|saldo ko[nń]cowe|utg[aå]ende saldo"
        r"|loppusaldo)")),
    ("summary line", r"^\s*(total|totals|summe|gesamt|totale|totaal|suma|summa|yhteens[aä])\b"),
    ("account balance", r"^\s*((available|current)\s+balance|saldo|kontostand|solde|balance)\b"),
)


def _mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


_ANY_KIND = "|".join(f"(?:{pattern})" for _, pattern in LINE_KINDS)


def line_kinds(text: pa.Array) -> np.ndarray:
    """Per row: the kind of non-transaction line its text says it is, or None. One pass over
    all rows; only the (few) rows that match are classified further."""
    reasons = np.full(len(text), None, dtype=object)
    hit = np.flatnonzero(_mask(pc.match_substring_regex(text, _ANY_KIND, ignore_case=True)))
    if not len(hit):
        return reasons
    few = text.take(pa.array(hit))
    open_ = np.ones(len(hit), dtype=bool)
    for reason, pattern in LINE_KINDS:
        match = _mask(pc.match_substring_regex(few, pattern, ignore_case=True)) & open_
        reasons[hit[match]] = reason
        open_ &= ~match
    return reasons


def skipped_rows(reasons: np.ndarray, lines: np.ndarray) -> list[SkippedRow]:
    """``SkippedRow`` per row with a reason (only those rows are looked at one by one)."""
    picked = np.flatnonzero(reasons != None)  # noqa: E711 (element-wise)
    return [SkippedRow(int(lines[p]), str(reasons[p])) for p in picked]


def describe_skipped(counts: dict[str, int], lines_by_reason: dict[str, list[int]],
                     shown: int = 3) -> str:
    """``opening balance line 5, pending lines 12, 14`` or ``250 pending`` when many."""
    parts = []
    for reason, count in counts.items():
        lines = lines_by_reason.get(reason, [])
        if count <= shown and lines:
            word = "line" if count == 1 else "lines"
            parts.append(f"{reason} {word} {', '.join(str(n) for n in lines)}")
        else:
            parts.append(f"{count:,} {reason}")
    return ", ".join(parts)


__all__ = ["LINE_KINDS", "describe_skipped", "line_kinds", "skipped_rows"]
