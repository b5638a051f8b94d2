"""Assets for the price tests, added as plain model rows: creating assets is the portfolio
package's job, and these tests need only an asset's provider and id."""

from __future__ import annotations

from fintrack_core.db.engine import Database
from fintrack_core.db.portfolio_models import Asset, AssetKind, PriceProvider


def add_asset(db: Database, book_id: int, symbol: str, kind: AssetKind, currency: str,
              provider: PriceProvider, provider_id: str | None = None) -> int:
    with db.write() as s:
        asset = Asset(book_id=book_id, symbol=symbol, name=symbol, kind=kind,
                      currency=currency, provider=provider,
                      provider_id=provider_id or symbol)
        s.add(asset)
        s.flush()
        return asset.id
