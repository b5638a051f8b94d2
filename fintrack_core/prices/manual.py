"""Prices a book gives itself: one typed in, or a CSV of them (``symbol,date,price[,currency]``).

Why they belong to the book (``book_id`` set, provider "manual", keyed by the asset's symbol):
a house or a private fund has no feed, and a price someone typed must never change what
another household sees. The CSV import follows the statement import's rules (DESIGN.md,
boundaries 4 and 9): every row is accounted for as imported, replaced or invalid with its
line and reason, and the file is stored all at once or, when a row is invalid and
``skip_invalid`` is not set, not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from fintrack_core.access import WRITE, Scope, check_role, require
from fintrack_core.db.portfolio_models import Price
from fintrack_core.errors import ValidationError
from fintrack_core.money import check_currency
from fintrack_core.prices.cache import MANUAL, PriceRow, store_book_prices, utc_now
from fintrack_core.prices.latest import PriceView, book_assets, latest_in_session
from fintrack_core.prices.quotes import MAX_PRICE_CHARS

MAX_ROWS = 100_000
COLUMNS = ("symbol", "date", "price", "currency")
# [0-9], not \d: \d also matches digits of other scripts, which Decimal() reads ('٣' is 3)
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_user_price(text: object, field: str = "price") -> Decimal:
    """A price someone typed: digits with an optional '.' point, more than zero."""
    value = str(text).strip()
    if not _NUMBER.match(value):
        raise ValidationError(field, f"{value!r} is not a price (digits, '.' as the point)")
    if len(value) > MAX_PRICE_CHARS:
        raise ValidationError(field, f"{value!r} has more than {MAX_PRICE_CHARS} characters")
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise ValidationError(field, f"{value!r} is not a price") from None
    if price <= 0:
        raise ValidationError(field, "must be more than zero")
    return price


def _day(text: str, today: dt.date, field: str = "date") -> dt.date:
    value = text.strip()
    if not _DATE.match(value):
        raise ValidationError(field, f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a valid date") from None
    if day > today:
        raise ValidationError(field, f"{value} is in the future")
    return day


def set_price(scope: Scope, asset: int | str, day: dt.date, price: Decimal | str,
              currency: str | None = None, today: dt.date | None = None) -> PriceView:
    """Store (or replace) the book's own price of an asset (by id, or by symbol) on a day;
    ``currency`` defaults to the asset's. Returns the asset's latest price afterwards."""
    now = today or dt.date.today()
    value = parse_user_price(price)
    if day > now:
        raise ValidationError("date", f"{day.isoformat()} is in the future")
    with scope.db.write() as s:
        require(s, scope, WRITE, rewrites=False)
        [row] = book_assets(s, scope.book_id, [asset])
        ccy = check_currency(currency) if currency else row.currency
        store_book_prices(s, scope.book_id, row.symbol, [PriceRow(day, value, ccy, MANUAL)],
                          utc_now())
        # Imported here: the portfolio imports prices (valuation reads them), so a
        # module-level import would be circular.
        from fintrack_core.portfolio.alerts import check_in_session

        check_in_session(s, scope.book_id, now)  # portfolio alerts
        return latest_in_session(s, scope.book_id, [row], now)[row.id]


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One data line of a price CSV and what became of it."""

    line: int
    symbol: str
    day: dt.date | None
    price: Decimal | None
    currency: str
    status: str  # imported | replaced | invalid
    reason: str = ""


@dataclass
class PriceImportResult:
    lines: list[PriceLine] = field(default_factory=list)
    rejected: bool = False  # nothing was stored (invalid rows without skip_invalid)
    dry_run: bool = False

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    @property
    def imported(self) -> int:
        return 0 if self.rejected else self.count("imported")

    @property
    def replaced(self) -> int:
        return 0 if self.rejected else self.count("replaced")

    @property
    def invalid(self) -> list[PriceLine]:
        return [line for line in self.lines if line.status == "invalid"]

    def as_json(self) -> dict[str, Any]:
        return {"imported": self.imported, "replaced": self.replaced,
                "invalid": [{"line": x.line, "error": x.reason} for x in self.invalid],
                "rejected": self.rejected, "dry_run": self.dry_run,
                "rows": [{"line": x.line, "symbol": x.symbol,
                          "date": x.day.isoformat() if x.day else None,
                          "price": str(x.price) if x.price is not None else None,
                          "currency": x.currency, "status": x.status, "reason": x.reason}
                         for x in self.lines]}


def _read_csv(data: bytes | str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip().lower() for c in cells]
            continue
        rows.append((reader.line_num, cells))
        if len(rows) > MAX_ROWS:
            raise ValidationError("file", f"has more than {MAX_ROWS} price rows")
    if header is None:
        raise ValidationError("file", "is empty; expected the header symbol,date,price")
    missing = [c for c in COLUMNS[:3] if c not in header]
    extra = [c for c in header if c not in COLUMNS]
    if missing or extra or len(set(header)) != len(header):
        raise ValidationError("file", f"header must be symbol,date,price[,currency] (got "
                                      f"{','.join(header)!r})")
    return header, rows


def import_prices(scope: Scope, data: bytes | str, *, dry_run: bool = False,
                  skip_invalid: bool = False, today: dt.date | None = None
                  ) -> PriceImportResult:
    """Import the book's own prices from CSV text (UTF-8, comma-separated, a header line
    ``symbol,date,price`` plus an optional ``currency``); ``dry_run`` stores nothing."""
    try:
        header, rows = _read_csv(data)
    except UnicodeDecodeError:
        raise ValidationError("file", "is not UTF-8 text") from None
    now = today or dt.date.today()
    result = PriceImportResult(dry_run=dry_run)
    with scope.db.read() as s:
        check_role(s, scope, WRITE)  # the write below checks again (and bumps the version)
        assets = {a.symbol.lower(): a for a in book_assets(s, scope.book_id, None)}
        existing = {(row[0], row[1]) for row in s.execute(
            select(Price.provider_id, Price.date).where(Price.book_id == scope.book_id,
                                                        Price.provider == MANUAL))}
        seen: dict[tuple[str, dt.date], int] = {}
        ok: dict[str, list[PriceRow]] = {}
        for line, cells in rows:
            record = dict(zip(header, (c.strip() for c in cells), strict=False))
            symbol = record.get("symbol", "")
            try:
                if len(cells) != len(header):
                    raise ValidationError("row", f"has {len(cells)} fields, the header "
                                                 f"{len(header)}")
                asset = assets.get(symbol.lower())
                if asset is None:
                    raise ValidationError("symbol", f"no asset {symbol!r} in this book")
                day = _day(record["date"], now)
                price = parse_user_price(record["price"])
                ccy = check_currency(record["currency"]) if record.get("currency") \
                    else asset.currency
                if (asset.symbol, day) in seen:
                    raise ValidationError("row", f"line {seen[(asset.symbol, day)]} already "
                                                 f"gives {asset.symbol} on {day.isoformat()}")
            except ValidationError as exc:
                result.lines.append(PriceLine(line, symbol, None, None,
                                              record.get("currency", ""), "invalid", str(exc)))
                continue
            seen[(asset.symbol, day)] = line
            status = "replaced" if (asset.symbol, day) in existing else "imported"
            result.lines.append(PriceLine(line, asset.symbol, day, price, ccy, status))
            ok.setdefault(asset.symbol, []).append(PriceRow(day, price, ccy, MANUAL))
    result.rejected = bool(result.invalid) and not skip_invalid
    if dry_run or result.rejected or not ok:
        return result
    fetched_at = utc_now()
    with scope.db.write() as s:  # every valid row, or none of them
        require(s, scope, WRITE, rewrites=False)
        for symbol, price_rows in ok.items():
            store_book_prices(s, scope.book_id, symbol, price_rows, fetched_at)
    return result
