"""Many people browsing one big book while an import runs and the CLI writes: latency, errors,
and a count of every row at the end.

The dashboard is one server process whose sessions run as threads; here each of ``--sessions``
threads plays one browser session in this process and calls, in a loop, the core functions the
pages call (Overview, a Transactions page with a text search, the monthly summary, trends, the
category breakdown). Meanwhile, as other processes, ``fintrack import`` stores a
``--import-rows`` statement and ``fintrack tx add`` writes ``--cli-writes`` transactions one
process at a time. Printed: per page, the number of calls and the 50/90/99th percentile and
maximum latency; errors (target 0); and whether every write is in the database afterwards
(target: nothing lost, nothing doubled).

    python benchmarks/bench_load.py --db /tmp/demo_1000000.db     # a copy of it is used
    python benchmarks/bench_load.py --transactions 100000          # builds a demo book first

The ``--db`` file is a demo book (``benchmarks/bench_demo.py --db FILE``); it is copied first,
so it is never changed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from fintrack_core import demo
from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import ImportBatch, Transaction
from fintrack_core.db.schema import upgrade
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger.books import list_books
from fintrack_core.ledger.overview import overview
from fintrack_core.ledger.search import list_transactions
from fintrack_core.ledger.users import get_user
from fintrack_core.reports.categories import category_breakdown
from fintrack_core.reports.summary import monthly_summary
from fintrack_core.reports.trends import last_months, trends

FINTRACK = str(Path(sys.executable).parent / "fintrack")
WORDS = ("rewe", "amazon", "shell", "netflix", "salary", "rent", "edeka", "cafe")


def statement(path: Path, rows: int, seed: int) -> None:
    """A CSV statement of ``rows`` distinct card payments in the last year."""
    rng = random.Random(seed)
    end = dt.date.today()
    with path.open("w") as fh:
        fh.write("Date,Description,Amount\n")
        for i in range(rows):
            day = end - dt.timedelta(days=rng.randrange(365))
            fh.write(f"{day.isoformat()},Load test shop {i},-{rng.randrange(1, 20000) / 100:.2f}\n")


def pages(scope: Scope) -> dict[str, Callable[[random.Random], object]]:
    """What each page asks the core for, with a little variety per call."""
    today = dt.date.today()

    def tx_page(rng: random.Random) -> object:
        return list_transactions(scope, TransactionFilter(text=rng.choice(WORDS)),
                                 page=rng.randrange(1, 4))

    def monthly(rng: random.Random) -> object:
        return monthly_summary(scope, today - dt.timedelta(days=31 * rng.randrange(12)))

    def trend(_rng: random.Random) -> object:
        return trends(scope, *last_months(12, today))

    def categories(_rng: random.Random) -> object:
        start, end = last_months(3, today)
        return category_breakdown(scope, TransactionFilter(date_from=start, date_to=end))

    return {"overview": lambda _rng: overview(scope), "transactions": tx_page,
            "monthly": monthly, "trends": trend, "categories": categories}


def counts(db: Database, book_id: int) -> tuple[int, int]:
    with db.read() as s:
        return (int(s.scalar(select(func.count(Transaction.id)).where(
                    Transaction.book_id == book_id)) or 0),
                int(s.scalar(select(func.count(ImportBatch.id)).where(
                    ImportBatch.book_id == book_id)) or 0))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a demo book's SQLite file (copied first)")
    parser.add_argument("--transactions", type=int, default=100_000,
                        help="size of the demo book to build when --db is not given")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--cli-writes", type=int, default=10)
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds a session waits between page calls (0: none, the worst "
                             "case; a person reading a page takes a few)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fintrack.db"
        if args.db:
            shutil.copy(args.db, path)
        url = f"sqlite:///{path}"
        db = Database(url)
        upgrade(db)
        if not args.db:
            demo.create_demo(db, args.transactions)
        user = get_user(db, demo.DEMO_USERNAME)
        book_id = list_books(db, user.id)[0].id
        scope = Scope(db, user.id, book_id)
        account = demo_account_name(scope)
        before = counts(db, book_id)
        csv = Path(tmp) / "statement.csv"
        statement(csv, args.import_rows, seed=7)
        print(f"book: {before[0]:,} transactions; {args.sessions} sessions; import of "
              f"{args.import_rows:,} rows into {account!r}; {args.cli_writes} CLI writes; think "
              f"time {args.think:g} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

        calls = pages(scope)
        for fn in calls.values():  # warm the report copy once, as the first visitor does
            fn(random.Random(0))
        latencies: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        stop = threading.Event()
        lock = threading.Lock()

        def session(n: int) -> None:
            rng = random.Random(n)
            names = list(calls)
            while not stop.is_set():
                name = rng.choice(names)
                started = time.perf_counter()
                try:
                    calls[name](rng)
                except Exception:  # a load test counts every failure, of any kind
                    with lock:
                        errors.append(f"{name}: {traceback.format_exc(limit=3)}")
                    continue
                with lock:
                    latencies[name].append((time.perf_counter() - started) * 1000)
                stop.wait(args.think * rng.uniform(0.5, 1.5))

        env = dict(os.environ, FINTRACK_DATABASE_URL=url)
        started = time.perf_counter()
        threads = [threading.Thread(target=session, args=(n,), daemon=True)
                   for n in range(args.sessions)]
        for t in threads:
            t.start()
        importer = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [FINTRACK, "import", str(csv), "--account", account, "--user", demo.DEMO_USERNAME,
             "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        cli_failures = 0
        for i in range(args.cli_writes):
            done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
                [FINTRACK, "tx", "add", "--user", demo.DEMO_USERNAME, "--account", account,
                 "--amount=-1.00", "--date", dt.date.today().isoformat(),
                 "--payee", f"load-cli-{i}"], env=env, capture_output=True, text=True,
                check=False)
            cli_failures += done.returncode != 0
            if done.returncode:
                errors.append(f"cli tx add: {done.stderr.strip()}")
        out, err = importer.communicate()
        import_s = time.perf_counter() - started
        imported = json.loads(out)["imported"] if importer.returncode == 0 else 0
        if importer.returncode:
            errors.append(f"import: {err.strip()}")
        stop.set()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started

        after = counts(db, book_id)
        # The import leaves out rows it lists for review (a hand-entered demo transaction of
        # the same amount within 3 days); its own report says how many it stored.
        expected = (before[0] + imported + args.cli_writes - cli_failures, before[1] + 1)
        print(f"import ({imported:,} of {args.import_rows:,} rows stored, the rest listed as "
              f"likely duplicates) + CLI writes finished in {import_s:.1f} s; sessions ran "
              f"{wall:.1f} s")
        print(f"{'page':<14}{'calls':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
        total = 0
        for name in calls:
            values = latencies[name]
            total += len(values)
            if values:
                print(f"{name:<14}{len(values):>7}{statistics.median(values):>9.0f}"
                      f"{percentile(values, 0.9):>9.0f}{percentile(values, 0.99):>9.0f}"
                      f"{max(values):>9.0f}")
        print(f"throughput: {total / wall:.1f} page calls/s; errors: {len(errors)}")
        for e in errors[:5]:
            print("  " + e.replace("\n", "\n  "))
        print(f"rows: before {before[0]:,}, after {after[0]:,}, expected {expected[0]:,}; "
              f"batches {after[1]} (expected {expected[1]}) -> "
              f"{'nothing lost or doubled' if after == expected else 'MISMATCH'}")
        db.dispose()


def demo_account_name(scope: Scope) -> str:
    from fintrack_core.ledger.accounts import list_accounts

    return next(a.name for a in list_accounts(scope) if a.currency == "EUR"
                and a.type.value == "checking")


if __name__ == "__main__":
    main()
