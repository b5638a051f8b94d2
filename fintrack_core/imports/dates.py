"""Date columns: detect the format from all of a file's values, then parse them vectorised.

Day-first versus month-first is decided from every row (one ``13/02`` settles it). When the
whole file cannot tell (every day is 12 or less), the caller must say: a saved profile, the
user in the preview, or ``--date-order`` on the command line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

# (strftime format, order) — order is what a person would call it: dmy, mdy or ymd.
FORMATS: list[tuple[str, str]] = [
    ("%Y-%m-%d", "ymd"), ("%Y/%m/%d", "ymd"), ("%Y.%m.%d", "ymd"), ("%Y%m%d", "ymd"),
    ("%d/%m/%Y", "dmy"), ("%m/%d/%Y", "mdy"), ("%d.%m.%Y", "dmy"), ("%d-%m-%Y", "dmy"),
    ("%m-%d-%Y", "mdy"), ("%d/%m/%y", "dmy"), ("%m/%d/%y", "mdy"), ("%d.%m.%y", "dmy"),
    ("%d-%m-%y", "dmy"), ("%m-%d-%y", "mdy"),
    ("%d %b %Y", "dmy"), ("%d %B %Y", "dmy"), ("%d-%b-%Y", "dmy"), ("%d-%b-%y", "dmy"),
    ("%d %b %y", "dmy"), ("%b %d, %Y", "mdy"), ("%B %d, %Y", "mdy"), ("%b %d %Y", "mdy"),
]
ORDERS = ("dmy", "mdy", "ymd")
_TIME_SUFFIX = (r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[AaPp][Mm])?"
                r"(?:Z|[+-]\d{2}:?\d{2})?)$")


@dataclass(frozen=True, slots=True)
class DateFormat:
    fmt: str
    order: str
    ambiguous: bool  # another order parses every value too


class DateOrderNeeded(ValueError):
    """Every value parses both day-first and month-first; someone has to say which."""

    def __init__(self, candidates: list[str]) -> None:
        super().__init__("the date order cannot be told from this file (every day is 12 or "
                         f"less); choose one of {', '.join(candidates)}")
        self.candidates = candidates


def clean(values: pd.Series) -> pd.Series:
    """Trim and drop a time of day, so '2024-02-05 14:33:10' reads as '2024-02-05'."""
    s = values.astype("string").fillna("").str.strip()
    return s.str.replace(_TIME_SUFFIX, "", regex=True).str.strip()


def _parse_with(uniques: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(uniques, format=fmt, errors="coerce")


def detect_format(values: pd.Series, order: str | None = None) -> DateFormat | None:
    """The format that parses the most (non-empty) values; ``order`` breaks a dmy/mdy tie.

    Raises ``DateOrderNeeded`` when two orders parse everything and ``order`` is not given.
    Returns None when no format parses a majority of values (not a date column).
    """
    raw = pd.Series(values.astype("object").dropna().unique())
    uniques = pd.Series(clean(raw).unique()).replace("", pd.NA).dropna()
    if uniques.empty:
        return None
    sample = uniques if len(uniques) <= 5000 else uniques.sample(5000, random_state=0)
    scores = [(int(_parse_with(sample, fmt).notna().sum()), fmt, o) for fmt, o in FORMATS]
    best = max(s for s, _, _ in scores)
    if best < max(1, len(sample) // 2):
        return None
    winners = [(fmt, o) for s, fmt, o in scores if s == best]
    orders = sorted({o for _, o in winners})
    if len(orders) == 1:
        return DateFormat(winners[0][0], orders[0], ambiguous=False)
    if order in orders:
        fmt = next(f for f, o in winners if o == order)
        return DateFormat(fmt, order, ambiguous=True)
    raise DateOrderNeeded(orders)


def parse_dates(values: pd.Series, fmt: str) -> pd.Series:
    """Parse with one format; unparseable cells become NaT. Each distinct text parsed once."""
    codes, uniques = pd.factorize(values.astype("object").where(values.notna(), ""))
    parsed = _parse_with(clean(pd.Series(uniques, dtype="object")), fmt)
    return pd.Series(parsed.to_numpy()[codes] if len(codes) else np.array([], "datetime64[ns]"),
                     index=values.index)


def to_dates(parsed: pd.Series) -> list[dt.date | None]:
    return [None if pd.isna(v) else v.date() for v in parsed]


def describe(fmt: str) -> str:
    """'%d/%m/%Y' -> 'DD/MM/YYYY' for messages."""
    return (fmt.replace("%d", "DD").replace("%m", "MM").replace("%Y", "YYYY")
            .replace("%y", "YY").replace("%b", "Mon").replace("%B", "Month"))
