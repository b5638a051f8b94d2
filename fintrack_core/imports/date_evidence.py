"""Day-first or month-first when every date of a file fits both (no day above 12).

``dates.detect_format`` settles the order from the values whenever one value can (``13/02``).
When none can, other evidence can, and the preview says which one decided:

1. a second date column of the same file that is not ambiguous (a value date, a posting
   date): both columns come from the same bank's export code;
2. the account's earlier imports (the order stored with its mapping);
3. the file's conventions: a header in a language whose countries write day-first
   ("Buchungstag", "Montant", "Fecha"...) and amounts with a decimal comma (1.234,56);
4. the user's own locale setting (only when they set one).

The first three are evidence about this file and account; the locale is only asked when
they say nothing. If the evidence disagrees (a value date says month-first but the header is
German, or the account's earlier files were day-first) nothing is guessed:
``DateOrderNeeded`` is raised and the user is asked, as before.

A card export with both a transaction date and a posting date is read by its transaction date
(the day the money was spent; see ``mapping.SYNONYMS``); the mapping can name the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from fintrack_core.imports.dates import DateFormat, DateOrderNeeded, detect_format
from fintrack_core.imports.mapping import norm

ORDER_NAMES = {"dmy": "day-first", "mdy": "month-first", "ymd": "year-first"}
# Header words of languages whose countries write dates day-first.
HEADER_LANGUAGES = {
    "German": ("datum", "betrag", "buchungstag", "buchungsdatum", "verwendungszweck",
               "wertstellung", "buchungstext", "umsatz", "empfänger", "auftraggeber"),
    "French": ("montant", "libellé", "libelle", "date opération", "date operation",
               "date valeur", "débit", "crédit", "solde"),
    "Spanish": ("fecha", "importe", "concepto", "movimiento"),
    "Dutch": ("bedrag", "omschrijving", "rekening", "tegenrekening"),
    "Italian": ("importo", "causale", "data contabile", "data valuta"),
}
_DECIMAL_COMMA = re.compile(r"^[-+(]?[\d.\s\u00a0]*\d,\d{1,2}\)?-?$")
_DECIMAL_POINT = re.compile(r"^[-+(]?[\d,\s\u00a0]*\d\.\d{1,2}\)?-?$")
_DATE_HEADER = re.compile(r"date|datum|valuta|wertstellung|buchung|fecha|data")


@dataclass(frozen=True)
class DateHints:
    """What is known beyond the file: the order of the account's earlier imports and the
    locale the user chose (None when they did not choose one)."""

    earlier_order: str | None = None
    locale: str | None = None


def _other_columns(frame: pd.DataFrame, columns: list[str], date_col: str,
                   candidates: list[str]) -> list[tuple[str, str]]:
    votes = []
    for col in columns:
        if col == date_col or col not in frame.columns or not _DATE_HEADER.search(col.lower()):
            continue
        try:
            fmt = detect_format(frame[col].head(5000))
        except DateOrderNeeded:
            continue
        if fmt is not None and not fmt.ambiguous and fmt.order in candidates:
            votes.append((fmt.order, f"the {col!r} column, whose dates only read "
                                     f"{ORDER_NAMES[fmt.order]}"))
    return votes


def _conventions(frame: pd.DataFrame, columns: list[str], amount_cols: list[str]
                 ) -> list[tuple[str, str]]:
    votes = []
    headers = [norm(c) for c in columns]
    for language, words in HEADER_LANGUAGES.items():
        word = next((w for h in headers for w in words if h == w or h.startswith(w + " ")),
                    None)
        if word:
            votes.append(("dmy", f"the header's language ({language}, {word!r}), written "
                                 "day-first"))
            break
    comma = point = 0
    for col in amount_cols:
        values = frame[col].head(5000).astype(str).str.strip()
        comma += int(values.str.match(_DECIMAL_COMMA).sum())
        point += int(values.str.match(_DECIMAL_POINT).sum())
    if comma > point:
        votes.append(("dmy", "the amounts' decimal comma (1.234,56), a day-first convention"))
    return votes


def _locale(locale: str | None) -> list[tuple[str, str]]:
    if not locale:
        return []
    order = "mdy" if locale == "en_US" else "ymd" if locale == "ja_JP" else "dmy"
    return [(order, f"your locale setting ({locale})")]


def decide_order(frame: pd.DataFrame, columns: list[str], date_col: str,
                 amount_cols: list[str], values: pd.Series, hints: DateHints | None,
                 ) -> tuple[DateFormat, str]:
    """The format of an all-ambiguous date column and the evidence that decided it.

    Raises ``DateOrderNeeded`` when there is no evidence or the deciding evidence disagrees.
    """
    try:
        detect_format(values)
    except DateOrderNeeded as exc:
        candidates = exc.candidates
    else:  # not ambiguous after all: nothing to decide
        raise ValueError("decide_order is for ambiguous date columns")
    hints = hints or DateHints()
    tiers = [  # what this file and this account say; then, only if they say nothing, you
        [*_other_columns(frame, columns, date_col, candidates),
         *([(hints.earlier_order, "the account's earlier imports")]
           if hints.earlier_order in candidates else []),
         *_conventions(frame, columns, amount_cols)],
        _locale(hints.locale),
    ]
    for votes in tiers:
        votes = [(o, why) for o, why in votes if o in candidates]
        if not votes:
            continue
        orders = {o for o, _ in votes}
        if len(orders) > 1:
            said = "; ".join(f"{why} says {ORDER_NAMES[o]}" for o, why in votes)
            ask = DateOrderNeeded(candidates)
            ask.args = (f"the date order cannot be told from this file (every day is 12 or "
                        f"less) and the evidence disagrees: {said}; choose one of "
                        f"{', '.join(candidates)}",)
            raise ask
        order = votes[0][0]
        fmt = detect_format(values, order)
        assert fmt is not None  # the same values parsed in every candidate order above
        return fmt, " and ".join(why for _, why in votes)
    raise DateOrderNeeded(candidates)


__all__ = ["DateHints", "decide_order"]
