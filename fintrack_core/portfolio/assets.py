"""Assets of a book: what its investment accounts hold and where each one's price comes from.

An asset is the book's own row (two books may both hold "AAPL", each with its own notes and
provider choice), but its market prices are shared: they are keyed by (provider,
provider_id), so the provider id is chosen here once and the price fetcher and the valuation
read the same key. Why a default provider per kind: a person typing "BTC" should not have to
know that CoinGecko calls it "bitcoin"; a house or a private fund has no market at all and
is priced by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.db.portfolio_models import Asset, AssetKind, PriceProvider, Trade
from fintrack_core.errors import Conflict, NotFound, ValidationError
from fintrack_core.money import check_currency
from fintrack_core.text import clean_text

MAX_SYMBOL = 40
MAX_ASSET_NAME = 200
MAX_PROVIDER_ID = 100

# Common crypto symbols and their CoinGecko ids (CoinGecko prices by id, not by ticker, and
# tickers are not unique there). Anything else: give provider_id yourself.
COINGECKO_IDS: dict[str, str] = {
    "BTC": "bitcoin", "ETH": "ethereum", "SOL": "solana", "ADA": "cardano",
    "XRP": "ripple", "DOT": "polkadot", "DOGE": "dogecoin", "LTC": "litecoin",
    "BNB": "binancecoin", "AVAX": "avalanche-2", "MATIC": "matic-network",
    "POL": "polygon-ecosystem-token", "LINK": "chainlink", "XLM": "stellar",
    "ATOM": "cosmos", "TRX": "tron", "USDT": "tether", "USDC": "usd-coin",
    "BCH": "bitcoin-cash", "XMR": "monero", "ALGO": "algorand", "UNI": "uniswap",
}


@dataclass(frozen=True, slots=True)
class AssetInput:
    """What a person fills in. ``provider``/``provider_id`` None: the default for the kind
    (crypto: CoinGecko with the id from ``COINGECKO_IDS``; other and cash_like: manual;
    everything else: Yahoo with the symbol as its id)."""

    symbol: str
    kind: str | AssetKind
    currency: str
    name: str = ""
    provider: str | PriceProvider | None = None
    provider_id: str | None = None


@dataclass(frozen=True, slots=True)
class AssetView:
    id: int
    symbol: str
    name: str
    kind: AssetKind
    currency: str
    provider: PriceProvider
    provider_id: str


def asset_view(a: Asset) -> AssetView:
    return AssetView(a.id, a.symbol, a.name, AssetKind(a.kind), a.currency,
                     PriceProvider(a.provider), a.provider_id)


def _kind(value: str | AssetKind) -> AssetKind:
    try:
        return AssetKind(str(value).strip().lower())
    except ValueError:
        raise ValidationError("kind", f"{value!r} is not an asset kind; choose one of "
                                      f"{', '.join(k.value for k in AssetKind)}") from None


def _provider(value: str | PriceProvider) -> PriceProvider:
    try:
        return PriceProvider(str(value).strip().lower())
    except ValueError:
        raise ValidationError("provider", f"{value!r} is not a price provider; choose one of "
                                          f"{', '.join(p.value for p in PriceProvider)}"
                              ) from None


def default_provider(symbol: str, kind: AssetKind) -> tuple[PriceProvider, str | None]:
    """The provider and provider id an asset gets when none is given (None: unknown id)."""
    if kind is AssetKind.CRYPTO:
        return PriceProvider.COINGECKO, COINGECKO_IDS.get(symbol.upper())
    if kind in (AssetKind.OTHER, AssetKind.CASH_LIKE):
        return PriceProvider.MANUAL, symbol
    return PriceProvider.YAHOO, symbol


def _checked(s: Session, book_id: int, data: AssetInput, exclude_id: int | None) -> Asset:
    """An ``Asset`` row for ``data`` (not added), or the first rule it breaks, by field."""
    symbol = clean_text(data.symbol, "symbol", MAX_SYMBOL).upper()
    if not symbol:
        raise ValidationError("symbol", "an asset needs a symbol, e.g. AAPL or BTC")
    if any(c.isspace() for c in symbol):
        raise ValidationError("symbol", f"{symbol!r} contains spaces; a symbol is one word")
    kind = _kind(data.kind)
    currency = check_currency(data.currency)
    name = clean_text(data.name, "name", MAX_ASSET_NAME)
    provider, default_id = default_provider(symbol, kind)
    if data.provider is not None:
        provider = _provider(data.provider)
        default_id = (symbol if provider is not PriceProvider.COINGECKO
                      else COINGECKO_IDS.get(symbol))
    provider_id = (clean_text(data.provider_id, "provider_id", MAX_PROVIDER_ID)
                   if data.provider_id is not None else default_id)
    if not provider_id:
        raise ValidationError("provider_id", f"CoinGecko does not know {symbol!r} by that "
                                             "name; give its CoinGecko id (e.g. 'bitcoin')")
    clash = s.scalar(select(Asset.id).where(Asset.book_id == book_id, Asset.symbol == symbol,
                                            Asset.id != (exclude_id or -1)))
    if clash is not None:
        raise ValidationError("symbol", f"{symbol!r} is already an asset of this book")
    return Asset(book_id=book_id, symbol=symbol, name=name or symbol, kind=kind,
                 currency=currency, provider=provider, provider_id=provider_id)


def get_asset_row(s: Session, book_id: int, asset_id: int, field: str = "asset") -> Asset:
    """An asset of this book, or ``NotFound`` (another book's asset looks absent)."""
    asset = s.get(Asset, NotFound.unless_id(field, asset_id))
    if asset is None or asset.book_id != book_id:
        raise NotFound(field, asset_id)
    return asset


def add_asset(scope: Scope, data: AssetInput) -> AssetView:
    with scope.db.write() as s:
        require(s, scope, WRITE, rewrites=False)
        asset = _checked(s, scope.book_id, data, None)
        s.add(asset)
        s.flush()
        return asset_view(asset)


def update_asset(scope: Scope, asset_id: int, **changes: object) -> AssetView:
    """Change fields of an asset (names as in ``AssetInput``). The currency of an asset
    with trades cannot change: its trades' prices are in the old currency."""
    names = {f.name for f in fields(AssetInput)}
    unknown = sorted(set(changes) - names)
    if unknown:
        raise ValidationError(unknown[0], "is not an asset field")
    with scope.db.write() as s:
        require(s, scope, WRITE)
        asset = get_asset_row(s, scope.book_id, asset_id)
        current: dict[str, object] = {
            "symbol": asset.symbol, "kind": asset.kind, "currency": asset.currency,
            "name": asset.name, "provider": asset.provider, "provider_id": asset.provider_id}
        if ("symbol" in changes or "kind" in changes) and not (
                {"provider", "provider_id"} & set(changes)):
            current["provider"] = None  # the new symbol/kind picks its default again
            current["provider_id"] = None
        checked = _checked(s, scope.book_id, AssetInput(**(current | changes)),  # type: ignore[arg-type]
                           asset.id)
        if checked.currency != asset.currency and _trade_count(s, asset.id):
            raise ValidationError("currency", f"{asset.symbol} has trades priced in "
                                              f"{asset.currency}; its currency cannot change")
        for column in ("symbol", "name", "kind", "currency", "provider", "provider_id"):
            setattr(asset, column, getattr(checked, column))
        s.flush()
        return asset_view(asset)


def _trade_count(s: Session, asset_id: int) -> int:
    return int(s.scalar(select(func.count()).select_from(Trade)
                        .where(Trade.asset_id == asset_id)) or 0)


def delete_asset(scope: Scope, asset_id: int) -> None:
    """Delete an asset that has no trades (delete its trades first: they are history)."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        asset = get_asset_row(s, scope.book_id, asset_id)
        count = _trade_count(s, asset.id)
        if count:
            raise Conflict(f"{asset.symbol} has {count} trade{'s' if count != 1 else ''}; "
                           "delete them first (an asset with history cannot be deleted)")
        s.delete(asset)


def get_asset(scope: Scope, asset_id: int) -> AssetView:
    with scope.db.read() as s:
        require(s, scope, READ)
        return asset_view(get_asset_row(s, scope.book_id, asset_id))


def list_assets(scope: Scope) -> list[AssetView]:
    """The book's assets by symbol."""
    with scope.db.read() as s:
        require(s, scope, READ)
        rows = s.scalars(select(Asset).where(Asset.book_id == scope.book_id)
                         .order_by(Asset.symbol)).all()
        return [asset_view(a) for a in rows]
