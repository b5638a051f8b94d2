"""What the preview of an investment import shows beside the counts: its trades, the assets
it creates and the differences from the stated positions (``invest_import`` fills it).

Why a module of its own: the Import page, the CLI and ``ImportResult.as_json`` read these
types without needing the importer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class TradeLine:
    """One row as the preview shows it: what it is and the cash it moves (account currency)."""

    line: int
    date: dt.date
    kind: str
    symbol: str
    quantity: Decimal
    price: Decimal
    fees: Decimal
    cash: Decimal


@dataclass
class InvestmentPreview:
    """What an investment import wrote (or would write), beside the ``ImportResult`` counts."""

    account: str
    trades: list[TradeLine] = field(default_factory=list)
    new_assets: list[str] = field(default_factory=list)
    # Differences between the stated positions and the holdings the trades give.
    position_differences: list[str] = field(default_factory=list)

    @property
    def kind_totals(self) -> dict[str, tuple[int, Decimal]]:
        """Per kind: the number of rows and the cash they move."""
        out: dict[str, tuple[int, Decimal]] = {}
        for t in self.trades:
            n, cash = out.get(t.kind, (0, Decimal(0)))
            out[t.kind] = (n + 1, cash + t.cash)
        return dict(sorted(out.items()))

    def as_json(self) -> dict[str, object]:
        return {
            "account": self.account, "new_assets": list(self.new_assets),
            "position_differences": list(self.position_differences),
            "kind_totals": {k: {"rows": n, "cash": str(c)}
                            for k, (n, c) in self.kind_totals.items()},
            "trades": [{"line": t.line, "date": t.date.isoformat(), "kind": t.kind,
                        "symbol": t.symbol, "quantity": str(t.quantity),
                        "price": str(t.price), "fees": str(t.fees), "cash": str(t.cash)}
                       for t in self.trades],
        }
