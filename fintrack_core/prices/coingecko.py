"""CoinGecko crypto prices through pycoingecko, by CoinGecko id ("bitcoin", "ethereum").

Why these settings: pycoingecko retries five times with back-off by default, so an offline
call takes ~15 s; ``retries=0`` and an explicit request timeout make it fail at once, and
the refresh decides what to do next. Its errors arrive as ``requests`` exceptions, or as a
``ValueError`` holding the error JSON whose ``__context__`` is the ``HTTPError`` (and so the
status and the ``Retry-After`` header); both are mapped to ``ProviderError`` kinds here.

Why one currency (USD by default): market prices are shared by every book and keyed by
provider id and day only, so a coin has one price a day; a book in EUR converts it with the
stored USD rate like any other amount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import requests
from pycoingecko import CoinGeckoAPI

from fintrack_core.prices.quotes import (
    BadResponse,
    DailyClose,
    EmptyData,
    ProviderTimeout,
    Quote,
    RateLimit,
    RateLimited,
    UnknownSymbol,
    Unreachable,
    parse_price,
)
from fintrack_core.prices.yahoo import retry_after

BASE_URL = "https://api.coingecko.com/api/v3/"
TIMEOUT_S = 10.0
# The public API allows about 30 calls a minute (fewer under load).
LIMIT = RateLimit(per_second=0.5, burst=5, concurrency=2)

T = TypeVar("T")


class CoinGeckoProvider:
    """``Provider`` for CoinGecko; ``api`` is a ``pycoingecko.CoinGeckoAPI`` (made here)."""

    name = "coingecko"
    label = "CoinGecko"
    batch_size = 250  # ids per simple/price call

    def __init__(self, api: CoinGeckoAPI | None = None, *, vs_currency: str = "USD",
                 base_url: str = BASE_URL, timeout: float = TIMEOUT_S,
                 limit: RateLimit = LIMIT) -> None:
        self._api = api or CoinGeckoAPI(retries=0)
        self._api.api_base_url = base_url
        self._api.request_timeout = timeout
        self._timeout = timeout
        self.currency = vs_currency.upper()
        self.limit = limit

    def latest(self, ids: Sequence[str]) -> dict[str, Quote]:
        vs = self.currency.lower()
        data = self._call(self._api.get_price, ids=",".join(ids), vs_currencies=vs,
                          include_last_updated_at="true")
        if not isinstance(data, Mapping):
            raise BadResponse("CoinGecko answered with something that is not a price list")
        quotes = {}
        for coin in ids:
            entry = data.get(coin)
            if not isinstance(entry, Mapping) or entry.get(vs) is None:
                continue  # an id CoinGecko does not know is simply absent
            price = parse_price(entry[vs], f"price of {coin}")
            stamp = entry.get("last_updated_at")
            at = dt.datetime.fromtimestamp(int(stamp), dt.UTC) if stamp else None
            day = at.date() if at else dt.datetime.now(dt.UTC).date()
            quotes[coin] = Quote(coin, price, self.currency, day, at)
        return quotes

    def history(self, provider_id: str, start: dt.date, end: dt.date) -> list[DailyClose]:
        begin = int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp())
        stop = begin + ((end - start).days + 1) * 86_400 - 1
        data = self._call(self._api.get_coin_market_chart_range_by_id, provider_id,
                          self.currency.lower(), begin, stop, coin_id=provider_id)
        points = data.get("prices") if isinstance(data, Mapping) else None
        if not isinstance(points, list):
            raise BadResponse(f"CoinGecko answered with no price list for {provider_id!r}")
        by_day: dict[dt.date, DailyClose] = {}
        for point in points:  # [milliseconds, price], oldest first; the day's last one wins
            if not isinstance(point, list | tuple) or len(point) != 2 or point[1] is None:
                continue
            day = dt.datetime.fromtimestamp(int(point[0]) / 1000, dt.UTC).date()
            if start <= day <= end:
                by_day[day] = DailyClose(day, parse_price(point[1], f"price of {provider_id}"),
                                         self.currency)
        if not by_day:
            raise EmptyData(f"CoinGecko has no prices of {provider_id!r} from "
                            f"{start.isoformat()} to {end.isoformat()}")
        return [by_day[d] for d in sorted(by_day)]

    def _call(self, method: Callable[..., T], *args: Any, coin_id: str = "",
              **kwargs: Any) -> T:
        try:
            return method(*args, **kwargs)
        except requests.Timeout:
            raise ProviderTimeout(f"CoinGecko did not answer within {self._timeout:g} s"
                                  ) from None
        except requests.ConnectionError as exc:
            raise Unreachable(f"cannot reach CoinGecko ({type(exc).__name__})") from None
        except (requests.HTTPError, ValueError) as exc:
            http = exc if isinstance(exc, requests.HTTPError) else exc.__context__
            response = getattr(http, "response", None)
            status = getattr(response, "status_code", None)
            if status == 429:
                wait = retry_after(getattr(response, "headers", {}) or {})
                hint = f"; try again in {wait:g} s" if wait is not None else ""
                raise RateLimited(f"CoinGecko is rate limiting requests (HTTP 429){hint}",
                                  wait) from None
            if status == 404 and coin_id:
                raise UnknownSymbol(f"CoinGecko does not know the coin id {coin_id!r}") from None
            raise BadResponse(f"CoinGecko answered HTTP {status or '?'}") from None
        except requests.exceptions.RetryError:  # 502/503/504 with retries off
            raise BadResponse("CoinGecko answered with a server error (HTTP 502, 503 or 504)"
                              ) from None
        except requests.RequestException as exc:
            raise BadResponse(f"CoinGecko request failed ({type(exc).__name__})") from None
