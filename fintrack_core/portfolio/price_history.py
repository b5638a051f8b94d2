"""Reading the ``prices`` table: an asset's latest price with its age, and daily series.

The price fetchers (``fintrack_core.prices``) write this table; the portfolio only reads it.
Which rows are an asset's: market rows (``book_id`` NULL) with the asset's provider and
provider id, or, for a manual asset, the rows of the asset's own book with provider
"manual". A book never reads another book's manual prices.

A price is in its own ``currency``; it is normally the asset's, and when it is not, the
caller converts it (``valuation``) or reports it, never assumes them equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt
from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from fintrack_core.access import READ, Scope, require
from fintrack_core.db.portfolio_models import Asset, Price, PriceProvider
from fintrack_core.portfolio.assets import get_asset_row

# A price older than this many days is stale (markets close at weekends and holidays;
# crypto trades every day; a manual price of a house is typed now and then).
STALE_AFTER_DAYS = {PriceProvider.YAHOO: 4, PriceProvider.COINGECKO: 1, PriceProvider.MANUAL: 35}

PriceKey = tuple[int | None, str, str]  # (book_id or None for market rows, provider, id)


def price_key(asset: Asset) -> PriceKey:
    """Where an asset's prices are: its book's manual rows, or the shared market rows."""
    if PriceProvider(asset.provider) is PriceProvider.MANUAL:
        return asset.book_id, PriceProvider.MANUAL.value, asset.provider_id
    return None, str(PriceProvider(asset.provider).value), asset.provider_id


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One stored price: ``close`` per unit in ``currency`` on ``date``."""

    date: dt.date
    close: Decimal
    currency: str
    source: str
    fetched_at: dt.datetime

    def age_days(self, today: dt.date) -> int:
        return (today - self.date).days


def _match(keys: Iterable[PriceKey]) -> ColumnElement[bool]:
    market = sorted({(p, i) for b, p, i in keys if b is None})
    manual = sorted({(b, p, i) for b, p, i in keys if b is not None})
    conds: list[ColumnElement[bool]] = []
    if market:
        conds.append(and_(Price.book_id.is_(None),
                          tuple_(Price.provider, Price.provider_id).in_(market)))
    if manual:
        conds.append(tuple_(Price.book_id, Price.provider, Price.provider_id).in_(manual))
    return or_(*conds) if conds else Price.id.is_(None)


def latest_prices(s: Session, assets: Iterable[Asset], on: dt.date, count: int = 1
                  ) -> dict[int, list[PricePoint]]:
    """For each asset, its last ``count`` prices on or before ``on``, newest first (an
    asset without any is absent). ``count=2`` gives the previous close for a day change."""
    by_key: dict[PriceKey, list[int]] = {}
    for a in assets:
        by_key.setdefault(price_key(a), []).append(a.id)
    if not by_key:
        return {}
    ranked = select(Price.book_id, Price.provider, Price.provider_id, Price.date, Price.close,
                    Price.currency, Price.source, Price.fetched_at,
                    func.row_number().over(
                        partition_by=(Price.book_id, Price.provider, Price.provider_id),
                        order_by=Price.date.desc()).label("n")
                    ).where(_match(by_key), Price.date <= on).subquery()
    rows = s.execute(select(ranked).where(ranked.c.n <= count)
                     .order_by(ranked.c.date.desc())).all()
    out: dict[int, list[PricePoint]] = {}
    for r in rows:
        point = PricePoint(r.date, Decimal(r.close), r.currency, r.source, r.fetched_at)
        for asset_id in by_key.get((r.book_id, r.provider, r.provider_id), []):
            out.setdefault(asset_id, []).append(point)
    return out


@dataclass(frozen=True, slots=True)
class PriceSeries:
    """An asset's prices as arrays for the daily computations (floats: charts and returns,
    never stored or reported as money). ``days`` are numpy day numbers, ascending."""

    days: npt.NDArray[np.int64]
    closes: npt.NDArray[np.float64]
    currency: str


def price_series(s: Session, assets: Iterable[Asset], end: dt.date
                 ) -> dict[int, PriceSeries]:
    """Every stored price up to ``end`` of each asset, one query for all of them."""
    by_key: dict[PriceKey, list[int]] = {}
    for a in assets:
        by_key.setdefault(price_key(a), []).append(a.id)
    if not by_key:
        return {}
    q = (select(Price.book_id, Price.provider, Price.provider_id, Price.date, Price.close,
                Price.currency)
         .where(_match(by_key), Price.date <= end)
         .order_by(Price.book_id, Price.provider, Price.provider_id, Price.date))
    grouped: dict[PriceKey, tuple[list[dt.date], list[str], str]] = {}
    for b, p, i, day, close, ccy in s.execute(q):
        entry = grouped.setdefault((b, p, i), ([], [], ccy))
        entry[0].append(day)
        entry[1].append(close)
    out: dict[int, PriceSeries] = {}
    for key, (days, closes, ccy) in grouped.items():
        series = PriceSeries(np.array(days, dtype="datetime64[D]").astype(np.int64),
                             np.array(closes, dtype=np.float64), ccy)
        for asset_id in by_key[key]:
            out[asset_id] = series
    return out


def latest_price(scope: Scope, asset_id: int, on: dt.date | None = None) -> PricePoint | None:
    """An asset's latest price on or before ``on`` (default today), or None when there is
    none: the caller says so rather than valuing the asset at zero."""
    with scope.db.read() as s:
        require(s, scope, READ)
        asset = get_asset_row(s, scope.book_id, asset_id)
        found = latest_prices(s, [asset], on or dt.date.today())
        return found[asset.id][0] if asset.id in found else None
