"""Refreshing many prices at once: 200 assets from a provider that answers in 100 ms a call.

The provider is the real ``YahooProvider`` (its chart-JSON parsing, error mapping and the
refresh's thread pool, token bucket and one database write) over a transport that waits
``--latency`` seconds and answers a recorded chart payload, so only the network is
simulated. Its rate limit is raised to ``--per-second`` so the figure measures concurrency;
with Yahoo's production limit (``yahoo.LIMIT``) the floor is assets / per_second, printed
too. Target: 200 assets in under 5 s.

    python benchmarks/bench_prices.py
    python benchmarks/bench_prices.py --assets 500 --latency 0.2 --runs 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.portfolio_models import Asset, AssetKind, PriceProvider
from fintrack_core.db.schema import upgrade
from fintrack_core.ledger import books, users
from fintrack_core.prices import RateLimit, refresh_prices
from fintrack_core.prices.yahoo import LIMIT, HttpAnswer, YahooProvider


def chart(symbol: str) -> str:
    """A 5-day chart like Yahoo's, with a live price (Wednesday 26 Nov 2026, 16:00 NY)."""
    stamps = [1763994600 + i * 86_400 for i in range(3)]
    closes = [101.25, 102.5, 101.75]
    return json.dumps({"chart": {"result": [{
        "meta": {"currency": "USD", "symbol": symbol, "gmtoffset": -18_000,
                 "regularMarketPrice": 102.31, "regularMarketTime": 1764190800},
        "timestamp": stamps, "indicators": {"quote": [{"close": closes}]}}], "error": None}})


class SlowTransport:
    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.calls = 0

    def __call__(self, url: str, params: Mapping[str, str], timeout: float) -> HttpAnswer:
        self.calls += 1
        time.sleep(self.latency)
        return HttpAnswer(200, chart(url.rsplit("/", 1)[-1]))


def build(folder: Path, assets: int) -> Scope:
    db = Database(f"sqlite:///{folder / 'prices.db'}")
    upgrade(db)
    user = users.create_user(db, "bench", "quotes-at-dawn-7", "Bench", base_currency="USD")
    scope = Scope(db, user.id, books.list_books(db, user.id)[0].id)
    with db.write() as s:
        s.add_all([Asset(book_id=scope.book_id, symbol=f"S{n:04}", name=f"Stock {n}",
                         kind=AssetKind.STOCK, currency="USD", provider=PriceProvider.YAHOO,
                         provider_id=f"S{n:04}") for n in range(assets)])
    return scope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per call")
    parser.add_argument("--per-second", type=float, default=1000.0,
                        help="the simulated provider's rate limit")
    parser.add_argument("--concurrency", type=int, default=LIMIT.concurrency * 2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scope = build(Path(tmp), args.assets)
        times = []
        for run in range(args.runs):
            transport = SlowTransport(args.latency)
            yahoo = YahooProvider(transport, limit=RateLimit(
                args.per_second, int(args.per_second), args.concurrency))
            started = time.perf_counter()
            result = refresh_prices(scope, include_fx=False, providers={"yahoo": yahoo})
            wall = time.perf_counter() - started
            times.append(wall)
            print(f"run {run + 1}: {len(result.updated)} updated, {len(result.failed)} failed, "
                  f"{transport.calls} calls, {wall:.2f} s wall")
        scope.db.dispose()
    serial = args.assets * args.latency
    print(f"refresh of {args.assets} assets at {args.latency * 1000:.0f} ms a call, "
          f"{args.concurrency} at once: median {statistics.median(times):.2f} s "
          f"(serial would be {serial:.0f} s; target < 5 s)")
    print(f"with Yahoo's production limit ({LIMIT.per_second:g}/s, burst {LIMIT.burst}) the "
          f"floor is {max(0.0, (args.assets - LIMIT.burst) / LIMIT.per_second):.0f} s")


if __name__ == "__main__":
    main()
