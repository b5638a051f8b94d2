"""Yahoo Finance prices (stocks, ETFs, funds, FX pairs like ``EURUSD=X``) from its chart JSON.

Why the chart endpoint behind a replaceable transport, rather than ``Ticker.history()``:
``history()`` answers with a pandas frame of floats and hides HTTP 429 and "unknown symbol"
behind log lines, while the chart JSON it is built from carries the exact digits Yahoo sent,
the listing currency and the error object. So the parsing here is ours and tested on recorded
payload shapes, and only the HTTP call is swapped in tests (``responses`` cannot see
curl_cffi). In production that call *is* yfinance: ``YfinanceTransport`` asks
``yfinance.data.YfData`` for the chart URL, the very request ``Ticker.history()`` makes, with
yfinance's browser impersonation (curl_cffi), cookie, crumb and consent handling — the parts
that make Yahoo answer at all and that we do not want to maintain.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from fintrack_core.prices.quotes import (
    BadResponse,
    DailyClose,
    EmptyData,
    ProviderError,
    ProviderTimeout,
    Quote,
    RateLimit,
    RateLimited,
    UnknownSymbol,
    Unreachable,
    parse_price,
    within,
)

BASE_URL = "https://query1.finance.yahoo.com"
TIMEOUT_S = 10.0
# Yahoo publishes no limit; yfinance users get HTTP 429 past a few requests a second.
LIMIT = RateLimit(per_second=4.0, burst=8, concurrency=8)
# Listings quoted in a currency's hundredth (London in pence): price / 100 in the main unit.
SUBUNITS = {"GBp": "GBP", "GBX": "GBP", "ZAc": "ZAR", "ILA": "ILS"}


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)


class Transport(Protocol):
    """GET ``url`` with ``params`` within ``timeout`` seconds; failures to connect are raised
    as ``ProviderError`` kinds, any HTTP answer (also 404, 429) is returned."""

    def __call__(self, url: str, params: Mapping[str, str], timeout: float) -> HttpAnswer: ...


class YfinanceTransport:
    """The production transport: yfinance's own HTTP session (see the module docstring).

    yfinance keeps cookie and timezone caches on disk (``~/.cache/py-yfinance`` by default);
    they go to ``cache_dir`` instead (default: a folder in the system's temp directory).
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        import yfinance  # heavy (pandas); only a real refresh needs it
        from yfinance.data import YfData

        # yfinance logs each failed cookie fetch as a warning; with no logging set up Python
        # would print it on stderr beside our own message. Still passed to the app's handlers.
        logging.getLogger("yfinance").addHandler(logging.NullHandler())
        folder = cache_dir or Path(tempfile.gettempdir()) / "fintrack-yfinance"
        folder.mkdir(parents=True, exist_ok=True)
        yfinance.set_tz_cache_location(str(folder))
        self._data = YfData()

    def __call__(self, url: str, params: Mapping[str, str], timeout: float) -> HttpAnswer:
        from curl_cffi import CurlError
        from curl_cffi.requests import exceptions as curl
        from yfinance.exceptions import YFRateLimitError

        try:  # bounded here too: yfinance's cookie fetch waits up to 30 s of its own
            response = within(timeout + 1, "Yahoo Finance", lambda: self._data.get(
                url=url, params=dict(params), timeout=timeout))
        except ProviderTimeout:
            raise
        except YFRateLimitError:
            raise RateLimited("Yahoo Finance is rate limiting requests (HTTP 429)") from None
        except curl.Timeout:
            raise ProviderTimeout(f"Yahoo Finance did not answer within {timeout:g} s") from None
        except (curl.ConnectionError, CurlError, OSError) as exc:  # refused, DNS, TLS, ...
            raise Unreachable(f"cannot reach Yahoo Finance ({type(exc).__name__})") from None
        return HttpAnswer(int(response.status_code), str(response.text),
                          {str(k): str(v) for k, v in response.headers.items()})


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds form only; a date form is ignored)."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _utc_epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _local_day(epoch: int, gmtoffset: int) -> dt.date:
    """The exchange's calendar day of a Yahoo timestamp (bars start at the local open)."""
    return dt.datetime.fromtimestamp(epoch + gmtoffset, dt.UTC).date()


class YahooProvider:
    """``Provider`` for Yahoo Finance over a ``Transport`` (yfinance's in production)."""

    name = "yahoo"
    label = "Yahoo Finance"
    batch_size = 1  # the chart endpoint takes one symbol a call

    def __init__(self, transport: Transport | None = None, *, base_url: str = BASE_URL,
                 timeout: float = TIMEOUT_S, limit: RateLimit = LIMIT,
                 cache_dir: Path | None = None) -> None:
        self._transport = transport or YfinanceTransport(cache_dir)
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self.limit = limit

    def latest(self, ids: Sequence[str]) -> dict[str, Quote]:
        quotes = {}
        for symbol in ids:
            result = self._chart(symbol, {"range": "5d", "interval": "1d"})
            meta = result.get("meta") or {}
            offset = int(meta.get("gmtoffset") or 0)
            raw_price, raw_time = meta.get("regularMarketPrice"), meta.get("regularMarketTime")
            if raw_price is None or raw_time is None:  # no live quote: the last close
                closes = self._closes(symbol, result)
                if not closes:
                    raise EmptyData(f"Yahoo Finance has no recent price of {symbol!r}")
                last = closes[-1]
                quotes[symbol] = Quote(symbol, last.close, last.currency, last.day)
                continue
            price, currency = self._in_main_unit(parse_price(raw_price, "regularMarketPrice"),
                                                 meta)
            at = dt.datetime.fromtimestamp(int(raw_time), dt.UTC)
            quotes[symbol] = Quote(symbol, price, currency, _local_day(int(raw_time), offset), at)
        return quotes

    def history(self, provider_id: str, start: dt.date, end: dt.date) -> list[DailyClose]:
        params = {"period1": str(_utc_epoch(start)),
                  "period2": str(_utc_epoch(end + dt.timedelta(days=1))), "interval": "1d"}
        closes = [c for c in self._closes(provider_id, self._chart(provider_id, params))
                  if start <= c.day <= end]
        if not closes:
            raise EmptyData(f"Yahoo Finance has no prices of {provider_id!r} from "
                            f"{start.isoformat()} to {end.isoformat()}")
        return closes

    # --- the chart JSON --------------------------------------------------------------------

    def _chart(self, symbol: str, params: dict[str, str]) -> dict[str, Any]:
        url = f"{self._base_url}/v8/finance/chart/{quote(symbol, safe='')}"
        answer = self._transport(url, params, self._timeout)
        if answer.status == 429:
            wait = retry_after(answer.headers)
            hint = f"; try again in {wait:g} s" if wait is not None else ""
            raise RateLimited(f"Yahoo Finance is rate limiting requests (HTTP 429){hint}", wait)
        try:
            payload = json.loads(answer.text, parse_float=Decimal)
            chart = payload["chart"]
        except (ValueError, KeyError, TypeError):
            raise BadResponse(f"Yahoo Finance answered HTTP {answer.status} with something "
                              f"that is not a price chart") from None
        error = chart.get("error")
        if error:
            code = str(error.get("code", ""))
            text = str(error.get("description", "")).strip()
            if code == "Not Found" or answer.status == 404:
                raise UnknownSymbol(f"Yahoo Finance does not know the symbol {symbol!r}"
                                    + (f" ({text})" if text else ""))
            raise BadResponse(f"Yahoo Finance could not answer for {symbol!r}: {code} {text}")
        if answer.status >= 400:
            raise BadResponse(f"Yahoo Finance answered HTTP {answer.status}")
        results = chart.get("result") or []
        if not results:
            raise EmptyData(f"Yahoo Finance returned no data for {symbol!r}")
        result: dict[str, Any] = results[0]
        return result

    def _closes(self, symbol: str, result: dict[str, Any]) -> list[DailyClose]:
        meta = result.get("meta") or {}
        offset = int(meta.get("gmtoffset") or 0)
        stamps = result.get("timestamp") or []
        quotes = (result.get("indicators") or {}).get("quote") or [{}]
        raw = quotes[0].get("close") or []
        by_day: dict[dt.date, DailyClose] = {}
        for stamp, close in zip(stamps, raw, strict=False):
            if close is None:  # a holiday or a halted day: Yahoo sends null
                continue
            price, currency = self._in_main_unit(parse_price(close, f"close of {symbol}"), meta)
            day = _local_day(int(stamp), offset)
            by_day[day] = DailyClose(day, price, currency)  # a later bar of a day wins
        return [by_day[d] for d in sorted(by_day)]

    @staticmethod
    def _in_main_unit(price: Decimal, meta: Mapping[str, Any]) -> tuple[Decimal, str]:
        currency = str(meta.get("currency") or "").strip()
        if currency in SUBUNITS:
            return price / 100, SUBUNITS[currency]
        if len(currency) != 3:
            raise BadResponse(f"Yahoo Finance sent no currency for {meta.get('symbol')!r}")
        return price, currency.upper()


def is_fx_pair(symbol: str) -> bool:
    """``EURUSD=X``: Yahoo's FX pair symbols (1 EUR in USD)."""
    return len(symbol) == 8 and symbol.endswith("=X") and symbol[:6].isalpha()


def fx_symbol(base: str, quote_ccy: str) -> str:
    return f"{base.upper()}{quote_ccy.upper()}=X"


__all__ = ["BASE_URL", "HttpAnswer", "ProviderError", "Transport", "YahooProvider",
           "YfinanceTransport", "fx_symbol", "is_fx_pair", "retry_after"]
