"""The database as the cache of what providers answered: upserts into ``prices`` and
``fx_rates``, each row with its source and when it was fetched.

Why upserts keyed by the partial unique indexes: two refreshes (two browser tabs, the CLI
and the page) may store the same day at once; ``INSERT ... ON CONFLICT DO UPDATE`` on the
index makes the later one win instead of failing. ``fx_rates`` has no such index for shared
rates (its unique key includes the NULL ``book_id``), so those are looked up and replaced
inside the caller's write transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fintrack_core.db.models import Book, FxRate
from fintrack_core.db.portfolio_models import Price
from fintrack_core.prices.quotes import price_text

MANUAL = "manual"
CHUNK = 500  # rows per statement: 8 parameters each stays far below SQLite's limit


@dataclass(frozen=True, slots=True)
class PriceRow:
    """One day's price to store; ``source`` says what it is ("yahoo close", "yahoo quote")."""

    day: dt.date
    close: Decimal
    currency: str
    source: str


def utc_now() -> dt.datetime:
    """``fetched_at`` values: naive UTC, as the ``DateTime`` columns store them."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def store_market_prices(session: Session, provider: str, provider_id: str,
                        rows: Sequence[PriceRow], fetched_at: dt.datetime) -> int:
    """Upsert shared market prices (``book_id`` NULL) of one provider id; returns how many."""
    for i in range(0, len(rows), CHUNK):
        stmt = _insert(session)(Price).values([
            {"book_id": None, "provider": provider, "provider_id": provider_id, "date": r.day,
             "close": price_text(r.close), "currency": r.currency, "source": r.source,
             "fetched_at": fetched_at} for r in rows[i:i + CHUNK]])
        stmt = stmt.on_conflict_do_update(
            index_elements=["provider", "provider_id", "date"],
            index_where=Price.book_id.is_(None), set_=_replace(stmt))
        session.execute(stmt)
    return len(rows)


def _replace(stmt: Any) -> dict[str, Any]:
    return {"close": stmt.excluded.close, "currency": stmt.excluded.currency,
            "source": stmt.excluded.source, "fetched_at": stmt.excluded.fetched_at}


def store_book_prices(session: Session, book_id: int, symbol: str, rows: Iterable[PriceRow],
                      fetched_at: dt.datetime) -> tuple[int, int]:
    """Upsert a book's own prices of one asset (provider "manual", keyed by the asset's
    symbol); returns (new rows, replaced rows)."""
    wanted = list({r.day: r for r in rows}.values())
    replaced = 0
    # One statement executed with many parameter sets: compiled once (the demo stores
    # thousands of rows; a literal multi-row VALUES per chunk cost most of its fill time).
    stmt = _insert(session)(Price.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["book_id", "provider", "provider_id", "date"],
        index_where=Price.book_id.is_not(None), set_=_replace(stmt))
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i:i + CHUNK]
        replaced += len(session.scalars(select(Price.id).where(
            Price.book_id == book_id, Price.provider == MANUAL, Price.provider_id == symbol,
            Price.date.in_([r.day for r in chunk]))).all())
        session.connection().execute(stmt, [
            {"book_id": book_id, "provider": MANUAL, "provider_id": symbol, "date": r.day,
             "close": price_text(r.close), "currency": r.currency, "source": r.source,
             "fetched_at": fetched_at} for r in chunk])
    return len(wanted) - replaced, replaced


def store_market_rates(session: Session, base: str, quote: str,
                       rates: Iterable[tuple[dt.date, Decimal]], source: str) -> int:
    """Upsert shared FX rates (1 ``base`` = rate ``quote``), e.g. Yahoo's ``EURUSD=X``."""
    wanted = dict(rates)
    if not wanted:
        return 0
    existing = {r.date: r for r in session.scalars(select(FxRate).where(
        FxRate.book_id.is_(None), FxRate.base == base, FxRate.quote == quote,
        FxRate.date.in_(list(wanted))))}
    changed = False
    for day, rate in wanted.items():
        row = existing.get(day)
        if row is None:
            session.add(FxRate(book_id=None, base=base, quote=quote, date=day,
                               rate=price_text(rate), source=source))
            changed = True
        else:
            changed = changed or row.rate != price_text(rate)
            row.rate, row.source = price_text(rate), source
    if changed:
        # Shared rates convert every book's amounts: every book's data version moves with
        # them, or another book's report copy and remembered results (``reports.memo``)
        # would keep the old conversion until that book's next write.
        session.execute(update(Book).values(data_version=Book.data_version + 1))
    return len(wanted)
