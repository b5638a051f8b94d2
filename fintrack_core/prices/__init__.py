"""Prices and FX rates from providers, cached in the database, usable offline.

``quotes`` is the provider interface and its errors; ``yahoo`` and ``coingecko`` implement it;
``cache`` stores what they answer; ``refresh`` fetches a book's prices concurrently within
each provider's limits; ``latest`` reads prices with their age; ``manual`` holds a book's own
prices (typed or from a CSV); ``demo`` makes offline prices for the demo book. The names
interfaces call are bound here.
"""

from __future__ import annotations

from fintrack_core.prices.demo import DEMO_SOURCE, demo_price_history, store_demo_prices
from fintrack_core.prices.latest import (
    PricePoint,
    PriceView,
    age_label,
    latest_price,
    latest_prices,
    price_history,
)
from fintrack_core.prices.manual import (
    PriceImportResult,
    PriceLine,
    import_prices,
    parse_user_price,
    set_price,
)
from fintrack_core.prices.quotes import (
    BadResponse,
    DailyClose,
    EmptyData,
    Provider,
    ProviderError,
    ProviderTimeout,
    Quote,
    RateLimit,
    RateLimited,
    UnknownSymbol,
    Unreachable,
)
from fintrack_core.prices.refresh import (
    BackfillResult,
    Failure,
    RefreshResult,
    backfill_history,
    check_refresh_allowed,
    refresh_prices,
)

__all__ = [
    "DEMO_SOURCE", "BackfillResult", "BadResponse", "DailyClose", "EmptyData", "Failure",
    "PriceImportResult", "PriceLine", "PricePoint", "PriceView", "Provider", "ProviderError",
    "ProviderTimeout", "Quote", "RateLimit", "RateLimited", "RefreshResult", "UnknownSymbol",
    "Unreachable", "age_label", "backfill_history", "check_refresh_allowed",
    "demo_price_history", "import_prices",
    "latest_price", "latest_prices", "parse_user_price", "price_history", "refresh_prices",
    "set_price", "store_demo_prices",
]
