"""Refreshing a book's prices and FX rates from the providers, many at once, never failing
for the network's sake.

Why it is shaped like this:

- The role check comes first and the network calls run outside any database transaction;
  what arrived is stored at the end in one short write, so a slow provider never holds the
  database lock and a crash stores nothing half-way.
- Calls run on a bounded thread pool, each provider limited by its own concurrency and token
  bucket (``throttle``); a provider that is unreachable or answers HTTP 429 is not asked again
  in the same refresh, so offline the refresh ends after the first failed call of each
  provider, not after one timeout per asset.
- The whole refresh has a deadline: calls still running then count as timed out and the
  result is returned anyway (their threads end at their own HTTP timeout).
- A provider that answered HTTP 429 is left alone for as long as its ``Retry-After`` said (a
  minute when it said nothing), in this refresh and the next ones of this process.
- Every failure becomes a ``Failure`` with a plain reason, and ``RefreshResult.error`` is the
  one sentence a page or the CLI shows; the last known prices stay in place (``latest``).
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from fintrack_core.access import WRITE, Scope, check_role, require
from fintrack_core.db.engine import data_dir
from fintrack_core.db.models import Account, Book
from fintrack_core.db.portfolio_models import Asset, PriceProvider
from fintrack_core.errors import ValidationError
from fintrack_core.prices.cache import PriceRow, store_market_prices, store_market_rates, utc_now
from fintrack_core.prices.latest import book_assets
from fintrack_core.prices.quotes import (
    DailyClose,
    Provider,
    ProviderError,
    ProviderTimeout,
    Quote,
    RateLimited,
    UnknownSymbol,
    Unreachable,
    within,
)
from fintrack_core.prices.throttle import TokenBucket
from fintrack_core.prices.yahoo import fx_symbol, is_fx_pair

DEADLINE_S = 60.0
MAX_THREADS = 16
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Failure:
    """One symbol that was not updated, and why, in words."""

    symbol: str
    provider: str
    kind: str  # ProviderError.kind: timeout, rate_limited, unknown_symbol, empty, ...
    reason: str


@dataclass
class RefreshResult:
    updated: list[str] = field(default_factory=list)  # asset symbols with a new price
    fx_updated: list[str] = field(default_factory=list)  # "USD/EUR": 1 USD in EUR
    failed: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def error(self) -> str | None:
        """The one sentence to show when something failed (``None``: all went well)."""
        if not self.failed:
            return None
        order = ("unreachable", "rate_limited", "timeout")
        worst = min(self.failed, key=lambda f: order.index(f.kind) if f.kind in order else 9)
        reasons = list(dict.fromkeys(f.reason for f in self.failed if f.kind == worst.kind))
        said = "; ".join(reasons[:2]) + ("; ..." if len(reasons) > 2 else "")
        total = len(self.failed) + len(self.updated) + len(self.fx_updated)
        return (f"{len(self.failed)} of {total} prices could not be updated ({said}); "
                "the last known prices are shown with their age")

    def as_json(self) -> dict[str, Any]:
        return {"updated": self.updated, "fx_updated": self.fx_updated,
                "failed": [{"symbol": f.symbol, "provider": f.provider, "kind": f.kind,
                            "reason": f.reason} for f in self.failed],
                "error": self.error, "seconds": round(self.seconds, 3)}


@dataclass(frozen=True, slots=True)
class BackfillResult:
    symbol: str
    stored: int
    first: dt.date | None
    last: dt.date | None
    error: str | None  # why nothing was stored (the network, an unknown symbol, ...)

    def as_json(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "stored": self.stored,
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None, "error": self.error}


# --- providers and their limits ------------------------------------------------------------

_BUCKETS: dict[tuple[str, float, int], TokenBucket] = {}
_BUCKETS_LOCK = threading.Lock()
# provider name -> (time.monotonic() until which it is not asked, what it said)
_COOLDOWN: dict[str, tuple[float, RateLimited]] = {}
COOLDOWN_S = 60.0  # after an HTTP 429 without a Retry-After


def _cooling_down(provider: Provider) -> RateLimited | None:
    """The 429 a provider answered, while the wait it asked for is not over."""
    until, said = _COOLDOWN.get(provider.name, (0.0, None))
    left = until - time.monotonic()
    if said is None or left <= 0:
        return None
    return RateLimited(f"{provider.label} is rate limiting requests (HTTP 429); try again in "
                       f"{math.ceil(left)} s", left)


def _cool_down(provider: Provider, exc: RateLimited) -> None:
    wait = exc.retry_after if exc.retry_after is not None else COOLDOWN_S
    _COOLDOWN[provider.name] = (time.monotonic() + wait, exc)


def bucket_for(provider: Provider) -> TokenBucket:
    """One bucket per provider and limit for the whole process: two refreshes in a row (the
    page and the CLI in one server) share the provider's budget."""
    key = (provider.name, provider.limit.per_second, provider.limit.burst)
    with _BUCKETS_LOCK:
        if key not in _BUCKETS:
            _BUCKETS[key] = TokenBucket(provider.limit.per_second, provider.limit.burst)
        return _BUCKETS[key]


def make_provider(name: str, scope: Scope) -> Provider:
    """The production provider of that name (yfinance's caches go beside the data)."""
    if name == PriceProvider.YAHOO:
        from fintrack_core.prices.yahoo import YahooProvider

        folder = data_dir(scope.db.url) / "cache" / "yfinance"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:  # a read-only data folder: yfinance's caches go to the temp folder
            return YahooProvider()
        return YahooProvider(cache_dir=folder)
    if name == PriceProvider.COINGECKO:
        from fintrack_core.prices.coingecko import CoinGeckoProvider

        return CoinGeckoProvider()
    raise ValidationError("provider", f"no price provider named {name!r}")


def _provider(name: str, scope: Scope, given: Mapping[str, Provider] | None,
              made: dict[str, Provider]) -> Provider:
    if given is not None:
        if name not in given:
            raise ValidationError("provider", f"no price provider named {name!r}")
        return given[name]
    if name not in made:
        made[name] = make_provider(name, scope)
    return made[name]


# --- the refresh ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Job:
    provider: str
    ids: tuple[str, ...]


@dataclass
class _Fetched:
    quotes: dict[tuple[str, str], Quote] = field(default_factory=dict)
    failures: dict[tuple[str, str], ProviderError] = field(default_factory=dict)


def _plan(s: Any, book_id: int, assets: Sequence[Asset], include_fx: bool,
          coingecko_currency: str) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str]]]:
    """(provider, id) pairs to fetch for the assets, and FX symbols -> (base, quote)."""
    wanted = sorted({(a.provider.value, a.provider_id) for a in assets
                     if a.provider is not PriceProvider.MANUAL})
    pairs: dict[str, tuple[str, str]] = {}
    if include_fx:
        base = s.scalar(select(Book.base_currency).where(Book.id == book_id)) or ""
        currencies = {a.currency for a in assets}
        currencies |= set(s.scalars(select(Account.currency).where(Account.book_id == book_id)))
        if any(a.provider is PriceProvider.COINGECKO for a in assets):
            currencies.add(coingecko_currency)
        for ccy in sorted(currencies - {base, ""}):
            pairs[fx_symbol(ccy, base)] = (ccy, base)
    for provider, pid in wanted:  # an asset that is itself a pair also feeds fx_rates
        if provider == PriceProvider.YAHOO and is_fx_pair(pid):
            pairs.setdefault(pid, (pid[:3], pid[3:6]))
    fetch = wanted + [(PriceProvider.YAHOO.value, sym) for sym in pairs
                      if (PriceProvider.YAHOO.value, sym) not in wanted]
    return fetch, pairs


def _fetch(jobs: list[_Job], providers: Mapping[str, Provider], deadline: float,
           progress: Progress | None, total: int) -> _Fetched:
    out = _Fetched()
    blocked: dict[str, ProviderError] = {}  # unreachable or rate limited: not asked again
    gates = {n: threading.Semaphore(max(1, p.limit.concurrency)) for n, p in providers.items()}

    def run(job: _Job) -> dict[str, Quote]:
        provider = providers[job.provider]
        if job.provider in blocked:
            raise blocked[job.provider]
        cooling = _cooling_down(provider)
        if cooling is not None:
            raise cooling
        with gates[job.provider]:
            if job.provider in blocked:
                raise blocked[job.provider]
            if not bucket_for(provider).acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise ProviderTimeout(f"{provider.label}'s rate limit left no time to ask "
                                      "before the refresh's deadline")
            try:
                return provider.latest(list(job.ids))
            except RateLimited as exc:
                _cool_down(provider, exc)
                blocked.setdefault(job.provider, exc)
                raise
            except Unreachable as exc:
                blocked.setdefault(job.provider, exc)
                raise

    workers = min(MAX_THREADS, max(1, sum(p.limit.concurrency for p in providers.values())),
                  max(1, len(jobs)))
    pool = cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fintrack-prices")
    futures = {pool.submit(run, job): job for job in jobs}
    done = 0
    try:
        for future in cf.as_completed(futures, timeout=max(0.0, deadline - time.monotonic())):
            job = futures[future]
            _collect(out, job, future, providers[job.provider])
            done += len(job.ids)
            if progress is not None:
                progress(done, total)
    except cf.TimeoutError:
        for future, job in futures.items():
            if not future.done():
                label = providers[job.provider].label
                for pid in job.ids:
                    out.failures[(job.provider, pid)] = ProviderTimeout(
                        f"{label} did not answer before the refresh's deadline")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return out


def _collect(out: _Fetched, job: _Job, future: cf.Future[dict[str, Quote]],
             provider: Provider) -> None:
    try:
        quotes = future.result()
    except ProviderError as exc:
        for pid in job.ids:
            out.failures[(job.provider, pid)] = exc
        return
    except Exception as exc:  # a provider's bug must not end the refresh: say it plainly
        for pid in job.ids:
            out.failures[(job.provider, pid)] = ProviderError(
                f"{provider.label} answered in a way FinTrack cannot read "
                f"({type(exc).__name__})")
        return
    for pid in job.ids:
        if pid in quotes:
            out.quotes[(job.provider, pid)] = quotes[pid]
        else:
            out.failures[(job.provider, pid)] = UnknownSymbol(
                f"{provider.label} does not know {pid!r}")


def check_refresh_allowed(scope: Scope) -> None:
    """The role check of ``refresh_prices`` alone (an editor or owner), with no network call
    and no write: an interface that runs the refresh in the background (the API's price
    job) must refuse a viewer before it queues anything, with the same message."""
    with scope.db.read() as s:
        check_role(s, scope, WRITE)


def refresh_prices(scope: Scope, assets: Sequence[int | str] | None = None, *,
                   include_fx: bool = True, providers: Mapping[str, Provider] | None = None,
                   progress: Progress | None = None,
                   deadline_s: float = DEADLINE_S) -> RefreshResult:
    """Fetch the latest price of the book's assets (or of ``assets``: ids or symbols) and
    the FX rates from their currencies to the book's base currency, and store them.

    Needs an editor or owner. Never raises for network reasons: whatever failed is listed in
    the result, and the prices stored before stay as they were. ``providers`` replaces the
    production providers by name ("yahoo", "coingecko"), for tests and benchmarks.
    ``progress(done, total)`` is called on this thread as answers arrive.
    """
    started = time.monotonic()
    with scope.db.read() as s:
        check_role(s, scope, WRITE)  # before any network call; the write checks again
        rows = book_assets(s, scope.book_id, assets)
        cg_ccy = getattr((providers or {}).get(PriceProvider.COINGECKO.value), "currency",
                         "USD")
        fetch, pairs = _plan(s, scope.book_id, rows, include_fx, str(cg_ccy))
    result = RefreshResult()
    if not fetch:
        result.seconds = time.monotonic() - started
        return result
    made: dict[str, Provider] = {}
    chosen: dict[str, Provider] = {}
    unusable: dict[tuple[str, str], ProviderError] = {}
    jobs: list[_Job] = []
    for name in dict.fromkeys(n for n, _ in fetch):
        ids = [pid for n, pid in fetch if n == name]
        try:
            provider = chosen[name] = _provider(name, scope, providers, made)
        except Exception as exc:  # the library would not load, its cache cannot be made
            reason = f"the {name} provider could not start ({type(exc).__name__}: {exc})"
            unusable.update({(name, pid): ProviderError(reason) for pid in ids})
            continue
        size = max(1, provider.batch_size)
        jobs += [_Job(name, tuple(ids[i:i + size])) for i in range(0, len(ids), size)]
    fetched = _fetch(jobs, chosen, started + deadline_s, progress, len(fetch))
    fetched.failures.update(unusable)
    _store(scope, rows, pairs, fetched, result)
    result.seconds = time.monotonic() - started
    return result


def _store(scope: Scope, assets: Sequence[Asset], pairs: Mapping[str, tuple[str, str]],
           fetched: _Fetched, result: RefreshResult) -> None:
    by_key: dict[tuple[str, str], list[str]] = {}
    for a in assets:
        by_key.setdefault((a.provider.value, a.provider_id), []).append(a.symbol)
    yahoo = PriceProvider.YAHOO.value
    for (name, pid), exc in sorted(fetched.failures.items()):
        for symbol in by_key.get((name, pid)) or [_pair_name(pairs[pid])]:
            result.failed.append(Failure(symbol, name, exc.kind, exc.reason))
    if not fetched.quotes:
        return
    now = utc_now()
    with scope.db.write() as s:
        require(s, scope, WRITE, rewrites=False)
        for (name, pid), q in sorted(fetched.quotes.items()):
            if (name, pid) in by_key:
                store_market_prices(s, name, pid, [PriceRow(q.day, q.price, q.currency,
                                                            f"{name} quote")], now)
                result.updated += by_key[(name, pid)]
            if name == yahoo and pid in pairs:
                base, quote = pairs[pid]
                store_market_rates(s, base, quote, [(q.day, q.price)], yahoo)
                result.fx_updated.append(_pair_name(pairs[pid]))
        # Imported here: the portfolio imports prices (valuation reads them), so a
        # module-level import would be circular.
        from fintrack_core.portfolio.alerts import check_in_session

        check_in_session(s, scope.book_id)  # portfolio alerts, recorded with the prices
    result.updated.sort()


def _pair_name(pair: tuple[str, str]) -> str:
    return f"{pair[0]}/{pair[1]}"


# --- history -------------------------------------------------------------------------------


def backfill_history(scope: Scope, asset: int | str, start: dt.date,
                     end: dt.date | None = None,
                     *, providers: Mapping[str, Provider] | None = None,
                     deadline_s: float = DEADLINE_S) -> BackfillResult:
    """Fetch and store the daily closes of one asset (id or symbol) from ``start`` to
    ``end`` (default: yesterday). Needs an editor or owner; network failures are returned,
    not raised."""
    last = end or dt.date.today() - dt.timedelta(days=1)
    if start > last:
        raise ValidationError("start", f"{start.isoformat()} is after {last.isoformat()}")
    with scope.db.read() as s:
        check_role(s, scope, WRITE)
        [row] = book_assets(s, scope.book_id, [asset])
    if row.provider is PriceProvider.MANUAL:
        raise ValidationError("asset", f"{row.symbol} is priced by hand; it has no provider "
                                       "history (set prices or import a price CSV)")
    name, pid = row.provider.value, row.provider_id
    provider = _provider(name, scope, providers, {})
    try:
        closes: list[DailyClose] = within(deadline_s, provider.label,
                                          lambda: provider.history(pid, start, last))
    except ProviderError as exc:
        return BackfillResult(row.symbol, 0, None, None, exc.reason)
    except Exception as exc:
        return BackfillResult(row.symbol, 0, None, None,
                              f"{provider.label} answered in a way FinTrack cannot read "
                              f"({type(exc).__name__})")
    with scope.db.write() as s:
        require(s, scope, WRITE, rewrites=False)
        store_market_prices(s, name, pid, [PriceRow(c.day, c.close, c.currency, f"{name} close")
                                           for c in closes], utc_now())
        if name == PriceProvider.YAHOO and is_fx_pair(pid):
            store_market_rates(s, pid[:3], pid[3:6], [(c.day, c.close) for c in closes], name)
    return BackfillResult(row.symbol, len(closes), closes[0].day, closes[-1].day, None)
