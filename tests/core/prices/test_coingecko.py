"""The CoinGecko adapter through pycoingecko, its HTTP calls answered by ``responses`` with
recorded payload shapes: prices, a day's close from a chart, and each way it fails."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
import requests
import responses
from responses import matchers

from fintrack_core.prices import (
    BadResponse,
    EmptyData,
    ProviderTimeout,
    RateLimited,
    UnknownSymbol,
    Unreachable,
)
from fintrack_core.prices.coingecko import CoinGeckoProvider
from tests.core.prices.payloads import (
    COINGECKO_429,
    COINGECKO_NOT_FOUND,
    coingecko_chart,
    coingecko_price,
    epoch,
)

API = "https://api.coingecko.com/api/v3"
NOV_27 = dt.date(2026, 11, 27)


def utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


@responses.activate
def test_latest_prices_are_exact_and_unknown_ids_are_left_out() -> None:
    stamp = epoch(NOV_27, 13 * 3600)
    responses.get(f"{API}/simple/price", json=coingecko_price(
        bitcoin=(67187.33, stamp), ethereum=(3512.1, stamp)), match=[
        matchers.query_param_matcher({"ids": "bitcoin,ethereum,nocoin", "vs_currencies": "usd",
                                      "include_last_updated_at": "true"})])
    quotes = CoinGeckoProvider().latest(["bitcoin", "ethereum", "nocoin"])
    assert set(quotes) == {"bitcoin", "ethereum"}
    btc = quotes["bitcoin"]
    assert (btc.price, btc.currency, btc.day) == (Decimal("67187.33"), "USD", NOV_27)
    assert btc.at == utc(NOV_27, 13)
    assert quotes["ethereum"].price == Decimal("3512.1")


@responses.activate
def test_history_keeps_each_days_last_price() -> None:
    start, end = dt.date(2026, 11, 25), dt.date(2026, 11, 26)
    responses.get(f"{API}/coins/bitcoin/market_chart/range", json=coingecko_chart([
        (utc(start, 0), 66000.5), (utc(start, 23, 55), 66400.25),
        (utc(end, 12), 67001.0), (utc(end, 23, 59), 66950.75)]), match=[
        matchers.query_param_matcher({"vs_currency": "usd", "from": str(epoch(start)),
                                      "to": str(epoch(end) + 86_399)})])
    closes = CoinGeckoProvider().history("bitcoin", start, end)
    assert [(c.day, c.close) for c in closes] == [(start, Decimal("66400.25")),
                                                  (end, Decimal("66950.75"))]


@responses.activate
def test_http_429_is_rate_limited_with_retry_after() -> None:
    responses.get(f"{API}/simple/price", json=COINGECKO_429, status=429,
                  headers={"Retry-After": "60"})
    with pytest.raises(RateLimited, match=r"CoinGecko.*HTTP 429.*60 s") as err:
        CoinGeckoProvider().latest(["bitcoin"])
    assert err.value.retry_after == 60.0


@responses.activate
def test_an_unknown_coin_id_says_so() -> None:
    responses.get(f"{API}/coins/nocoin/market_chart/range", json=COINGECKO_NOT_FOUND,
                  status=404)
    with pytest.raises(UnknownSymbol, match="'nocoin'"):
        CoinGeckoProvider().history("nocoin", NOV_27, NOV_27)


@responses.activate
def test_an_empty_chart_is_empty_data() -> None:
    responses.get(f"{API}/coins/bitcoin/market_chart/range",
                  json={"prices": [], "market_caps": [], "total_volumes": []})
    with pytest.raises(EmptyData, match="no prices of 'bitcoin'"):
        CoinGeckoProvider().history("bitcoin", NOV_27, NOV_27)


@responses.activate
def test_a_timeout_is_a_provider_timeout() -> None:
    responses.get(f"{API}/simple/price", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(ProviderTimeout, match="within 10 s"):
        CoinGeckoProvider().latest(["bitcoin"])


@responses.activate
def test_a_server_error_is_a_bad_response() -> None:
    responses.get(f"{API}/simple/price", body="<html>502 Bad Gateway</html>", status=502)
    with pytest.raises(BadResponse, match="server error"):
        CoinGeckoProvider().latest(["bitcoin"])


@responses.activate
def test_a_client_error_is_a_bad_response() -> None:
    responses.get(f"{API}/simple/price", json={"error": "invalid vs_currency"}, status=400)
    with pytest.raises(BadResponse, match="HTTP 400"):
        CoinGeckoProvider().latest(["bitcoin"])


@responses.activate
def test_a_float_that_is_not_a_price_is_refused() -> None:
    responses.get(f"{API}/simple/price",
                  json={"bitcoin": {"usd": -1.0, "last_updated_at": epoch(NOV_27)}})
    with pytest.raises(BadResponse, match="not a positive price"):
        CoinGeckoProvider().latest(["bitcoin"])


def test_offline_fails_at_once_without_retries() -> None:
    """pycoingecko's own retries would take ~15 s offline; a closed local port answers at
    once with a refused connection."""
    gecko = CoinGeckoProvider(base_url="http://127.0.0.1:9/api/v3/", timeout=2.0)
    started = time.monotonic()
    with pytest.raises(Unreachable, match="cannot reach CoinGecko"):
        gecko.latest(["bitcoin"])
    assert time.monotonic() - started < 3
