"""The common shape every investment-statement reader (OFX ``INVSTMTRS``, broker CSVs)
produces: trades, cash movements, the securities they name and the positions the broker
states.

Why a shape of its own: a bank statement row is one signed amount, but a trade carries units,
a price per unit, fees and the cash it booked, and a statement of positions carries proof
(the units the broker says are held) that a bank statement has no use for. Readers stop at
exact ``Decimal`` values and calendar dates; matching securities to assets, dedup, checks and
the write happen once, in ``imports.invest_import``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from fintrack_core.imports.statement import RowError, SkippedRow

# A row that moves only cash (a deposit, a withdrawal, interest on cash, a currency
# conversion booked in the account's currency): a ledger transaction, no trade.
CASH = "cash"


@dataclass(frozen=True, slots=True)
class Security:
    """A security as the statement names it. ``key`` is how its rows refer to it (a CUSIP,
    an ISIN or a ticker); ``kind`` is an ``AssetKind`` value."""

    key: str
    symbol: str = ""
    name: str = ""
    isin: str = ""
    cusip: str = ""
    currency: str | None = None
    kind: str = "stock"


@dataclass(frozen=True, slots=True)
class InvestmentRow:
    """One event of the statement.

    ``kind``: a ``TradeKind`` value or ``CASH``. ``quantity`` and ``price`` are positive
    (the kind says the direction); ``amount`` is a dividend's or interest payment's total in
    the security's currency; ``fees`` are in the account's currency; ``cash`` is the signed
    amount the broker booked in the account's currency (None where the statement does not
    say: it is then computed from quantity and price, which needs no conversion).
    """

    line: int
    kind: str
    date: dt.date
    security: str | None = None
    quantity: Decimal = Decimal(0)
    price: Decimal = Decimal(0)
    amount: Decimal | None = None
    fees: Decimal = Decimal(0)
    cash: Decimal | None = None
    currency: str | None = None
    external_id: str | None = None
    memo: str = ""


@dataclass(frozen=True, slots=True)
class StatedPosition:
    """Units of a security the broker says the account holds at the end of the statement."""

    line: int
    security: str
    quantity: Decimal
    date: dt.date | None = None


@dataclass
class ParsedInvestments:
    """What an investment file says, every row accounted for (rows + invalid + skipped)."""

    rows: list[InvestmentRow]
    securities: dict[str, Security]
    positions: list[StatedPosition] = field(default_factory=list)
    invalid: list[RowError] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    data_rows: int = 0
    format: str = "ofx"
    profile: str | None = None
    detected: dict[str, object] = field(default_factory=dict)


def parse_decimal(raw: str | None, decimal: str = ".") -> Decimal | None:
    """An exact number written with ``decimal`` as its separator (thousands separators of
    the other kind and spaces dropped), or None when the cell is empty or not a number."""
    if raw is None:
        return None
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    other = "," if decimal == "." else "."
    text = text.replace(other, "").replace(decimal, ".")
    if text.startswith("(") and text.endswith(")"):
        text = "-" + text[1:-1]
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    return value if value.is_finite() else None
