"""The "Correct the mapping" form of the Import page, as plain data and transitions.

The page keeps the user's corrections of one file as a dict (``fixes``) that becomes the
``Mapping`` options of the next preview. This module says what the form shows for a file
(every column for every role, the layout settings, the date and decimal choices) and how a
change turns into the next ``fixes``; it imports no Streamlit, so the rules are tested
without a browser:

- a role set to "(none)" is stored as ``""``, which overrides a detected or profile column
  (``None`` would leave it in force);
- a signed amount column and money-out/money-in columns exclude each other;
- changing the lines before the header, or whether there is a header, renames the columns,
  so the column choices made so far are dropped and the form is read afresh;
- choosing a date format drops the date order and the other way round (a format says both).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from fintrack_core.imports.book_profiles import HAND_FORMATS
from fintrack_core.imports.dates import FORMATS, ORDERS, describe
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.table_preview import TablePreview

NONE = ""  # "(none)" chosen: no column for this role, whatever detection found
AUTO = "auto"
COLUMN_ROLES: tuple[tuple[str, str], ...] = (
    ("date", "Date column"), ("amount", "Amount column (signed)"),
    ("debit", "Money-out column"), ("credit", "Money-in column"),
    ("direction", "Direction column (CR/DR)"), ("payee", "Payee column"),
    ("currency", "Currency column"), ("balance", "Balance column"))
ROLE_NAMES = tuple(r for r, _ in COLUMN_ROLES)
LAYOUT_FIELDS = ("skip_rows", "has_header", "encoding", "delimiter")
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
DATE_FORMATS: tuple[str, ...] = (AUTO, *(f for f, _ in FORMATS), *(f for f, _ in HAND_FORMATS))
DATE_ORDERS: tuple[str, ...] = (AUTO, *ORDERS)
DECIMALS: tuple[str, ...] = (AUTO, ".", ",")
_EXAMPLE_DAY = dt.date(2024, 3, 5)


def date_format_label(fmt: str) -> str:
    """'%d%m%Y' -> 'DDMMYYYY (05032024)': the pattern and what 5 March 2024 looks like."""
    if fmt == AUTO:
        return "detect from the file"
    return f"{describe(fmt)} ({_EXAMPLE_DAY.strftime(fmt)})"


def delimiter_label(sep: str) -> str:
    return {",": "comma ,", ";": "semicolon ;", "\t": "tab", "|": "bar |"}.get(sep, repr(sep))


def decimal_label(sep: str) -> str:
    return {AUTO: "detect from the file", ".": "point (1,234.56)",
            ",": "comma (1.234,56)"}[sep]


@dataclass(frozen=True)
class MappingForm:
    """What the form shows for one file, before the user changes anything."""

    columns: list[str]
    roles: dict[str, str]            # role -> column, or NONE
    description: list[str]
    skip_rows: int
    has_header: bool
    encoding: str
    delimiter: str
    date_format: str                 # AUTO or a strftime format
    date_order: str                  # AUTO, dmy, mdy or ymd
    decimal: str                     # AUTO, "." or ","
    negate: bool
    raw_lines: list[tuple[int, str]]
    sample: pd.DataFrame
    problem: str | None

    def choices(self) -> list[str]:
        """The options of every column dropdown: "(none)" and each column of the file."""
        return [NONE, *self.columns]

    def missing(self) -> list[str]:
        """What the user still has to choose before the file can be read."""
        needs = []
        if not self.roles.get("date"):
            needs.append("the date column")
        if not (self.roles.get("amount") or self.roles.get("debit")
                or self.roles.get("credit")):
            needs.append("the amount column (or the money-out and money-in columns)")
        return needs


def build_form(table: TablePreview, used: Mapping | None, fixes: dict[str, Any]
               ) -> MappingForm:
    """The form for a file: the user's corrections, else the mapping the last preview used,
    else the guess from the first rows (so a file detection cannot read still starts from
    its best guess)."""
    columns = list(table.columns)

    def pick(role: str) -> str:
        if role in fixes:
            return str(fixes[role] or NONE)
        for source in (used, table.guess):
            value = getattr(source, role, None) if source is not None else None
            if value and value in columns:
                return str(value)
        return NONE

    if "description" in fixes:
        description = [d for d in fixes["description"] if d in columns]
    else:
        base = used if used is not None else table.guess
        description = [d for d in (base.description if base else ()) if d in columns]
    return MappingForm(
        columns=columns, roles={r: pick(r) for r in ROLE_NAMES}, description=description,
        skip_rows=int(fixes.get("skip_rows", table.skip_rows) or 0),
        has_header=bool(fixes.get("has_header", table.header_line is not None)),
        encoding=str(fixes.get("encoding") or table.encoding),
        delimiter=str(fixes.get("delimiter") or table.delimiter or ","),
        date_format=str(fixes.get("date_format") or (used.date_format if used else None)
                        or AUTO),
        date_order=str(fixes.get("date_order") or (used.date_order if used else None)
                       or AUTO),
        decimal=str(fixes.get("decimal") or (used.decimal if used else None) or AUTO),
        negate=bool(fixes.get("negate", used.negate if used else False)),
        raw_lines=table.raw_lines, sample=table.sample, problem=table.problem)


def change(fixes: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    """The corrections after the user set ``field`` to ``value`` (a new dict)."""
    new = dict(fixes)
    if field in ROLE_NAMES:
        new[field] = value or NONE
        if field == "amount" and value:
            new["debit"] = new["credit"] = NONE
        elif field in ("debit", "credit") and value:
            new["amount"] = new["direction"] = NONE
    elif field == "description":
        new["description"] = list(value)
    elif field in LAYOUT_FIELDS:
        if field == "skip_rows":
            new[field] = int(value)
        elif field == "has_header":
            new[field] = bool(value)
        elif str(value).strip():
            new[field] = str(value).strip()
        else:
            new.pop(field, None)  # an emptied encoding: detect it again
        for role in (*ROLE_NAMES, "description"):  # the columns are named anew
            new.pop(role, None)
    elif field == "date_format":
        new.pop("date_order", None)
        _set_or_drop(new, field, value)
    elif field == "date_order":
        new.pop("date_format", None)
        _set_or_drop(new, field, value)
    elif field == "decimal":
        _set_or_drop(new, field, value)
    elif field == "negate":
        # Explicit both ways: unticking must switch off a profile's or a remembered flip.
        new[field] = bool(value)
    else:
        raise ValueError(f"no such field in the mapping form: {field!r}")
    return new


def _set_or_drop(fixes: dict[str, Any], field: str, value: Any) -> None:
    if value == AUTO:
        fixes.pop(field, None)
    else:
        fixes[field] = value


def apply_form(fixes: dict[str, Any], form: MappingForm, values: dict[str, Any]
               ) -> dict[str, Any] | None:
    """The corrections after one run of the form (``values``: field -> what its widget
    shows now), or None when nothing changed. A layout change wins: the other widgets
    still show the old file's columns."""
    before = {**form.roles, "description": form.description, "skip_rows": form.skip_rows,
              "has_header": form.has_header, "encoding": form.encoding,
              "delimiter": form.delimiter, "date_format": form.date_format,
              "date_order": form.date_order, "decimal": form.decimal, "negate": form.negate}
    changed = [f for f, v in values.items() if f in before and v != before[f]]
    if not changed:
        return None
    layout = [f for f in changed if f in LAYOUT_FIELDS]
    new = dict(fixes)
    for field in layout or changed:
        new = change(new, field, values[field])
    return new


def as_options(fixes: dict[str, Any]) -> Mapping:
    """The corrections as the ``Mapping`` options of a preview or an import."""
    return Mapping.from_dict(dict(fixes))


def profile_name_for(filename: str) -> str:
    """A profile name to suggest for a file: 'Nordea März 2024.csv' -> 'nordea_m_rz'."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", filename).lower()
    stem = re.sub(r"\d+", " ", stem)
    name = re.sub(r"[^a-z0-9]+", "_", stem).strip("_")[:64]
    return name or "my_bank"


__all__ = ["AUTO", "COLUMN_ROLES", "DATE_FORMATS", "DATE_ORDERS", "DECIMALS", "DELIMITERS",
           "NONE", "MappingForm", "apply_form", "as_options", "build_form", "change",
           "date_format_label", "decimal_label", "delimiter_label", "profile_name_for"]
