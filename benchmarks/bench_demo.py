"""How fast ``create_demo`` fills a book, and how much memory it needs on the way.

The demo generator is also how the big test books (1M, 10M rows) for the report benchmarks
are made, so its own speed and peak memory decide whether those are practical to build.

    python benchmarks/bench_demo.py --transactions 1000000
    python benchmarks/bench_demo.py --transactions 1000000 --insert core   # compare the paths
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from fintrack_core import demo
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Transaction
from fintrack_core.db.schema import upgrade


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", "-n", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="SQLite file (default: a new temporary file)")
    parser.add_argument("--url", help="any database URL instead of --db (e.g. PostgreSQL)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--username", default=demo.DEMO_USERNAME,
                        help="another name to add a second demo book to an existing --db")
    parser.add_argument("--insert", choices=("raw", "core"), default="raw",
                        help="raw: sqlite3 executemany / psycopg COPY; core: SQLAlchemy Core")
    args = parser.parse_args(argv)

    tmp = None
    if args.url:
        url = args.url
    else:
        if args.db is None:
            tmp = tempfile.TemporaryDirectory(prefix="fintrack-bench-")
            args.db = Path(tmp.name) / "demo.db"
        url = f"sqlite:///{args.db}"
    db = Database(url)
    upgrade(db)
    demo.load.RAW_INSERT = args.insert == "raw"

    marks: dict[str, float] = {}

    def progress(done: int, total: int) -> None:
        marks.setdefault("generated", time.perf_counter())  # first call: rows are ready

    start, cpu_start = time.perf_counter(), time.process_time()
    result = demo.create_demo(db, args.transactions, seed=args.seed, progress=progress,
                              username=args.username)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start  # this process only: wall is inflated by load
    with db.read() as s:
        stored = s.scalar(select(func.count(Transaction.id))
                          .where(Transaction.book_id == result.book_id))
    generated = marks.get("generated", start) - start
    print(f"rows generated:  {result.transactions:,} (stored {stored:,})")
    print(f"seconds:         {elapsed:.2f} (user + generation {generated:.2f}, "
          f"insert {elapsed - generated:.2f} via {args.insert})")
    print(f"process CPU s:   {cpu:.2f} (load average {os.getloadavg()[0]:.1f})")
    print(f"portfolio:       {result.trades} trades with demo prices")
    print(f"rows/s:          {result.transactions / elapsed:,.0f}")
    print(f"peak MB:         {peak_mb():,.0f}")
    if db.is_sqlite and args.db:
        print(f"database MB:     {args.db.stat().st_size / 1e6:,.0f}  ({args.db})")
    db.dispose()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
