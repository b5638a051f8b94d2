"""Telling an investment file from a bank statement, and reading it.

Why before the bank readers: an OFX ``INVSTMTRS`` and a broker's CSV would otherwise be read
as bank rows (or refused); here they are recognised from their content (the OFX aggregate, a
broker profile's header) and read into trades (``imports.invest_rows``).
"""

from __future__ import annotations

from fintrack_core.imports.invest_rows import ParsedInvestments
from fintrack_core.imports.limits import check_size
from fintrack_core.imports.read import sniff_format


def read_investments(data: bytes, filename: str = "", profile: str | None = None
                     ) -> ParsedInvestments | None:
    """The file read as an investment statement, or None when it is not one."""
    check_size(len(data))
    kind = sniff_format(data, filename)
    if kind == "ofx":
        from fintrack_core.imports.ofx_invest import is_investment_ofx, parse_ofx_investments

        return parse_ofx_investments(data) if is_investment_ofx(data) else None
    if kind == "csv":
        from fintrack_core.imports.broker_csv import match_broker, parse_broker_csv

        broker = match_broker(data, profile)
        return parse_broker_csv(data, broker) if broker is not None else None
    return None
