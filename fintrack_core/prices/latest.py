"""Reading prices for a book: the latest price of each asset with its age, and a history.

Why every answer carries its age: prices come from a cache that a failed refresh leaves as
it was (DESIGN.md, boundary 5), so a page must be able to say "price from 3 days ago" and
flag it. Which row applies is decided here only: the latest day wins; on the same day the
book's own price (typed, imported, demo) beats the shared market one, as a manual FX rate
beats a provider rate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, Scope, require
from fintrack_core.db.portfolio_models import Asset, AssetKind, Price, PriceProvider
from fintrack_core.errors import NotFound
from fintrack_core.prices.cache import MANUAL

# Beyond this many days a label gives the date instead of counting days.
LABEL_DAYS = 60


@dataclass(frozen=True, slots=True)
class PricePoint:
    day: dt.date
    close: Decimal
    currency: str
    source: str
    fetched_at: dt.datetime
    own: bool  # the book's own price (manual, imported, demo), not a shared market price


@dataclass(frozen=True, slots=True)
class PriceView:
    """The latest known price of an asset, and how old it is.

    ``stale``: a market price older than the last finished trading day (weekdays; every day
    for crypto), so a refresh failed or has not run. A book's own price is never stale (no
    feed would update it), but ``label`` still says its age.
    """

    asset_id: int
    symbol: str
    day: dt.date
    close: Decimal
    currency: str
    source: str
    fetched_at: dt.datetime
    own: bool
    age_days: int
    stale: bool
    label: str


def trades_every_day(asset: Asset) -> bool:
    return asset.kind is AssetKind.CRYPTO or asset.provider is PriceProvider.COINGECKO


def last_trading_day(today: dt.date, every_day: bool) -> dt.date:
    """The last day whose close should be known by ``today``: yesterday, or for markets that
    close at weekends the last weekday before today."""
    day = today - dt.timedelta(days=1)
    while not every_day and day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def age_label(day: dt.date, today: dt.date) -> str:
    """"price from today", "price from yesterday", "price from 3 days ago", or the date."""
    age = (today - day).days
    if age <= 0:
        return "price from today"
    if age == 1:
        return "price from yesterday"
    if age <= LABEL_DAYS:
        return f"price from {age} days ago"
    return f"price from {day.isoformat()}"


def book_assets(s: Session, book_id: int, assets: Sequence[int | str] | None) -> list[Asset]:
    """The book's assets (all, or these ids or symbols; a symbol matches ignoring case), or
    ``NotFound`` for the first one that is not in this book."""
    q = select(Asset).where(Asset.book_id == book_id).order_by(Asset.symbol)
    if assets is None:
        return list(s.scalars(q))
    ids = [NotFound.unless_id("asset", a) for a in assets if not isinstance(a, str)]
    names = [a.strip() for a in assets if isinstance(a, str)]
    found = list(s.scalars(q.where(or_(Asset.id.in_(ids),
                                       func.lower(Asset.symbol).in_([n.lower()
                                                                     for n in names])))))
    by_id = {a.id: a for a in found}
    out: dict[int, Asset] = {}
    for wanted in assets:
        if isinstance(wanted, str):
            matches = [a for a in found if a.symbol.lower() == wanted.strip().lower()]
            exact = [a for a in matches if a.symbol == wanted.strip()] or matches
            if len(exact) != 1:
                raise NotFound("asset", wanted.strip())
            out[exact[0].id] = exact[0]
        elif wanted in by_id:
            out[wanted] = by_id[wanted]
        else:
            raise NotFound("asset", wanted)
    return list(out.values())


def _point(row: Price) -> PricePoint:
    return PricePoint(row.date, Decimal(row.close), row.currency, row.source, row.fetched_at,
                      row.book_id is not None)


def _is_market(asset: Asset) -> bool:
    return asset.provider is not PriceProvider.MANUAL


def _candidates(asset: Asset, book_id: int) -> ColumnElement[bool]:
    """The rows that price ``asset``: the book's own, and the market's if it has a feed."""
    own = and_(Price.book_id == book_id, Price.provider == MANUAL,
               Price.provider_id == asset.symbol)
    if not _is_market(asset):
        return own
    return or_(own, and_(Price.book_id.is_(None), Price.provider == asset.provider.value,
                         Price.provider_id == asset.provider_id))


def latest_in_session(s: Session, book_id: int, assets: Sequence[Asset],
                      today: dt.date) -> dict[int, PriceView]:
    """``latest_prices`` inside a session whose role check is done."""
    if not assets:
        return {}
    market_ids = {a.provider_id for a in assets if _is_market(a)}
    symbols = {a.symbol for a in assets}
    newest = func.row_number().over(
        partition_by=(Price.book_id, Price.provider, Price.provider_id),
        order_by=(Price.date.desc(), Price.id.desc())).label("newest")
    sub = select(Price.id, newest).where(or_(
        and_(Price.book_id.is_(None), Price.provider_id.in_(market_ids)),
        and_(Price.book_id == book_id, Price.provider == MANUAL,
             Price.provider_id.in_(symbols)))).subquery()
    rows = s.scalars(select(Price).join(sub, sub.c.id == Price.id).where(sub.c.newest <= 1))
    market: dict[tuple[str, str], Price] = {}
    own: dict[str, Price] = {}
    for row in rows:
        if row.book_id is None:
            market[(row.provider, row.provider_id)] = row
        else:
            own[row.provider_id] = row
    out = {}
    for asset in assets:
        mine = own.get(asset.symbol)
        theirs = market.get((asset.provider.value, asset.provider_id)) if _is_market(asset) \
            else None
        best = max((r for r in (mine, theirs) if r is not None),
                   key=lambda r: (r.date, r.book_id is not None), default=None)
        if best is not None:
            out[asset.id] = _view(asset, _point(best), today)
    return out


def is_stale(asset: Asset, day: dt.date, own: bool, today: dt.date) -> bool:
    """The one staleness rule (the Portfolio page's valuation uses it too): a market price
    older than the last finished trading day; a book's own price never is."""
    return not own and day < last_trading_day(today, trades_every_day(asset))


def _view(asset: Asset, p: PricePoint, today: dt.date) -> PriceView:
    stale = is_stale(asset, p.day, p.own, today)
    return PriceView(asset.id, asset.symbol, p.day, p.close, p.currency, p.source,
                     p.fetched_at, p.own, max(0, (today - p.day).days), stale,
                     age_label(p.day, today))


def latest_prices(scope: Scope, assets: Sequence[int | str] | None = None,
                  today: dt.date | None = None) -> dict[int, PriceView]:
    """The latest known price of each of the book's assets (or of ``assets``: ids or
    symbols), by asset id; an asset without any price yet is absent."""
    with scope.db.read() as s:
        require(s, scope, READ)
        rows = book_assets(s, scope.book_id, assets)
        return latest_in_session(s, scope.book_id, rows, today or dt.date.today())


def latest_price(scope: Scope, asset: int | str,
                 today: dt.date | None = None) -> PriceView | None:
    """The latest known price of one asset of the book, by id or symbol (``None``: no price
    yet)."""
    found = latest_prices(scope, [asset], today)
    return next(iter(found.values()), None)


def price_history(scope: Scope, asset: int | str, start: dt.date | None = None,
                  end: dt.date | None = None) -> list[PricePoint]:
    """One price a day for an asset, oldest first (the book's own price wins a shared day)."""
    with scope.db.read() as s:
        require(s, scope, READ)
        [row] = book_assets(s, scope.book_id, [asset])
        q = select(Price).where(_candidates(row, scope.book_id))
        if start is not None:
            q = q.where(Price.date >= start)
        if end is not None:
            q = q.where(Price.date <= end)
        by_day: dict[dt.date, PricePoint] = {}
        for price in s.scalars(q.order_by(Price.date, Price.book_id.is_not(None))):
            by_day[price.date] = _point(price)  # ordered so the book's own row comes last
        return [by_day[d] for d in sorted(by_day)]
