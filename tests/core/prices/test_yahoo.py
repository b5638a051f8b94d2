"""The Yahoo adapter on recorded chart JSON: exact prices, the exchange's day, pence, and
each way Yahoo says no (unknown symbol, HTTP 429, no data, no connection)."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pytest

from fintrack_core.prices import (
    BadResponse,
    EmptyData,
    ProviderTimeout,
    RateLimited,
    UnknownSymbol,
    Unreachable,
)
from fintrack_core.prices.yahoo import (
    HttpAnswer,
    YahooProvider,
    YfinanceTransport,
    fx_symbol,
    is_fx_pair,
)
from tests.core.prices.fakes import RecordedTransport
from tests.core.prices.payloads import YAHOO_NOT_FOUND, epoch, yahoo_chart, yahoo_empty

MON, TUE, WED = dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 25)


def provider(**answers: HttpAnswer | Exception) -> tuple[YahooProvider, RecordedTransport]:
    transport = RecordedTransport(dict(answers))
    return YahooProvider(transport, timeout=3.0), transport


def test_history_gives_exact_closes_on_the_exchanges_days_and_skips_nulls() -> None:
    chart = yahoo_chart("AAPL", {MON: 275.9200134277344, TUE: None, WED: 276.97})
    yahoo, transport = provider(AAPL=HttpAnswer(200, chart))
    closes = yahoo.history("AAPL", MON, WED)
    assert [(c.day, c.close, c.currency) for c in closes] == [
        (MON, Decimal("275.9200134277344"), "USD"), (WED, Decimal("276.97"), "USD")]
    [(url, params, timeout)] = transport.calls
    assert url == "https://query1.finance.yahoo.com/v8/finance/chart/AAPL"
    assert params == {"period1": str(epoch(MON)), "period2": str(epoch(dt.date(2026, 11, 26))),
                      "interval": "1d"}
    assert timeout == 3.0


def test_latest_is_the_regular_market_price_on_its_local_day() -> None:
    # 21:00 UTC on Wednesday is 16:00 in New York: Wednesday's close.
    at = epoch(WED, 21 * 3600)
    chart = yahoo_chart("AAPL", {MON: 275.92, TUE: 276.5}, price=277.55, price_time=at)
    yahoo, transport = provider(AAPL=HttpAnswer(200, chart))
    quote = yahoo.latest(["AAPL"])["AAPL"]
    assert (quote.price, quote.currency, quote.day) == (Decimal("277.55"), "USD", WED)
    assert quote.at == dt.datetime(2026, 11, 25, 21, tzinfo=dt.UTC)
    assert transport.calls[0][1] == {"range": "5d", "interval": "1d"}


def test_latest_without_a_live_price_takes_the_last_close() -> None:
    chart = yahoo_chart("VWCE.DE", {MON: 139.1, TUE: 140.02}, currency="EUR", gmtoffset=3600)
    yahoo, _ = provider(**{"VWCE.DE": HttpAnswer(200, chart)})
    quote = yahoo.latest(["VWCE.DE"])["VWCE.DE"]
    assert (quote.price, quote.currency, quote.day) == (Decimal("140.02"), "EUR", TUE)


def test_pence_become_pounds() -> None:
    chart = yahoo_chart("VUSA.L", {MON: 9650.5}, currency="GBp", gmtoffset=0)
    yahoo, _ = provider(**{"VUSA.L": HttpAnswer(200, chart)})
    [close] = yahoo.history("VUSA.L", MON, MON)
    assert (close.close, close.currency) == (Decimal("96.505"), "GBP")


def test_fx_pairs_and_symbols_are_quoted_in_the_url() -> None:
    assert fx_symbol("usd", "eur") == "USDEUR=X"
    assert is_fx_pair("EURUSD=X")
    assert not is_fx_pair("AAPL")
    chart = yahoo_chart("EURUSD=X", {MON: 1.0568}, gmtoffset=0)
    yahoo, transport = provider(**{"EURUSD%3DX": HttpAnswer(200, chart)})
    assert yahoo.history("EURUSD=X", MON, MON)[0].close == Decimal("1.0568")
    assert transport.calls[0][0].endswith("/chart/EURUSD%3DX")


def test_an_unknown_symbol_says_so() -> None:
    yahoo, _ = provider(NOPE=HttpAnswer(404, YAHOO_NOT_FOUND))
    with pytest.raises(UnknownSymbol, match=r"does not know the symbol 'NOPE'.*delisted"):
        yahoo.latest(["NOPE"])


def test_http_429_is_rate_limited_with_retry_after() -> None:
    yahoo, _ = provider(AAPL=HttpAnswer(429, "Too Many Requests", {"Retry-After": "30"}))
    with pytest.raises(RateLimited, match=r"HTTP 429.*30 s") as err:
        yahoo.history("AAPL", MON, WED)
    assert err.value.retry_after == 30.0
    assert err.value.kind == "rate_limited"


def test_no_bars_in_the_range_is_empty_data() -> None:
    yahoo, _ = provider(AAPL=HttpAnswer(200, yahoo_empty("AAPL")))
    with pytest.raises(EmptyData, match="no prices of 'AAPL' from 2026-11-23 to 2026-11-25"):
        yahoo.history("AAPL", MON, WED)


def test_a_page_that_is_not_json_is_a_bad_response() -> None:
    yahoo, _ = provider(AAPL=HttpAnswer(503, "<html>Will be right back</html>"))
    with pytest.raises(BadResponse, match="HTTP 503"):
        yahoo.latest(["AAPL"])


@pytest.mark.parametrize("error", [ProviderTimeout("Yahoo Finance did not answer within 3 s"),
                                   Unreachable("cannot reach Yahoo Finance (DNSError)")])
def test_transport_failures_pass_through(error: Exception) -> None:
    yahoo, _ = provider(AAPL=error)
    with pytest.raises(type(error)):
        yahoo.latest(["AAPL"])


def test_the_production_transport_is_yfinance_and_fails_fast_offline(tmp_path: Path) -> None:
    """The real yfinance session, aimed at a closed local port: no network needed, and no
    cache is written to the home folder."""
    yahoo = YahooProvider(base_url="http://127.0.0.1:9", timeout=2.0,
                          cache_dir=tmp_path / "yf")
    assert isinstance(yahoo._transport, YfinanceTransport)
    started = time.monotonic()
    with pytest.raises((Unreachable, ProviderTimeout)):
        yahoo.latest(["AAPL"])
    assert time.monotonic() - started < 5
    import yfinance.cache

    assert Path(yfinance.cache._TzDBManager.get_location()) == tmp_path / "yf"


class FakeYfData:
    """Stands in for ``yfinance.data.YfData``: raises ``error`` or answers ``response``."""

    def __init__(self, error: Exception | None = None, status: int = 200,
                 text: str = "{}", delay: float = 0.0) -> None:
        self.error, self.status_code, self.text, self.delay = error, status, text, delay
        self.headers = {"Content-Type": "application/json"}
        self.asked: list[tuple[str, dict[str, str], float]] = []

    def get(self, url: str, params: dict[str, str], timeout: float) -> FakeYfData:
        self.asked.append((url, params, timeout))
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self


@pytest.mark.parametrize(("error", "kind"), [
    ("YFRateLimitError", RateLimited), ("ReadTimeout", ProviderTimeout),
    ("DNSError", Unreachable), ("SSLError", Unreachable), ("CurlError", Unreachable)])
def test_yfinance_errors_become_provider_errors(tmp_path: Path, error: str,
                                                kind: type[Exception]) -> None:
    from curl_cffi import CurlError
    from curl_cffi.requests import exceptions as curl
    from yfinance.exceptions import YFRateLimitError

    made = {"YFRateLimitError": YFRateLimitError(), "ReadTimeout": curl.ReadTimeout("slow"),
            "DNSError": curl.DNSError("no host"), "SSLError": curl.SSLError("bad cert"),
            "CurlError": CurlError("HTTP/2 stream 1 was not closed cleanly")}[error]
    transport = YfinanceTransport(tmp_path)
    transport._data = FakeYfData(made)
    with pytest.raises(kind):
        transport("https://query1.finance.yahoo.com/v8/finance/chart/AAPL", {}, 2.0)


def test_yfinance_answers_become_http_answers(tmp_path: Path) -> None:
    transport = YfinanceTransport(tmp_path)
    fake = FakeYfData(status=404, text=YAHOO_NOT_FOUND)
    transport._data = fake
    answer = transport("https://query1.finance.yahoo.com/v8/finance/chart/NOPE",
                       {"range": "5d"}, 2.0)
    assert (answer.status, answer.text) == (404, YAHOO_NOT_FOUND)
    assert fake.asked == [("https://query1.finance.yahoo.com/v8/finance/chart/NOPE",
                           {"range": "5d"}, 2.0)]


def test_a_yfinance_call_that_outlasts_our_timeout_is_abandoned(tmp_path: Path) -> None:
    """yfinance's cookie fetch waits up to 30 s of its own; the transport stops waiting."""
    transport = YfinanceTransport(tmp_path)
    transport._data = FakeYfData(delay=5.0)
    started = time.monotonic()
    with pytest.raises(ProviderTimeout, match=r"within 1\.5 s"):
        transport("https://query1.finance.yahoo.com/v8/finance/chart/AAPL", {}, 0.5)
    assert time.monotonic() - started < 2.5
