"""SWIFT MT940 statements (``.sta``, ``.mt940``, ``.940``) -> :class:`ParsedStatement`.

Read by our own small tokenizer rather than the ``mt-940`` package: we need the line of every
``:61:`` for error messages, amounts as exact decimals, and leniency with what real exports
do, and each of those would be a patch over the library's processors. Handled:

* CRLF/LF/CR line ends; ``{1:...}{2:...}{4:`` headers and ``-}``/``{5:...}`` trailers of
  files taken from a SWIFT envelope; a bare ``-`` between statements; blank lines;
* several statements (``:20:`` blocks) and several accounts (``:25:``) in one file: each row
  names its account, so the importer routes it; ``:60M:``/``:62M:`` (a statement continued on
  another page) are balances like ``:60F:``/``:62F:``;
* ``:61:`` value date, optional entry date (``MMDD``, its year taken from the value date,
  across a year end too), ``C``/``D``/``RC``/``RD`` (a reversal of a credit is money out),
  optional funds code, amount with a decimal comma, transaction type, the customer
  reference and ``//`` the bank reference, which is the duplicate key unless it is
  ``NONREF``; the date of a row is the entry (booking) date when given, else the value date;
* ``:86:`` information: German structured ``GVC?00...?20...`` subfields (any separator
  character, e.g. ``?`` or ``~``) with the payee in ``?32``/``?33`` and the purpose in
  ``?20``-``?29``/``?60``-``?63`` (the SEPA ``SVWZ+`` part when there is one); Dutch
  ``/NAME/``, ``/REMI/`` keywords; otherwise free text. A missing ``:86:`` is fine;
* cp1252/Latin-1 text (German banks), UTF-8 when the file is valid UTF-8.

Each statement's ``:60F:`` + its ``:61:`` amounts is checked against ``:62F:``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from fintrack_core.imports.bank_statement import AccountStatement, Collected
from fintrack_core.imports.statement import (
    ParsedStatement,
    RowError,
    StatementError,
    decode_text,
)

_TAG_RE = re.compile(r":(\d{2}[A-Z]?):")
_ENVELOPE_RE = re.compile(r"\{[1-35]:[^{}]*\}|\{4:|-\}")
_BALANCE_RE = re.compile(r"([CD])(\d{6})([A-Z]{3})(\d{1,15},\d{0,6})")
_ENTRY_RE = re.compile(
    r"(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>R?[CD])(?P<funds>[A-Z])?"
    r"(?P<amount>\d{1,15},\d{0,6})(?P<type>[NSF][A-Z0-9]{3})(?P<ref>.*?)"
    r"(?://(?P<bank>.*))?$")
_GERMAN_RE = re.compile(r"^\d{3}(?P<sep>[?~^])\d{2}")
_SEPA_KEYS_RE = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+")
_DUTCH_KEYS = ("TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "MARF", "CSID", "CNTP", "ORDP",
               "BENM", "ULTC", "ULTD", "PURP", "ADDR", "PREF", "RTRN", "ISDT")
_DUTCH_RE = re.compile(r"/(" + "|".join(_DUTCH_KEYS) + r")/")
_SIGNS = {"C": 1, "D": -1, "RC": -1, "RD": 1}
# SWIFT transaction type codes, the description of an entry that has no other text.
_TYPES = {"CHG": "Charges", "INT": "Interest", "TRF": "Transfer", "DDT": "Direct debit",
          "STO": "Standing order", "CHK": "Cheque", "DCR": "Card payment",
          "RTI": "Returned item", "FEX": "Foreign exchange", "MSC": "Miscellaneous"}


@dataclass
class _Field:
    tag: str
    line: int
    lines: list[str] = field(default_factory=list)


@dataclass
class _Row:
    """A :61: entry waiting for the :86: that may follow it."""

    line: int
    date: dt.date
    amount: Decimal
    currency: str | None
    description: str
    external_id: str | None
    account: str
    payee: str = ""


def parse_mt940(data: bytes) -> ParsedStatement:
    """Parse an MT940 file. Raises :class:`StatementError` when it holds no statement."""
    text, encoding = decode_text(data, "MT940")
    fields = _fields(text)
    if not any(f.tag == "61" for f in fields) and not any(f.tag == "25" for f in fields):
        raise StatementError("not an MT940 statement: no :25: account or :61: entry lines")
    out = Collected()
    stmt: AccountStatement | None = None
    pending: _Row | None = None
    for f in fields:
        value = "\n".join(f.lines)
        if f.tag != "86":  # an entry's :86: follows its :61: at once; a later one is not its
            _flush(pending, out)
            pending = None
        if f.tag == "20" or stmt is None:
            stmt = AccountStatement(account="", currency=None, label=f"statement {value}")
            out.statements.append(stmt)
        if f.tag == "25":
            stmt.account = value.strip()
            stmt.label = f"{stmt.label} of {stmt.account}"
        elif f.tag == "28C":
            stmt.label = f"{stmt.label} (no. {value.strip()})"
        elif f.tag in ("60F", "60M", "62F", "62M"):
            _balance(f, value, stmt, out)
        elif f.tag == "61":
            pending = _entry(f, stmt, out)
        elif f.tag == "86" and pending is not None:
            payee, description = _information(f.lines)
            pending.payee = payee
            pending.description = description or pending.description
            _flush(pending, out)
            pending = None
    _flush(pending, out)
    if not out.records and not out.invalid:
        raise StatementError("the MT940 file contains no :61: entries")
    return out.finish("mt940", {"encoding": encoding})


def _fields(text: str) -> list[_Field]:
    """``:TAG:`` fields with their continuation lines and the line each starts on."""
    fields: list[_Field] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _ENVELOPE_RE.sub("", raw).rstrip()
        if not line.strip() or line.strip() == "-":
            continue
        match = _TAG_RE.match(line.lstrip())
        if match:
            fields.append(_Field(match.group(1), number, [line.lstrip()[match.end():]]))
        elif fields:
            fields[-1].lines.append(line)
    return fields


def _balance(f: _Field, value: str, stmt: AccountStatement, out: Collected) -> None:
    match = _BALANCE_RE.match(value.strip())
    if not match:
        out.invalid.append(RowError(f.line, f"unreadable balance :{f.tag}: {value.strip()!r}"))
        return
    amount = Decimal(match[4].replace(",", "."))
    signed = -amount if match[1] == "D" else amount
    stmt.currency = stmt.currency or match[3]
    if f.tag.startswith("60") and stmt.opening is None:
        stmt.opening = signed
    elif f.tag.startswith("62"):
        stmt.closing = signed


def _entry(f: _Field, stmt: AccountStatement, out: Collected) -> _Row | None:
    match = _ENTRY_RE.match(f.lines[0].strip())
    value_date = _yymmdd(match["value"]) if match else None
    if match is None or value_date is None:
        stmt.unreadable += 1
        out.invalid.append(RowError(f.line, f"unreadable :61: entry {f.lines[0].strip()!r}"))
        return None
    day = _entry_date(value_date, match["entry"]) if match["entry"] else value_date
    if day is None:
        stmt.unreadable += 1
        out.invalid.append(RowError(f.line, f"bad entry date {match['entry']!r} in :61:"))
        return None
    amount = _SIGNS[match["mark"]] * Decimal(match["amount"].replace(",", "."))
    stmt.entries += 1
    stmt.booked += amount
    bank = (match["bank"] or "").strip()
    ref = match["ref"].strip()
    extra = " ".join(s.strip() for s in f.lines[1:] if s.strip())
    described = extra or ("" if ref.upper() == "NONREF" else ref)
    return _Row(f.line, day, amount, stmt.currency,
                described or _TYPES.get(match["type"][1:], ""),
                bank if bank and bank.upper() != "NONREF" else None, stmt.account)


def _flush(row: _Row | None, out: Collected) -> None:
    if row is not None:
        out.row(row.line, row.date, row.amount, row.currency, row.payee, row.description,
                row.external_id, row.account)


def _yymmdd(raw: str) -> dt.date | None:
    try:  # SWIFT's two-digit years: 80-99 are 19xx, as the standard's users read them
        year = int(raw[:2])
        return dt.date(1900 + year if year >= 80 else 2000 + year, int(raw[2:4]), int(raw[4:]))
    except ValueError:
        return None


def _entry_date(value: dt.date, mmdd: str) -> dt.date | None:
    """The booking date ``MMDD`` in the year that puts it nearest the value date."""
    best: dt.date | None = None
    for year in (value.year - 1, value.year, value.year + 1):
        try:
            day = dt.date(year, int(mmdd[:2]), int(mmdd[2:]))
        except ValueError:
            continue
        if best is None or abs((day - value).days) < abs((best - value).days):
            best = day
    return best


# --- :86: information --------------------------------------------------------------------


def _information(lines: list[str]) -> tuple[str, str]:
    """(payee, description) from the :86: field's lines."""
    joined = "".join(s.strip("\r") for s in lines)
    german = _GERMAN_RE.match(joined)
    if german:
        return _german(joined, german["sep"])
    if _DUTCH_RE.search(joined):
        return _dutch(joined)
    return "", " ".join(" ".join(s.split()) for s in lines if s.strip())


def _german(text: str, sep: str) -> tuple[str, str]:
    """GVC code, then ``?NN`` subfields: 00 booking text, 20-29 and 60-63 purpose, 32-33
    the other party's name. Subfields are cut at 27 characters mid-word, so the parts are
    joined without a space."""
    subfields: dict[int, str] = {}
    for chunk in text[3:].split(sep)[1:]:
        if len(chunk) >= 2 and chunk[:2].isdigit():
            number = int(chunk[:2])
            subfields[number] = subfields.get(number, "") + chunk[2:]
    payee = "".join(subfields.get(n, "") for n in (32, 33)).strip()
    purpose = "".join(subfields.get(n, "")
                      for n in (*range(20, 30), *range(60, 64))).strip()
    sepa = dict(_sepa_parts(purpose))
    description = sepa.get("SVWZ") or purpose or subfields.get(0, "").strip()
    return " ".join(payee.split()), " ".join(description.split())


def _sepa_parts(purpose: str) -> list[tuple[str, str]]:
    """``EREF+x SVWZ+y`` -> [("EREF", "x"), ("SVWZ", "y")]; [] when there are no keys."""
    marks = list(_SEPA_KEYS_RE.finditer(purpose))
    return [(m.group(1), purpose[m.end():marks[i + 1].start() if i + 1 < len(marks) else None]
             .strip()) for i, m in enumerate(marks)]


def _dutch(text: str) -> tuple[str, str]:
    """``/TRTP/SEPA OVERBOEKING/IBAN/NL.../NAME/J JANSEN/REMI/Factuur 12/`` keywords."""
    marks = list(_DUTCH_RE.finditer(text))
    parts: dict[str, str] = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        parts.setdefault(m.group(1), text[m.end():end].strip("/ "))
    remittance = parts.get("REMI", "")
    if remittance.startswith("USTD//"):
        remittance = remittance[6:]
    payee = parts.get("NAME") or parts.get("CNTP", "").split("/")[-1]
    return " ".join(payee.split()), " ".join((remittance or parts.get("TRTP", "")).split())
