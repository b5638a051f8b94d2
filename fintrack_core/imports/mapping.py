"""What each column of a CSV means: the ``Mapping``, and guessing it from headers and content.

A mapping is plain data (JSON in the database, TOML for built-in bank profiles), so a bank is
added by adding a profile, never code. Columns are named by header text, or ``"1"``, ``"2"``,
... (1-based positions) in files without a header.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields, replace

from fintrack_core.errors import ValidationError
from fintrack_core.imports.dates import ORDERS
from fintrack_core.imports.vocabulary import CREDIT_WORDS, DEBIT_WORDS, STATES_OK

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
    debit_values: tuple[str, ...] = DEBIT_WORDS    # direction cells meaning money out ...
    credit_values: tuple[str, ...] = CREDIT_WORDS  # ... and money in (others are invalid)
    payee: str | None = None
    description: tuple[str, ...] = ()   # joined with " · " when several
    currency: str | None = None         # a column holding each row's currency
    currency_code: str | None = None    # or one currency for the whole file
    fee: str | None = None              # deducted: net = amount - fee
    state: str | None = None
    states_ok: tuple[str, ...] = STATES_OK
    balance: str | None = None
    decimal: str | None = None          # "." or ","; detected from all values when None
    # Flip every sign (card exports with charges positive). None: as the profile or the
    # remembered mapping says; False in a correction: never, even if the profile flips.
    negate: bool | None = None
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


def norm(header: str) -> str:
    """The header key bank profiles are matched with (ASCII-only and kept as it was, so a
    profile's header keeps matching; guessing uses ``vocabulary.normalise``)."""
    text = re.sub(r"\(.*?\)", " ", header.lower())
    text = re.sub(r"[^0-9a-zäöüß]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


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


__all__ = ["ROLES", "Mapping", "norm", "parse_map_option"]
