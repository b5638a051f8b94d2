"""Broker CSV exports -> :class:`ParsedInvestments`, read by a broker profile
(``broker_profiles``: Interactive Brokers, Trading 212, Degiro in ``brokers/*.toml``).

Why a reader beside the bank CSV reader: a bank row is one signed amount, a broker row is
units, a price, fees and a booked total, often in two currencies, and some exports (IB's
Activity Statement) hold several tables in one file. Every data row is accounted for: a
trade or cash row, a stated position or security, a row skipped with the profile's reason
(a currency conversion, a total line) or an invalid row with its line and what is wrong.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

from fintrack_core.imports.broker_profiles import (
    SKIP,
    BrokerProfile,
    BrokerTable,
    builtin_brokers,
)
from fintrack_core.imports.invest_rows import (
    CASH,
    InvestmentRow,
    ParsedInvestments,
    Security,
    StatedPosition,
    parse_decimal,
)
from fintrack_core.imports.statement import RowError, SkippedRow, StatementError

_AFTER = re.compile(r"(.*)\+(\d)")
# Columns a table cannot do without; the others (names, memos, fees, ids, currencies...) are
# empty when an export leaves them out.
REQUIRED = frozenset({"date", "action", "quantity", "total"})


def _decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode("utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError:
        return None


def _norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def match_broker(data: bytes, profile: str | None = None) -> BrokerProfile | None:
    """The broker profile whose header (or section line) the file has; ``profile`` (a name)
    restricts the choice to that profile, when it is a broker's."""
    for broker in builtin_brokers():
        if profile and broker.name != profile:
            continue
        text = _decode(data[:65536], broker.encoding)
        if text is None:
            continue
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if broker.line is not None:
            if any(ln.startswith(broker.line) for ln in lines):
                return broker
        elif lines:
            names = {_norm(c) for c in next(csv.reader([lines[0]],
                                                       delimiter=broker.delimiter))}
            if all(_norm(h) in names for h in broker.header):
                return broker
    return None


class _Bad(ValueError):
    """One row cannot be read; the message names the column."""


class _Table:
    """A table's header resolved to positions, and its rows read one at a time."""

    def __init__(self, spec: BrokerTable, header: list[str], decimal: str) -> None:
        self.spec, self.decimal = spec, decimal
        names = [_norm(h) for h in header]
        self.index: dict[str, int] = {}
        for role, column in [*spec.columns.items(),
                             *((f"{k}:{c}", c) for k, cs in spec.lists.items() for c in cs),
                             *((f"where:{c}", c) for c in spec.where),
                             *((("marker", spec.total_marker[0]),) if spec.total_marker
                               else ())]:
            after = _AFTER.fullmatch(column)
            base, shift = (after[1], int(after[2])) if after else (column, 0)
            if _norm(base) in names:
                self.index[role] = names.index(_norm(base)) + shift
            elif role in REQUIRED or role.startswith(("where:", "marker")):
                raise StatementError(f"the {column!r} column is missing from the header")
            # else an optional column this export left out (Trading 212 writes the
            # withholding and conversion-fee columns only when a row needs them): empty

    def cell(self, cells: list[str], role: str) -> str:
        pos = self.index.get(role)
        return cells[pos].strip() if pos is not None and pos < len(cells) else ""

    def number(self, cells: list[str], role: str, *, required: bool = False) -> Decimal:
        raw = self.cell(cells, role)
        value = parse_decimal(raw, self.decimal)
        if value is None:
            if raw or required:
                what = f"{raw!r} is not a number" if raw else "is empty"
                raise _Bad(f"{self.spec.columns.get(role, role)}: {what}")
            return Decimal(0)
        return value


def parse_broker_csv(data: bytes, broker: BrokerProfile) -> ParsedInvestments:
    text = _decode(data, broker.encoding)
    if text is None:
        raise StatementError(f"the file is not {broker.encoding} text as {broker.label} "
                             "exports are")
    parsed = ParsedInvestments(rows=[], securities={}, format="csv", profile=broker.name,
                               detected={"profile_label": broker.label,
                                         "encoding": broker.encoding,
                                         "delimiter": broker.delimiter,
                                         "decimal": broker.decimal})
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=broker.delimiter)
    tables: dict[str | None, list[_Table]] = {}
    unknown: dict[str | None, str] = {}  # why no table of a section reads its header
    flat = broker.line is None
    last = 0
    for cells in reader:
        line, last = last + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if flat and not tables:
            tables[None] = [_Table(t, cells, broker.decimal) for t in broker.tables]
            continue
        if not flat:
            section, role = [*cells, "", ""][:2]
            cells = cells[2:]
            if role == "Header":
                specs = [t for t in broker.tables if t.section == section]
                if specs:  # a section may start again with other columns (IB's Forex)
                    tables[section], unknown[section] = _fitting(specs, cells, broker)
                continue
            if role != "Data" or section not in tables:
                continue  # other sections, subtotals and totals of IB: not rows of a table
            if not tables[section]:  # every row is accounted for, this one as unreadable
                parsed.data_rows += 1
                parsed.invalid.append(RowError(line, f"{section}: {unknown[section]}"))
                continue
        else:
            section = None
        for table in tables[section]:
            if all(table.cell(cells, f"where:{c}") == v for c, v in table.spec.where.items()):
                _read_row(table, cells, line, parsed)
                break
    if parsed.data_rows == 0 and not parsed.positions:
        raise StatementError(f"the {broker.label} file has no rows")
    return parsed


def _fitting(specs: list[BrokerTable], header: list[str], broker: BrokerProfile
             ) -> tuple[list[_Table], str]:
    """The tables of a section whose columns this header has, and what the others miss."""
    fit, missing = [], ""
    for spec in specs:
        try:
            fit.append(_Table(spec, header, broker.decimal))
        except StatementError as exc:
            missing = f"{exc} (a layout the {broker.name} profile does not know)"
    return fit, missing


def _read_row(table: _Table, cells: list[str], line: int, parsed: ParsedInvestments) -> None:
    spec = table.spec
    if spec.kind.startswith(SKIP):
        parsed.data_rows += 1
        parsed.skipped.append(SkippedRow(line, spec.kind[len(SKIP):].strip()))
        return
    if spec.kind == "security":
        sec = _security(table, cells)
        if sec is not None:
            parsed.securities[sec.key] = sec
        return
    if spec.kind == "position":
        sec = _security(table, cells)
        if sec is not None:
            parsed.securities.setdefault(sec.key, sec)
            parsed.positions.append(StatedPosition(line, sec.key, table.number(
                cells, "quantity", required=True)))
        return
    parsed.data_rows += 1
    if spec.total_marker and table.cell(cells, "marker").startswith(spec.total_marker[1]):
        parsed.skipped.append(SkippedRow(line, "a total line (not a transaction)"))
        return
    try:
        row = _row(table, cells, line, parsed)
    except _Bad as exc:
        parsed.invalid.append(RowError(line, str(exc)))
        return
    if isinstance(row, SkippedRow):
        parsed.skipped.append(row)
    else:
        parsed.rows.append(row)


def _security(table: _Table, cells: list[str]) -> Security | None:
    symbol = table.cell(cells, "symbol").upper()
    source = table.cell(cells, "symbol_from")
    if table.spec.symbol_pattern and source:
        found = re.match(table.spec.symbol_pattern, source)
        symbol = found["symbol"].upper() if found else symbol
    isin = table.cell(cells, "isin").upper()
    key = isin if table.spec.key == "isin" and isin else symbol
    if not key:
        return None
    return Security(key=key, symbol=symbol, name=table.cell(cells, "name"), isin=isin,
                    currency=table.cell(cells, "price_currency").upper() or None)


def _kind(table: _Table, cells: list[str], quantity: Decimal) -> str:
    spec = table.spec
    if spec.kind == "action":
        action = table.cell(cells, "action")
        kind = spec.actions.get(action.lower())
        if kind is None:
            raise _Bad(f"{spec.columns['action']}: {action!r} is not an action this profile "
                       "knows")
        return kind
    if spec.kind == "quantity_sign":
        if not quantity:
            raise _Bad(f"{spec.columns['quantity']}: a trade of zero units")
        return "buy" if quantity > 0 else "sell"
    return spec.kind


def _row(table: _Table, cells: list[str], line: int, parsed: ParsedInvestments
         ) -> InvestmentRow | SkippedRow:
    spec = table.spec
    quantity = table.number(cells, "quantity")
    kind = _kind(table, cells, quantity)
    if kind.startswith(SKIP):
        return SkippedRow(line, kind[len(SKIP):].strip())
    raw_date = table.cell(cells, "date")
    try:
        day = dt.datetime.strptime(raw_date, spec.date_format).date()  # noqa: DTZ007
    except ValueError:
        raise _Bad(f"{spec.columns['date']}: {raw_date!r} is not a date like "
                   f"{spec.date_format}") from None
    total = table.number(cells, "total", required="total" in spec.columns)
    fees = sum((abs(table.number(cells, f"fees:{c}")) for c in spec.lists.get("fees", ())),
               Decimal(0))
    currency = table.cell(cells, "total_currency").upper() or None
    memo = " · ".join(filter(None, (table.cell(cells, f"memo:{c}")
                                    for c in spec.lists.get("memo", ()))))
    common = {"line": line, "date": day, "currency": currency, "memo": memo,
              "external_id": table.cell(cells, "id") or None}
    if kind in ("cash", "cash_in", "cash_out"):
        cash = {"cash": total, "cash_in": abs(total), "cash_out": -abs(total)}[kind]
        return InvestmentRow(kind=CASH, cash=cash - fees if kind != "cash" else cash,
                             **common)  # type: ignore[arg-type]
    sec = _security(table, cells)
    if sec is None:
        raise _Bad("the row names no security (no ISIN or symbol)")
    parsed.securities.setdefault(sec.key, sec)
    sign = {"buy": -1, "fee": -1}.get(kind, 1)
    cash = sign * abs(total) if spec.total_sign == "by_kind" else total
    if spec.total_gross:  # IB: Proceeds before Comm/Fee
        cash -= fees
    price = abs(table.number(cells, "price"))
    if kind in ("dividend", "interest"):
        withheld = abs(table.number(cells, "withholding"))
        w_ccy = table.cell(cells, "withholding_currency").upper()
        same = not w_ccy or w_ccy == (currency or w_ccy)
        gross = abs(quantity) * price if quantity and price else abs(total)
        if withheld and not same:
            common["memo"] = f"{memo} · withholding tax {withheld} {w_ccy}".strip(" ·")
        return InvestmentRow(kind=kind, security=sec.key, amount=gross,
                             fees=fees + (withheld if same else 0), cash=cash,
                             **common)  # type: ignore[arg-type]
    if kind == "fee":
        return InvestmentRow(kind=kind, security=sec.key, fees=abs(total) or fees,
                             cash=-(abs(total) or fees), **common)  # type: ignore[arg-type]
    if kind not in ("buy", "sell"):
        raise _Bad(f"a {kind} row needs the security's trade columns")
    return InvestmentRow(kind=kind, security=sec.key, quantity=abs(quantity), price=price,
                         fees=fees, cash=cash if "total" in spec.columns else None,
                         **common)  # type: ignore[arg-type]
