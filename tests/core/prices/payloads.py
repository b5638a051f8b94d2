"""Recorded shapes of the providers' answers, written out by hand (Yahoo's chart JSON, its
error object, CoinGecko's simple/price and market_chart), so the adapters are tested on what
the services send, digits and nulls included."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

NEW_YORK = -18_000  # gmtoffset in November (EST), seconds
OPEN_NY = 14 * 3600 + 30 * 60  # 09:30 in New York is 14:30 UTC


def epoch(day: dt.date, seconds: int = 0) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()) + seconds


def yahoo_chart(symbol: str, closes: dict[dt.date, float | None], *, currency: str = "USD",
                price: float | None = None, price_time: int | None = None,
                gmtoffset: int = NEW_YORK) -> str:
    """``/v8/finance/chart/{symbol}`` as Yahoo sends it: bars stamped at the local open."""
    meta: dict[str, Any] = {
        "currency": currency, "symbol": symbol, "exchangeName": "NMS",
        "fullExchangeName": "NasdaqGS", "instrumentType": "EQUITY",
        "firstTradeDate": 345479400, "gmtoffset": gmtoffset,
        "timezone": "EST", "exchangeTimezoneName": "America/New_York",
        "priceHint": 2, "dataGranularity": "1d", "range": "5d",
    }
    if price is not None:
        meta["regularMarketPrice"] = price
        meta["regularMarketTime"] = price_time
    days = sorted(closes)
    stamps = [epoch(d, OPEN_NY) for d in days]
    values = [closes[d] for d in days]
    result = {"meta": meta, "timestamp": stamps, "indicators": {
        "quote": [{"open": values, "high": values, "low": values, "close": values,
                   "volume": [51_000_000 if v is not None else None for v in values]}],
        "adjclose": [{"adjclose": values}]}}
    return json.dumps({"chart": {"result": [result], "error": None}})


YAHOO_NOT_FOUND = json.dumps({"chart": {"result": None, "error": {
    "code": "Not Found", "description": "No data found, symbol may be delisted"}}})


def yahoo_empty(symbol: str) -> str:
    """A known symbol with no bars in the range (Yahoo answers 200 with no timestamps)."""
    return json.dumps({"chart": {"result": [{"meta": {
        "currency": "USD", "symbol": symbol, "gmtoffset": NEW_YORK,
        "dataGranularity": "1d"}, "indicators": {"quote": [{}]}}], "error": None}})


def coingecko_price(**coins: tuple[float, int]) -> dict[str, Any]:
    """simple/price with include_last_updated_at: {"bitcoin": {"usd": ..., ...}}."""
    return {coin: {"usd": price, "last_updated_at": stamp}
            for coin, (price, stamp) in coins.items()}


def coingecko_chart(points: list[tuple[dt.datetime, float]]) -> dict[str, Any]:
    """coins/{id}/market_chart/range: [milliseconds, value] lists."""
    ms = [int(t.timestamp() * 1000) for t, _ in points]
    return {"prices": [[m, p] for m, (_, p) in zip(ms, points, strict=True)],
            "market_caps": [[m, p * 19_700_000] for m, (_, p) in zip(ms, points, strict=True)],
            "total_volumes": [[m, 3.1e10] for m in ms]}


COINGECKO_429 = {"status": {"error_code": 429, "error_message": "You've exceeded the Rate "
                            "Limit. Please visit https://www.coingecko.com/en/api/pricing "
                            "to subscribe to our API plans for higher rate limits."}}
COINGECKO_NOT_FOUND = {"error": "coin not found"}
