"""Reading the ``prices`` table inside a session: the latest rows of many assets, daily series.

The scoped "latest price of an asset with its age" that interfaces call is
``fintrack_core.prices.latest_price`` (one answer, one place); this module serves the
valuation and the daily series, which read many assets at once in their own session.

The price fetchers (``fintrack_core.prices``) write this table; the portfolio only reads it.
Which rows are an asset's: market rows (``book_id`` NULL) with the asset's provider and
provider id, or, for a manual asset, the rows of the asset's own book with provider
"manual". A book never reads another book's manual prices.

A price is in its own ``currency``; it is normally the asset's, and when it is not, the
caller converts it (``valuation``) or reports it, never assumes them equal.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from fintrack_core.db.portfolio_models import Asset, Price, PriceProvider

PriceKey = tuple[int | None, str, str]  # (book_id or None for market rows, provider, id)


def price_key(asset: Asset) -> PriceKey:
    """Where an asset's market prices are (shared rows), or for a manual asset its book's."""
    if PriceProvider(asset.provider) is PriceProvider.MANUAL:
        return own_key(asset)
    return None, str(PriceProvider(asset.provider).value), asset.provider_id


def own_key(asset: Asset) -> PriceKey:
    """Where the book's own prices of an asset are (typed, imported, demo): by symbol, as
    ``fintrack_core.prices`` writes them."""
    return asset.book_id, PriceProvider.MANUAL.value, asset.symbol


def _keys_of(s: Session, assets: Iterable[Asset]) -> dict[int, list[PriceKey]]:
    """Each asset's price keys, best last: the market's, then the book's own when it has any
    (one query), so that on a shared day the book's own price wins, as in
    ``prices.latest``. A market asset with a price typed by hand is valued with it."""
    listed = list(assets)
    market = [a for a in listed if PriceProvider(a.provider) is not PriceProvider.MANUAL]
    has_own: set[tuple[int, str]] = set()
    for book_id in {a.book_id for a in market}:
        symbols = [a.symbol for a in market if a.book_id == book_id]
        for begin in range(0, len(symbols), CHUNK):
            has_own.update((book_id, sym) for sym in s.scalars(
                select(Price.provider_id).distinct().where(
                    Price.book_id == book_id, Price.provider == PriceProvider.MANUAL.value,
                    Price.provider_id.in_(symbols[begin:begin + CHUNK]))))
    out: dict[int, list[PriceKey]] = {}
    for a in listed:
        keys = [price_key(a)]
        if (a.book_id, a.symbol) in has_own and keys[0][0] is None:
            keys.append(own_key(a))
        out[a.id] = keys
    return out


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One stored price: ``close`` per unit in ``currency`` on ``date``."""

    date: dt.date
    close: Decimal
    currency: str
    source: str
    fetched_at: dt.datetime
    own: bool = False  # the book's own price, not a shared market one (never stale)

    def age_days(self, today: dt.date) -> int:
        return (today - self.date).days


_COLUMNS = (Price.book_id, Price.provider, Price.provider_id, Price.date, Price.close,
            Price.currency)


def _by_group(keys: Iterable[PriceKey]) -> dict[tuple[int | None, str], list[str]]:
    """Keys grouped by (book, provider), so each query is ``provider_id IN (...)``: index
    ranges on (provider, provider_id, date)."""
    groups: dict[tuple[int | None, str], list[str]] = {}
    for b, p, i in keys:
        groups.setdefault((b, p), []).append(i)
    return groups


CHUNK = 400  # SQLite allows 500 terms in one compound SELECT


def _latest_queries(keys: Iterable[PriceKey], on: dt.date, count: int) -> list[Any]:
    """The last ``count`` rows on or before ``on`` of each key: UNION ALLs of per-key
    index lookups (newest first), instead of ranking every stored price."""
    ordered = sorted(keys, key=lambda k: (k[0] or 0, k[1], k[2]))
    queries = []
    for begin in range(0, len(ordered), CHUNK):
        parts = []
        for b, p, i in ordered[begin:begin + CHUNK]:
            owner = Price.book_id.is_(None) if b is None else Price.book_id == b
            parts.append(select(Price.book_id, Price.provider, Price.provider_id, Price.date,
                                Price.close, Price.currency, Price.source, Price.fetched_at)
                         .where(owner, Price.provider == p, Price.provider_id == i,
                                Price.date <= on)
                         .order_by(Price.date.desc()).limit(count).subquery().select())
        queries.append(parts[0] if len(parts) == 1 else union_all(*parts))
    return queries


RECENT_DAYS = 7  # latest prices are looked for in this window first (one query)


def latest_prices(s: Session, assets: Iterable[Asset], on: dt.date, count: int = 1
                  ) -> dict[int, list[PricePoint]]:
    """For each asset, its last ``count`` prices on or before ``on``, newest first, one a day
    (the book's own price wins a shared day; an asset without any is absent). ``count=2``
    gives the previous close for a day change."""
    keys_of = _keys_of(s, assets)
    found = _latest_by_key(s, {k for keys in keys_of.values() for k in keys}, on, count)
    out: dict[int, list[PricePoint]] = {}
    for asset_id, keys in keys_of.items():
        by_day: dict[dt.date, PricePoint] = {}
        for key in keys:  # best last: it replaces a shared day's market price
            for point in found.get(key, []):
                by_day[point.date] = point
        if by_day:
            out[asset_id] = [by_day[d] for d in sorted(by_day, reverse=True)[:count]]
    return out


def _latest_by_key(s: Session, keys: set[PriceKey], on: dt.date, count: int
                   ) -> dict[PriceKey, list[PricePoint]]:
    """The last ``count`` prices of each key on or before ``on``, newest first.

    One query reads the last ``RECENT_DAYS`` of every asset (index ranges); only assets
    with fewer prices in that window get a lookup of their own."""
    found: dict[PriceKey, list[PricePoint]] = {}
    since = on - dt.timedelta(days=RECENT_DAYS)
    for (b, p), ids in _by_group(keys).items():
        owner = Price.book_id.is_(None) if b is None else Price.book_id == b
        rows = s.execute(select(*_COLUMNS, Price.source, Price.fetched_at).where(
            owner, Price.provider == p, Price.provider_id.in_(ids), Price.date >= since,
            Price.date <= on).order_by(Price.provider_id, Price.date.desc())).all()
        for r in rows:
            points = found.setdefault((r.book_id, r.provider, r.provider_id), [])
            if len(points) < count:
                points.append(PricePoint(r.date, Decimal(r.close), r.currency, r.source,
                                         r.fetched_at, r.book_id is not None))
    short = [k for k in keys if len(found.get(k, [])) < count]
    for query in _latest_queries(short, on, count):
        for r in s.execute(query):
            key = (r.book_id, r.provider, r.provider_id)
            if len(found.get(key, [])) >= count:
                continue  # the window already had enough
            points = found.setdefault(key, [])
            if all(p.date != r.date for p in points):
                points.append(PricePoint(r.date, Decimal(r.close), r.currency, r.source,
                                         r.fetched_at, r.book_id is not None))
    for points in found.values():
        points.sort(key=lambda p: p.date, reverse=True)
        del points[count:]
    return found


@dataclass(frozen=True, slots=True)
class PriceSeries:
    """An asset's prices as arrays for the daily computations (floats: charts and returns,
    never stored or reported as money). ``days`` are numpy day numbers, ascending."""

    days: npt.NDArray[np.int64]
    closes: npt.NDArray[np.float64]
    currency: str


# --- the settled-price cache -------------------------------------------------------------
#
# Ten years of daily prices of 200 assets are 730,000 rows: reading them takes about a
# second, every time a chart is drawn. Closes older than ``SETTLED_DAYS`` rarely change, so
# their arrays are kept in this process, per database and price key, and only the recent
# days are read each time. The cache stays right without trusting time alone:
#
# - new rows are seen at once: each call reads the rows with an id above the highest id
#   it saw (one index lookup); a key that got a settled-day row is dropped and re-read;
# - a settled close changed in place (same row, a provider's correction) is not seen by
#   that check; entries are therefore re-read after ``CACHE_TTL_S`` at most;
# - a deleted row lowers or keeps the highest id; a lower one clears that database's cache.

SETTLED_DAYS = 7
CACHE_TTL_S = 600.0
CACHE_MAX_KEYS = 5_000
MAX_NEW_ROWS = 20_000


@dataclass(slots=True)
class _Entry:
    cutoff: dt.date  # the arrays hold the prices dated before this day
    loaded: float  # time.monotonic() when read
    days: npt.NDArray[np.int64]
    closes: npt.NDArray[np.float64]
    currency: str


@dataclass(slots=True)
class _DbCache:
    max_id: int = 0
    entries: dict[PriceKey, _Entry] = field(default_factory=dict)


_CACHE: dict[str, _DbCache] = {}
_LOCK = threading.Lock()


def clear_price_cache() -> None:
    """Forget every cached price array (tests; after a bulk correction of old prices)."""
    with _LOCK:
        _CACHE.clear()


def _arrays(rows: Iterable[Any]) -> dict[PriceKey, tuple[list[dt.date], list[str], str]]:
    grouped: dict[PriceKey, tuple[list[dt.date], list[str], str]] = {}
    for b, p, i, day, close, ccy in rows:
        entry = grouped.setdefault((b, p, i), ([], [], ccy))
        entry[0].append(day)
        entry[1].append(close)
    return grouped


def _to_numpy(days: list[dt.date], closes: list[str]
              ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    return (np.array(days, dtype="datetime64[D]").astype(np.int64),
            np.array(closes, dtype=np.float64))


def _read(s: Session, keys: Iterable[PriceKey], since: dt.date | None, before: dt.date | None
          ) -> dict[PriceKey, tuple[list[dt.date], list[str], str]]:
    rows: list[Any] = []
    for (b, p), ids in _by_group(keys).items():
        owner = Price.book_id.is_(None) if b is None else Price.book_id == b
        q = select(*_COLUMNS).where(owner, Price.provider == p, Price.provider_id.in_(ids))
        if since is not None:
            q = q.where(Price.date >= since)
        if before is not None:
            q = q.where(Price.date < before)
        rows += s.execute(q.order_by(Price.provider_id, Price.date)).all()
    return _arrays(rows)


def _read_settled(s: Session, keys: Iterable[PriceKey], before: dt.date
                  ) -> dict[PriceKey, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64],
                                            str]]:
    """Every price of ``keys`` dated before ``before``, as arrays, through the driver's own
    cursor: day numbers and floats are computed by the database, and no row objects are
    built (730,000 rows: 0.5 s instead of 7 s through the ORM's result rows). The currency
    is the key's latest one."""
    sqlite = s.get_bind().dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    day = ("CAST(julianday(date) - 2440587.5 AS INTEGER)" if sqlite
           else "(date - DATE '1970-01-01')")
    number = "CAST(close AS REAL)" if sqlite else "CAST(close AS DOUBLE PRECISION)"
    bound: object = before.isoformat() if sqlite else before  # SQLite stores ISO text
    cursor = s.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    out = {}
    try:
        for b, p, i in keys:
            owner = "book_id IS NULL" if b is None else f"book_id = {mark}"
            params = ([] if b is None else [b]) + [p, i]
            where = f"{owner} AND provider = {mark} AND provider_id = {mark}"
            cursor.execute(f"SELECT {day}, {number} FROM prices WHERE {where} "  # noqa: S608 - fixed SQL, values bound
                           f"AND date < {mark} ORDER BY date", (*params, bound))
            rows = cursor.fetchall()
            if not rows:
                continue
            cursor.execute(f"SELECT currency FROM prices WHERE {where} "  # noqa: S608 - fixed SQL, values bound
                           "ORDER BY date DESC LIMIT 1", tuple(params))
            latest = cursor.fetchone()
            currency = str(latest[0]) if latest else ""
            table = np.array(rows, dtype=np.float64)
            out[(b, p, i)] = (table[:, 0].astype(np.int64), table[:, 1], currency)
    finally:
        cursor.close()
    return out


def _settled(s: Session, keys: set[PriceKey], cutoff: dt.date) -> dict[PriceKey, _Entry]:
    """The cached settled arrays of ``keys``, reading what is missing, new or expired."""
    url = s.get_bind().engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    max_id = int(s.scalar(select(func.max(Price.id))) or 0)
    with _LOCK:
        cache = _CACHE.setdefault(url, _DbCache())
        if max_id < cache.max_id:
            cache.entries.clear()
        seen = cache.max_id
    if max_id > seen:
        # Only cached keys can be outdated: with none cached there is nothing to check, and
        # a flood of new rows (a bulk import) simply empties the cache.
        touched = [] if not cache.entries else s.execute(
            select(Price.book_id, Price.provider, Price.provider_id, Price.date)
            .where(Price.id > seen).limit(MAX_NEW_ROWS)).all()
        with _LOCK:
            if len(touched) >= MAX_NEW_ROWS:
                cache.entries.clear()
            for b, p, i, day in touched:
                entry = cache.entries.get((b, p, i))
                if entry is not None and day < entry.cutoff:
                    del cache.entries[(b, p, i)]
            cache.max_id = max(cache.max_id, max_id)
    with _LOCK:
        fresh = {k: e for k, e in cache.entries.items()
                 if k in keys and e.cutoff == cutoff and now - e.loaded < CACHE_TTL_S}
    missing = keys - set(fresh)
    if missing:
        for key, (d, c, ccy) in _read_settled(s, missing, cutoff).items():
            fresh[key] = _Entry(cutoff, now, d, c, ccy)
        with _LOCK:
            if len(cache.entries) + len(missing) > CACHE_MAX_KEYS:
                cache.entries.clear()
            cache.entries.update({k: fresh[k] for k in missing if k in fresh})
    return fresh


def price_series(s: Session, assets: Iterable[Asset], end: dt.date
                 ) -> dict[int, PriceSeries]:
    """Every stored price up to ``end`` of each asset (settled days from the cache above,
    recent days read now), one a day: the book's own price wins a shared day."""
    keys_of = _keys_of(s, assets)
    by_key = _series_by_key(s, {k for keys in keys_of.values() for k in keys}, end)
    out: dict[int, PriceSeries] = {}
    for asset_id, keys in keys_of.items():
        found = [by_key[k] for k in keys if k in by_key]
        if len(found) == 1:
            out[asset_id] = found[0]
        elif found:
            out[asset_id] = _merged(found)
    return out


def _merged(parts: list[PriceSeries]) -> PriceSeries:
    """Series merged by day, a later part winning a day both have; its currency is the last
    part's (the book's own prices are normally in the asset's currency too)."""
    days = np.concatenate([p.days for p in parts])
    closes = np.concatenate([p.closes for p in parts])
    rank = np.concatenate([np.full(len(p.days), i) for i, p in enumerate(parts)])
    order = np.lexsort((rank, days))
    days, closes = days[order], closes[order]
    last_of_day = np.append(days[1:] != days[:-1], True)
    return PriceSeries(days[last_of_day], closes[last_of_day], parts[-1].currency)


def _series_by_key(s: Session, keys: set[PriceKey], end: dt.date
                   ) -> dict[PriceKey, PriceSeries]:
    if not keys:
        return {}
    cutoff = dt.date.today() - dt.timedelta(days=SETTLED_DAYS)
    settled = _settled(s, keys, cutoff)
    recent = _read(s, keys, cutoff, None) if end >= cutoff else {}
    last = np.datetime64(end, "D").astype(np.int64)
    out: dict[PriceKey, PriceSeries] = {}
    for key in keys:
        old, new = settled.get(key), recent.get(key)
        if old is None and new is None:
            continue
        parts_d = [old.days] if old is not None else []
        parts_c = [old.closes] if old is not None else []
        if new is not None:
            d, c = _to_numpy(new[0], new[1])
            parts_d.append(d)
            parts_c.append(c)
        days, closes = np.concatenate(parts_d), np.concatenate(parts_c)
        keep = days <= last
        ccy = old.currency if old is not None else new[2] if new is not None else ""
        out[key] = PriceSeries(days[keep], closes[keep], ccy)
    return out
