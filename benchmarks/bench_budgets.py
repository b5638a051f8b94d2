"""How fast budgets answer on a demo book of 1M transactions.

Prints, against the issue's targets: the status of 50 budgets (< 100 ms, warm: the report
copy built), recurring detection over all history (< 2 s), and what the budget alert check
adds to a 100k-row write (< 10 % of the write). Works on a private copy of the demo file, so a
cached book (``--db``) is never changed.

    python benchmarks/bench_budgets.py --db /work/bench/demo_1000000.db
    python benchmarks/bench_budgets.py --rows 200000          # generate a fresh demo book
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, text

from fintrack_core import demo
from fintrack_core.access import Scope
from fintrack_core.budgets.alerts import check_budget_alerts
from fintrack_core.budgets.service import BudgetInput, add_budget
from fintrack_core.budgets.status import budget_status
from fintrack_core.budgets.subscriptions import list_subscriptions
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Category, CategoryKind, Transaction, User
from fintrack_core.db.schema import upgrade
from fintrack_core.ledger.books import list_books
from fintrack_core.ledger.categories import create_category
from fintrack_core.reports.store import report_store

TARGETS = {"status of 50 budgets": 100.0, "recurring detection": 2_000.0}


def _timed(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a demo SQLite file (copied, never changed)")
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="demo size to generate without --db (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fintrack-bench-budgets-") as tmp:
        path = Path(tmp) / "book.db"
        if args.db:
            shutil.copy(args.db, path)
        else:
            db = Database(f"sqlite:///{path}")
            upgrade(db)
            demo.create_demo(db, args.rows)
            db.dispose()
        db = Database(f"sqlite:///{path}")
        upgrade(db)
        with db.read() as s:
            user_id = s.scalar(select(User.id).where(User.username == demo.DEMO_USERNAME))
            assert user_id is not None, "not a demo book"
        book = list_books(db, user_id)[0]
        scope = Scope(db, user_id, book.id)
        with db.read() as s:
            rows = int(s.scalar(text("SELECT count(*) FROM transactions")) or 0)
            cats = s.scalars(select(Category.id).where(
                Category.book_id == book.id, Category.kind == CategoryKind.EXPENSE)
                .order_by(Category.id)).all()
        with db.write() as s:  # demo budgets would overlap the 50 below
            s.execute(text("DELETE FROM budgets"))
        # The demo has fewer expense categories than 50: sub-categories of the first make up
        # the rest (a parent's budget then covers theirs too, as people nest them).
        cats = list(cats) + [create_category(scope, f"Bench extra {i}", parent_id=cats[0]).id
                             for i in range(max(0, 50 - len(cats)))]
        print(f"book: {rows:,} transactions, {len(cats)} expense categories budgeted")
        today = dt.date.today()
        for i, cat in enumerate(cats[:50]):
            add_budget(scope, BudgetInput(cat, "250", "monthly" if i % 3 else "weekly",
                                          start_day=1 if i % 3 else 0, rollover=i % 5 == 0,
                                          starts_on=today.replace(day=1) - dt.timedelta(
                                              days=365)))
        start = time.perf_counter()
        report_store(db).info(scope)
        print(f"report copy built in {(time.perf_counter() - start) * 1000:,.0f} ms")
        results = {
            "status of 50 budgets": _timed(lambda: budget_status(scope), args.runs),
            "recurring detection": _timed(lambda: list_subscriptions(scope),
                                          max(1, args.runs // 2)),
        }
        found = list_subscriptions(scope).series
        print(f"recurring series found: {len(found)}")
        # The alert check on a write of 100k rows: what the import's write would hand it.
        with db.read() as s:
            touched = [(c, d) for c, d in s.execute(
                select(Transaction.category_id, Transaction.date)
                .where(Transaction.book_id == book.id).limit(100_000))]
        with db.write() as s:
            start = time.perf_counter()
            check_budget_alerts(s, book.id, touched)
            results["alert check, 100k touched rows"] = (time.perf_counter() - start) * 1000
            s.rollback()
        for name, ms in results.items():
            target = TARGETS.get(name)
            verdict = "" if target is None else (
                f"  target < {target:,.0f} ms: {'met' if ms < target else 'MISSED'}")
            print(f"{name:34s} {ms:10,.1f} ms{verdict}")
        print(f"peak memory: {_peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
