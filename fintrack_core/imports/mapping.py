"""What each column of a CSV means: the ``Mapping``, and guessing it from headers and content.

A mapping is plain data (JSON in the database, TOML for built-in bank profiles), so a bank is
added by adding a profile, never code. Columns are named by header text, or ``"1"``, ``"2"``,
... (1-based positions) in files without a header.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields, replace

import pandas as pd

from fintrack_core.errors import ValidationError
from fintrack_core.imports.amounts import parse_amounts
from fintrack_core.imports.dates import ORDERS, DateOrderNeeded, detect_format

ROLES = ("date", "amount", "debit", "credit", "direction", "payee", "description", "currency",
         "fee", "state", "balance")


@dataclass(frozen=True)
class Mapping:
    """How to read one kind of file. Empty/None fields are detected."""

    encoding: str | None = None
    delimiter: str | None = None
    skip_rows: int | None = None        # lines before the header (or first data row)
    has_header: bool | None = None
    date: str | None = None
    date_format: str | None = None      # strftime format; wins over date_order
    date_order: str | None = None       # dmy | mdy | ymd
    amount: str | None = None           # one signed column ...
    debit: str | None = None            # ... or unsigned money out / money in columns
    credit: str | None = None
    direction: str | None = None        # with ``amount``: CR/DR, Debit/Credit, Soll/Haben
    debit_values: tuple[str, ...] = ("dr", "d", "debit", "soll", "s", "ausgang", "out", "-",
                                      "withdrawal", "payment", "belastung", "lastschrift")
    payee: str | None = None
    description: tuple[str, ...] = ()   # joined with " · " when several
    currency: str | None = None         # a column holding each row's currency
    currency_code: str | None = None    # or one currency for the whole file
    fee: str | None = None              # deducted: net = amount - fee
    state: str | None = None
    states_ok: tuple[str, ...] = ("completed", "gebucht", "booked", "posted", "")
    balance: str | None = None
    decimal: str | None = None          # "." or ","; detected from all values when None
    negate: bool = False                # card exports with charges positive
    skip_patterns: tuple[str, ...] = ()  # extra regexes for rows that are not transactions

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v not in (None, (), False)},
                          sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Mapping:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValidationError("mapping", f"unknown setting {sorted(unknown)[0]!r}")
        clean = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        if isinstance(clean.get("description"), str):
            clean["description"] = (clean["description"],)
        mapping = cls(**clean)  # type: ignore[arg-type]
        if mapping.date_order and mapping.date_order not in ORDERS:
            raise ValidationError("date_order", f"choose one of {', '.join(ORDERS)}")
        return mapping

    @classmethod
    def from_json(cls, text: str) -> Mapping:
        return cls.from_dict(json.loads(text))

    def merged(self, other: Mapping) -> Mapping:
        """``other``'s explicitly set values override this mapping's."""
        default = Mapping()
        changes = {f.name: getattr(other, f.name) for f in fields(other)
                   if getattr(other, f.name) != getattr(default, f.name)}
        return replace(self, **changes)


# Header names (lower-case, without punctuation) per role, most specific first. A card file
# with a transaction date and a posting date is read by the transaction date (the day the
# money was spent; docs/importing.md); the mapping's ``date`` can name the other.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("transaction date", "booking date", "posting date", "buchungsdatum", "buchungstag",
             "buchung", "started date", "date", "datum", "trans date", "posted date",
             "value date", "wertstellung", "valuta", "valutadatum", "completed date"),
    "amount": ("amount", "betrag", "transaction amount", "value", "sum", "amt", "umsatz"),
    "debit": ("debit", "paid out", "money out", "withdrawal", "withdrawals", "soll",
              "debit amount", "ausgang", "outflow", "spent"),
    "credit": ("credit", "paid in", "money in", "deposit", "deposits", "haben", "credit amount",
               "eingang", "inflow", "received"),
    "direction": ("credit debit", "debit credit", "dr cr", "cr dr", "direction", "soll haben",
                  "credit debit indicator", "transaction type dc"),
    "payee": ("payee", "counter party", "counterparty", "partner name", "name", "merchant",
              "beguenstigter zahlungspflichtiger", "auftraggeber empfanger",
              "auftraggeber empfänger", "zahlungsempfanger in", "zahlungsempfänger in",
              "beneficiary", "recipient", "merchant name", "to from"),
    "description": ("description", "memo", "details", "reference", "payment reference",
                    "verwendungszweck", "narrative", "buchungstext", "transaction description",
                    "notes", "purpose", "text", "particulars", "remarks"),
    "currency": ("currency", "währung", "waehrung", "ccy", "currency code", "account currency"),
    "fee": ("fee", "fees", "gebühr", "gebuehr", "commission", "charges"),
    "state": ("state", "status", "transaction status"),
    "balance": ("balance", "saldo", "running balance", "kontostand", "closing balance"),
}
DIRECTION_WORDS = ("dr", "cr", "d", "c", "debit", "credit", "soll", "haben", "s", "h",
                   "in", "out", "ausgang", "eingang")
_SYMBOL_CCY = {"€": "EUR", "£": "GBP", "$": "USD", "¥": "JPY", "₹": "INR", "chf": "CHF"}
_CODE_IN_HEADER = re.compile(r"\(([A-Z]{3})\)|\b([A-Z]{3})\b$")


def norm(header: str) -> str:
    text = re.sub(r"\(.*?\)", " ", header.lower())
    text = re.sub(r"[^0-9a-zäöüß]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def currency_from_header(header: str) -> str | None:
    """'Amount (GBP)' -> GBP, 'Betrag (€)' -> EUR."""
    m = _CODE_IN_HEADER.search(header)
    if m:
        return m.group(1) or m.group(2)
    for symbol, code in _SYMBOL_CCY.items():
        if symbol in header:
            return code
    return None


def _by_name(columns: list[str], role: str, taken: set[str]) -> str | None:
    normed = {c: norm(c) for c in columns if c not in taken}
    for synonym in SYNONYMS[role]:
        for col, n in normed.items():
            if n == synonym:
                return col
    for synonym in SYNONYMS[role]:
        for col, n in normed.items():
            if n.startswith(synonym + " ") or n.endswith(" " + synonym):
                return col
    return None


def _share_ok(values: pd.Series, status: pd.Series) -> float:
    non_empty = (status != "empty").sum()
    return float((status == "ok").sum()) / non_empty if non_empty else 0.0


def guess_mapping(frame: pd.DataFrame, has_header: bool) -> Mapping:
    """Guess each column's role from its header name, then from its content."""
    columns = list(frame.columns)
    sample = frame.head(2000)
    found: dict[str, str] = {}
    taken: set[str] = set()
    if has_header:
        for role in ROLES:
            col = _by_name(columns, role, taken)
            if col is not None:
                found[role] = col
                taken.add(col)
    if "date" not in found:
        for col in columns:
            if col in taken:
                continue
            try:
                fmt = detect_format(sample[col])
            except DateOrderNeeded:
                fmt = True  # type: ignore[assignment]
            if fmt is not None:
                found["date"] = col
                taken.add(col)
                break
    if not {"amount", "debit", "credit"} & found.keys():
        for col in columns:
            if col in taken:
                continue
            canonical, status = parse_amounts(sample[col])
            has_decimals = canonical.dropna().astype(str).str.contains(".", regex=False).mean()
            if _share_ok(sample[col], status) > 0.9 and (has_decimals or 0) > 0.3:
                found["amount"] = col
                taken.add(col)
                break
    if "amount" in found and "direction" not in found:
        for col in columns:
            if col in taken:
                continue
            values = sample[col].astype(str).str.strip().str.lower()
            values = values[values != ""]
            if len(values) and values.isin(DIRECTION_WORDS).mean() > 0.95 \
                    and values.nunique() >= 2:
                found["direction"] = col
                taken.add(col)
                break
    text_cols = [c for c in columns if c not in taken]
    if "payee" not in found and "description" not in found and text_cols:
        lengths = {c: sample[c].astype(str).str.len().mean() for c in text_cols}
        found["description"] = max(lengths, key=lengths.__getitem__)
    description = (found["description"],) if "description" in found else ()
    currency_code = None
    if "currency" not in found and "amount" in found:
        currency_code = currency_from_header(found["amount"])
    return Mapping(
        date=found.get("date"), amount=found.get("amount"), debit=found.get("debit"),
        credit=found.get("credit"), direction=found.get("direction"),
        payee=found.get("payee"), description=description, currency=found.get("currency"),
        currency_code=currency_code, fee=found.get("fee"), state=found.get("state"),
        balance=found.get("balance"), has_header=has_header,
    )


def parse_map_option(text: str) -> dict[str, object]:
    """``date=Posting Date,amount=4,payee=Name`` (the CLI's --map) -> mapping fields."""
    out: dict[str, object] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise ValidationError("map", f"{part!r} is not ROLE=COLUMN")
        role, col = (x.strip() for x in part.split("=", 1))
        if role not in ROLES:
            raise ValidationError("map", f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        if role == "description":
            out["description"] = (*out.get("description", ()), col)  # type: ignore[misc]
        else:
            out[role] = col
    return out


__all__ = ["ROLES", "Mapping", "currency_from_header", "guess_mapping",
           "parse_map_option"]
