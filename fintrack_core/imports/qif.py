"""QIF (Quicken Interchange Format) statements -> :class:`ParsedStatement`.

A small parser of our own rather than ``quiffen==4.0.1``. We tried quiffen on the files this
module has to read, and it gets them wrong in ways we cannot work around from outside:

* one bad record aborts the whole file: a date it cannot read raises dateutil's
  ``ParserError``, an amount it cannot read raises ``decimal.InvalidOperation`` and an
  unknown field code raises ``ValueError``. We must put that record in ``invalid`` with its
  line number and keep the rest.
* dates go one by one through ``dateutil.parser`` with a ``day_first`` flag, which silently
  swaps day and month whenever the "month" is over 12: in one file ``01/02/2024`` became
  2 January and ``13/02/2024`` 13 February. A lone ``D5`` became the 5th of the *current*
  month. We decide the order once, from all the dates in the file.
* amounts are cleaned by deleting every character that is not a digit, ``.`` or ``-``, so
  ``-1.234,56`` became ``-1.23456`` without a word.
* the line numbers it records were off (records on lines 2, 6 and 10 were numbered 1, 7, 13).
* it needs pydantic, and its pandas extra pins ``pandas<3`` on Python < 3.13.

QIF in one paragraph: a ``!Type:Bank`` (``Cash``, ``CCard``, ``Oth A``, ``Oth L``) header is
followed by records of one-letter fields (``D`` date, ``T``/``U`` amount, ``P`` payee, ``M``
memo, ``C`` cleared, ``N`` number, ``A`` address lines, ``L`` category, ``S``/``E``/``$``
split lines), each record ending with ``^``. Full Quicken exports add account lists
(``!Account``, ``!Option:AutoSwitch``), category/class/memorised lists and investment
sections (``!Type:Invst``); we read the transaction sections, take the account name from the
``!Account`` record that precedes them, and skip the rest, counting what was skipped in
``detected["skipped_sections"]``. A file with investment records and no bank/cash/card
records is refused: investment import is a later feature.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd

from fintrack_core.imports.statement import (
    COLUMNS,
    ParsedStatement,
    RowError,
    StatementError,
    canonical_amount,
    decode_text,
    empty_rows,
)

# Extra column beyond statement.COLUMNS: the Quicken account name from the preceding
# ``!Account`` record (None when the file has no account records).
QIF_COLUMNS = (*COLUMNS, "source_account")
DATE_ORDERS = ("dmy", "mdy", "ymd")

# ``!Type:`` names (lower case, spaces removed) of sections holding plain transactions.
_TRANSACTION_TYPES = {
    "bank": "Bank", "cash": "Cash", "ccard": "CCard", "otha": "Oth A", "othl": "Oth L",
}
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
# 1/31'24, 1/ 5'24, 12/31' 4, 01/31/2024, 31.01.2024, 01-31-2024, 2024-01-31 ...
_DATE_RE = re.compile(r"(\d{1,4})\s*([/.-])\s*(\d{1,2})\s*([/.'-])\s*(\d{1,4})")
# 1,234.56 / 1234.56 / -.5 (US, QIF's own convention) and 1.234,56 / 12,50 (European
# exporters). A comma followed by exactly three digits is a thousands separator. Bounded to
# 15 integer digits and 6 decimals (the importer's fixed-point scale).
_US_AMOUNT_RE = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3}){1,4}|\d{1,15})(?:\.\d{0,6})?|\.\d{1,6})")
_EU_AMOUNT_RE = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3}){1,4}|\d{1,15}),\d{1,6}")


@dataclass
class _Record:
    """One ``^``-terminated transaction record: its first line and its fields."""

    line: int
    account: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    terminated: bool = False

    def first(self, code: str) -> str | None:
        """The first value of ``code`` before any split line (splits repeat E/$ codes)."""
        for c, value in self.fields:
            if c == "S":
                return None
            if c == code:
                return value
        return None


def parse_qif(data: bytes, date_order: str | None = None) -> ParsedStatement:
    """Parse a QIF file's bank, cash, credit-card and other-asset/liability transactions.

    ``date_order`` ("dmy", "mdy" or "ymd") says how to read dates like ``01/02/2024``; when
    it is None the order is decided from every date in the file (a first part over 12 means
    day-month, a second part over 12 means month-day) and, if no date settles it, month-day
    is assumed (QIF is Quicken's US format) and ``detected["date_order_assumed"]`` is True.
    Records with a bad date or amount go to ``invalid`` with their line number.
    """
    if date_order is not None and date_order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {', '.join(DATE_ORDERS)}, not {date_order!r}")
    text, encoding = _decode(data)
    reader = _Reader()
    reader.read(_NEWLINE_RE.split(text))
    records = reader.records
    if not records:
        raise StatementError(reader.why_empty())

    dates = [_DATE_RE.fullmatch(r.first("D") or "") for r in records]
    order, assumed, conflict = _decide_order(dates, date_order)

    rows: list[dict[str, object]] = []
    invalid: list[RowError] = []
    for record, match in zip(records, dates, strict=True):
        row, error = _row(record, match, order)
        if error:
            invalid.append(RowError(record.line, error))
        else:
            rows.append(row)

    detected: dict[str, object] = {
        "encoding": encoding,
        "account_types": reader.types_seen,
        "accounts": reader.accounts,
        "date_order": order,
        "date_order_assumed": assumed,
        "date_order_conflict": conflict,
        "skipped_sections": dict(reader.skipped),
        "split_records": sum(1 for r in records if any(c == "S" for c, _ in r.fields)),
        "unterminated_records": sum(1 for r in records if not r.terminated),
    }
    # dtype=object: pandas 3 would infer its ``str`` dtype and turn None into NaN.
    frame = pd.DataFrame(rows, columns=list(QIF_COLUMNS), dtype=object) if rows else _empty()
    return ParsedStatement(
        rows=frame.astype({"line": "int64"}), invalid=invalid, format="qif", profile=None,
        detected=detected, data_rows=len(records),
    )


# --- reading the file -------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    return decode_text(data, "QIF")


class _Reader:
    """Walks the lines once: headers switch sections, ``^`` ends records."""

    def __init__(self) -> None:
        self.records: list[_Record] = []
        self.accounts: list[str] = []
        self.types_seen: list[str] = []
        self.skipped: Counter[str] = Counter()
        self._section: str | None = None  # "account", a _TRANSACTION_TYPES key, or other
        self._section_name = ""  # as written, for messages and detected["skipped_sections"]
        self._account: str | None = None
        self._autoswitch = False  # inside an !Option:AutoSwitch account *list*
        self._fields: list[tuple[int, str, str]] = []

    def read(self, lines: list[str]) -> None:
        first = next((line.strip() for line in lines if line.strip()), "")
        if not first.startswith("!"):
            shown = first[:40]
            raise StatementError(
                f"not a QIF file: it should start with a header such as '!Type:Bank', "
                f"found {shown!r}"
            )
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("!"):
                self._end_record(terminated=False)
                self._header(line)
            elif line.startswith("^"):
                self._end_record(terminated=True)
            else:
                self._fields.append((number, line[0], line[1:].strip()))
        self._end_record(terminated=False)

    def _header(self, line: str) -> None:
        key = line[1:].lower().replace(" ", "")
        if key == "option:autoswitch":
            self._autoswitch = True
        elif key == "clear:autoswitch":
            self._autoswitch = False
        elif key.startswith(("option:", "clear:")):
            pass  # flags such as !Option:MDY carry no records
        elif key == "account":
            self._section, self._section_name = "account", "Account"
        else:
            name = line[1:].split(":", 1)[1].strip() if ":" in line else line[1:].strip()
            self._section = key.removeprefix("type:") if key.startswith("type:") else key
            self._section_name = name or line
            if self._section in _TRANSACTION_TYPES:
                label = _TRANSACTION_TYPES[self._section]
                if label not in self.types_seen:
                    self.types_seen.append(label)

    def _end_record(self, *, terminated: bool) -> None:
        fields, self._fields = self._fields, []
        if not fields:
            return
        if self._section == "account":
            name = next((value for _, code, value in fields if code == "N"), None)
            if name:
                if name not in self.accounts:
                    self.accounts.append(name)
                if not self._autoswitch:
                    self._account = name  # the transactions that follow belong to it
        elif self._section in _TRANSACTION_TYPES:
            self.records.append(_Record(
                line=fields[0][0],
                account=self._account,
                fields=[(c, v) for _, c, v in fields],
                terminated=terminated,
            ))
        else:
            self.skipped[self._section_name] += 1

    def why_empty(self) -> str:
        if any(name.lower() == "invst" for name in self.skipped):
            return "investment QIF is not supported yet"
        if self.types_seen:
            return f"the QIF file has a !Type:{self.types_seen[0]} header but no transactions"
        if self.skipped:
            return (
                "the QIF file holds no bank, cash or credit-card transactions (only: "
                f"{', '.join(self.skipped)})"
            )
        return "the QIF file holds no transactions"


# --- dates and amounts ------------------------------------------------------------------


def _decide_order(
    dates: list[re.Match[str] | None], date_order: str | None
) -> tuple[str, bool, bool]:
    """Pick day-month or month-day for the file: (order, assumed, conflicting evidence)."""
    if date_order is not None:
        return date_order, False, False
    dmy = mdy = ambiguous = year_first = 0
    for match in dates:
        if match is None:
            continue
        if len(match[1]) == 4:  # 2024-01-31 reads the same whatever the order
            year_first += 1
            continue
        first, second = int(match[1]), int(match[3])
        if 12 < first <= 31 and 1 <= second <= 12:
            dmy += 1
        elif 12 < second <= 31 and 1 <= first <= 12:
            mdy += 1
        else:
            ambiguous += 1
    if dmy and mdy:
        return ("dmy" if dmy > mdy else "mdy"), False, True
    if dmy:
        return "dmy", False, False
    if mdy:
        return "mdy", False, False
    if year_first and not ambiguous:
        return "ymd", False, False
    return "mdy", True, False


def _year(text: str, separator: str) -> int | None:
    """Quicken writes 2000+ years after an apostrophe (``1/31'24``, ``1/31' 4``)."""
    if len(text) == 4:
        return int(text)
    if separator == "'" and len(text) <= 2:
        return 2000 + int(text)
    if len(text) == 2:
        # Same pivot as strptime's %y: 69-99 -> 1900s, 00-68 -> 2000s.
        return int(text) + (1900 if int(text) >= 69 else 2000)
    return None


def _qif_date(match: re.Match[str] | None, order: str) -> date | None:
    if match is None:
        return None
    a, _, b, sep, c = match.groups()
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif order == "ymd":
        if len(c) > 2:
            return None
        year_or_none = _year(a, "/")
        if year_or_none is None:
            return None
        year, month, day = year_or_none, int(b), int(c)
    else:
        year_or_none = _year(c, sep)
        if year_or_none is None or len(a) > 2:
            return None
        year = year_or_none
        day, month = (int(a), int(b)) if order == "dmy" else (int(b), int(a))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _qif_amount(text: str | None) -> Decimal | None:
    if text is None:
        return None
    value = text.replace(" ", "")
    if _US_AMOUNT_RE.fullmatch(value):
        return Decimal(value.replace(",", ""))
    if _EU_AMOUNT_RE.fullmatch(value):
        return Decimal(value.replace(".", "").replace(",", "."))
    return None


def _row(
    record: _Record, match: re.Match[str] | None, order: str
) -> tuple[dict[str, object], str | None]:
    raw_date = record.first("D")
    raw_amount = record.first("T")
    if raw_amount is None:
        raw_amount = record.first("U")  # Quicken 2005+ writes U alongside (or instead of) T
    when = _qif_date(match, order)
    amount = _qif_amount(raw_amount)
    problems = []
    if when is None:
        problems.append(
            "missing date (D line)" if raw_date is None
            else f"bad date {raw_date!r} (read as {order.upper()})"
        )
    if amount is None:
        problems.append(
            "missing amount (T line)" if raw_amount is None else f"bad amount {raw_amount!r}"
        )
    if when is None or amount is None:
        return {}, "; ".join(problems)
    return {
        "line": record.line,
        "date": when,
        "amount": canonical_amount(amount),
        "payee": record.first("P") or "",
        "description": record.first("M") or "",
        "currency": None,  # QIF does not say; the account's currency applies
        "source_account": record.account,
    }, None


def _empty() -> pd.DataFrame:
    rows = empty_rows()
    rows["source_account"] = pd.Series(dtype="object")
    return rows
