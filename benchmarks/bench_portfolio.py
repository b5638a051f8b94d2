"""How fast the portfolio answers on a big book: 200 assets, 10 years of daily prices,
5,000 trades.

The book is generated deterministically (``--seed``) into a temporary SQLite file: two
investment accounts (EUR and USD, with a monthly EUR/USD rate), 150 EUR funds and stocks,
20 EUR crypto assets (8-decimal quantities), 30 USD stocks, a price for every asset and
calendar day, 5,000 trades (buys, sales never above what is held, dividends, a few splits)
each with its cash-leg transaction, and a deposit into each account every month. Rows are
inserted directly (the service path is what the tests check; this measures reads).

Prints the first run and the median of ``--runs`` (ms) for: valuation now, value history
(max), TWR (max: the daily series and the chain-linking), XIRR (max: exact start/end
values, the external flows and the solver), and the process's peak resident memory.
Targets: < 1 s in all, goal 200 ms.

``--page`` measures the Portfolio page instead (target: first render < 2 s): the real app.py
under Streamlit's AppTest, logged in, in a fresh process (no cached price arrays); then the
warm rerun and each section's first draw. Wall time is printed beside the process's CPU time
and the machine's load average, since a shared machine inflates wall time.

    python benchmarks/bench_portfolio.py [--runs 5] [--seed 7] [--db FILE] [--page]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import FxRate, Membership, Transaction
from fintrack_core.db.portfolio_models import Asset, Price, Trade
from fintrack_core.db.schema import upgrade
from fintrack_core.ledger import accounts, books, users
from fintrack_core.portfolio.base_currency import Converter
from fintrack_core.portfolio.daily_series import daily_series
from fintrack_core.portfolio.external_flows import external_flows
from fintrack_core.portfolio.performance import first_day, value_history
from fintrack_core.portfolio.returns import twr, xirr
from fintrack_core.portfolio.valuation import valuation, valuation_in_session

ASSETS, YEARS, TRADES = 200, 10, 5_000
TARGET_MS, GOAL_MS = 1_000.0, 200.0


def peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def build(db: Database, seed: int, today: dt.date) -> Scope:
    """The book described in the module docstring; returns the owner's scope."""
    rng = np.random.default_rng(seed)
    user = users.create_user(db, "bench", "many-assets-2026", "Bench", base_currency="EUR")
    scope = Scope(db, user.id, books.list_books(db, user.id)[0].id)
    start = today - dt.timedelta(days=365 * YEARS)
    eur = accounts.create_account(scope, "Depot", "investment", "EUR", "0", start)
    usd = accounts.create_account(scope, "US Broker", "investment", "USD", "0", start)
    days = np.arange(np.datetime64(start), np.datetime64(today) + 1)
    n_days = len(days)
    with db.write() as s:
        s.execute(insert(FxRate), [
            {"book_id": scope.book_id, "base": "EUR", "quote": "USD", "date": d,
             "rate": str(round(Decimal(1.1 + 0.1 * float(np.sin(i / 12))), 4)),
             "source": "manual"}
            for i, d in enumerate(days[::30].astype(dt.date))])
        kinds = ["etf"] * 100 + ["stock"] * 50 + ["crypto"] * 20 + ["stock"] * 30
        rows = [{"book_id": scope.book_id, "symbol": f"A{i:03d}", "name": f"Asset {i}",
                 "kind": kind, "currency": "USD" if i >= 170 else "EUR",
                 "provider": "coingecko" if kind == "crypto" else "yahoo",
                 "provider_id": f"a{i:03d}"} for i, kind in enumerate(kinds)]
        s.execute(insert(Asset), rows)
        assets = s.execute(select(Asset.id, Asset.provider, Asset.provider_id, Asset.currency)
                           .where(Asset.book_id == scope.book_id).order_by(Asset.id)).all()
        fetched = dt.datetime(2024, 1, 1, tzinfo=dt.UTC).replace(tzinfo=None)
        walks = 50 * np.exp(np.cumsum(rng.normal(0.0002, 0.012, (ASSETS, n_days)), axis=1))
        day_list = days.astype(dt.date).tolist()
        for a, walk in zip(assets, walks, strict=True):
            closes = np.round(walk, 4).astype(str).tolist()
            s.execute(insert(Price), [
                {"book_id": None, "provider": a.provider, "provider_id": a.provider_id,
                 "date": d, "close": c, "currency": a.currency, "source": "bench",
                 "fetched_at": fetched} for d, c in zip(day_list, closes, strict=True)])
        _trades(s, scope, rng, assets, walks, day_list, eur.id, usd.id)
    return scope


def _trades(s: Any, scope: Scope, rng: np.random.Generator, assets: Sequence[Any],
            walks: np.ndarray, day_list: list[dt.date], eur_id: int, usd_id: int) -> None:
    per_asset = TRADES // ASSETS
    tx_rows, trade_rows = [], []
    for (a, walk) in zip(assets, walks, strict=True):
        account = usd_id if a.currency == "USD" else eur_id
        places = 8 if a.provider == "coingecko" else 0
        held = Decimal(0)
        for day_index in sorted(rng.choice(len(day_list), per_asset, replace=False)):
            price = Decimal(str(round(float(walk[day_index]), 4)))
            roll = rng.random()
            if held and roll < 0.25:
                kind, qty = "sell", (held / 2).quantize(Decimal(1).scaleb(-places))
            elif held and roll < 0.35:
                kind, qty = "dividend", Decimal(0)
            elif held and roll < 0.36:
                kind, qty = "split", Decimal(2)
            else:
                kind = "buy"
                qty = (Decimal(int(rng.integers(1, 10**8))).scaleb(-8) if places
                       else Decimal(int(rng.integers(1, 50))))
            if kind == "sell" and not qty:
                continue
            fees = 100 if kind in ("buy", "sell") else 0
            gross = int((qty * price * 100).to_integral_value()) if kind != "dividend" else 1000
            cash = {"buy": -(gross + fees), "sell": gross - fees, "dividend": gross,
                    "split": 0}[kind]
            held = {"buy": held + qty, "sell": held - qty, "split": held * 2}.get(kind, held)
            trade_rows.append({"book_id": scope.book_id, "account_id": account,
                               "asset_id": a.id, "date": day_list[day_index], "kind": kind,
                               "quantity": str(qty) if kind != "dividend" else "0",
                               "price": str(price) if kind != "dividend" else "10",
                               "fees_minor": fees, "cash_minor": cash, "currency": a.currency,
                               "_cash": cash})
    for account, ccy in ((eur_id, "EUR"), (usd_id, "USD")):
        for d in day_list[::30]:
            tx_rows.append({"book_id": scope.book_id, "account_id": account, "date": d,
                            "amount_minor": 500_000, "currency": ccy, "payee": "Deposit"})
    s.execute(insert(Transaction), tx_rows)
    for row in trade_rows:
        cash = row.pop("_cash")
        if cash:
            row["transaction_id"] = s.execute(insert(Transaction).values(
                book_id=scope.book_id, account_id=row["account_id"], date=row["date"],
                amount_minor=cash, currency=row["currency"], payee="trade")
                .returning(Transaction.id)).scalar_one()
    s.execute(insert(Trade), trade_rows)


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(first run, median of the runs) in ms: the first run reads the settled prices into
    the process's cache (see ``price_history``), the others find them there."""
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        fn()
        times.append((time.perf_counter() - begin) * 1000)
    return times[0], statistics.median(times)


def bench_page(db_path: Path, runs: int) -> None:
    """The Portfolio page's first render and its sections, as a user opens them."""
    import os

    os.environ["FINTRACK_DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("FINTRACK_COOKIE_KEY", "benchmark-cookie-key-0123456789abcdef")
    root = Path(__file__).resolve().parents[1]
    os.chdir(root)
    from streamlit.runtime import pages_manager
    from streamlit.testing.v1 import AppTest

    original = pages_manager.PagesManager.__init__

    def init(self: Any, *a: Any, **k: Any) -> None:
        original(self, *a, **k)
        pages_manager.PagesManager.uses_pages_directory = False  # as a live server does

    pages_manager.PagesManager.__init__ = init  # type: ignore[method-assign]
    at = AppTest.from_file(str(root / "app.py"), default_timeout=300).run()
    inputs = {t.label: t for t in at.text_input}
    inputs["Username"].input("bench")
    inputs["Password"].input("many-assets-2026")
    at.button[0].click().run()

    def measure(label: str, step: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        assert not at.exception, at.exception
        print(f"{label:<34} {(time.perf_counter() - wall) * 1000:8.0f} ms wall "
              f"{(time.process_time() - cpu) * 1000:8.0f} ms CPU")

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    measure("Portfolio, first render (cold)", lambda: at.switch_page("pages/portfolio.py").run())
    for i in range(runs - 1):
        measure(f"Portfolio, rerun {i + 1} (warm)", at.run)
    for section in ("Performance", "Dividends", "Realised gains", "Holdings"):
        measure(f"section {section}", at.radio(key="pf_section").set_value(section).run)
    print(f"peak memory {peak_mb():.0f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="keep the generated book in this file and "
                                                "reuse it when it exists (built today)")
    parser.add_argument("--page", action="store_true",
                        help="measure the Portfolio page (needs --db, built by a run before)")
    args = parser.parse_args(argv)
    if args.page:
        if args.db is None or not args.db.exists():
            parser.error("--page needs --db FILE of a book built by a run without --page")
        bench_page(args.db, args.runs)
        return
    today = dt.date.today()
    with tempfile.TemporaryDirectory(prefix="fintrack-bench-portfolio-") as tmp:
        path = args.db or Path(tmp) / "portfolio.db"
        reuse = path.exists()
        db = Database(f"sqlite:///{path}")
        upgrade(db)
        began = time.perf_counter()
        if reuse:
            with db.read() as s:
                user_id, book_id = s.execute(select(Membership.user_id, Membership.book_id)
                                             ).first()  # type: ignore[misc]
            scope = Scope(db, user_id, book_id)
        else:
            scope = build(db, args.seed, today)
            print(f"built: {ASSETS} assets, {YEARS} years of daily prices, "
                  f"{TRADES:,} trades in {time.perf_counter() - began:.1f} s")

        def twr_max() -> float:
            with db.read() as s:
                first = first_day(s, scope.book_id) or today
                series = daily_series(s, scope.book_id, first - dt.timedelta(days=1), today)
                return twr(series.value, series.flows)

        def xirr_max() -> object:
            with db.read() as s:
                first = first_day(s, scope.book_id) or today
                eve = first - dt.timedelta(days=1)
                conv = Converter(s, scope.book_id)
                v0 = valuation_in_session(s, scope.book_id, eve).total_value
                v1 = valuation_in_session(s, scope.book_id, today).total_value
                flows, _ = external_flows(s, scope.book_id, first, today, conv)
                cash = [(eve, -float(v0))] if v0 else []
                cash += [(d - dt.timedelta(days=1), -float(a)) for d, a in flows]
                cash += [(today, float(v1))]
                return xirr(cash)

        figures = {
            "valuation now": timed(lambda: valuation(scope), args.runs),
            "value history (max)": timed(lambda: value_history(scope, "max"), args.runs),
            "TWR (max)": timed(twr_max, args.runs),
            "XIRR (max)": timed(xirr_max, args.runs),
        }
        print(f"{'':<22} {'first':>8}    {'median':>8}")
        for name, (first, ms) in figures.items():
            print(f"{name:<22} {first:8.1f} ms {ms:8.1f} ms")
        print(f"{'total (first runs)':<22} {sum(f for f, _ in figures.values()):8.1f} ms")
        total = sum(ms for _, ms in figures.values())
        verdict = ("goal met" if total < GOAL_MS else "target met" if total < TARGET_MS
                   else "TARGET MISSED")
        print(f"{'total (medians)':<22} {total:8.1f} ms  ({verdict}: target < {TARGET_MS:.0f} ms, "
              f"goal {GOAL_MS:.0f} ms)")
        print(f"twr {twr_max():.4f}; xirr {xirr_max()}")
        print(f"peak memory {peak_mb():.0f} MB")
        db.dispose()


if __name__ == "__main__":
    main()
