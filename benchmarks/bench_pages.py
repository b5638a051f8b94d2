"""What the pages wait for (issue 13), each figure beside the bare query it rests on.

For a demo book (built by ``bench_reports.py``'s generator, reused from ``--cache-dir``), warm
unless marked: the per-call overhead of a report (``ReportStore.query`` on ``SELECT 1``),
the monthly summary, the Transactions page's text search (count, sums and the newest 50),
the balances of all accounts, and the monthly summary right after one transaction was edited
(the copy applies the change log: issue 13, item 3; the edit itself is not timed). Each line
prints the median wall milliseconds and the median process CPU milliseconds
(``time.process_time``: on a shared machine the wall figure is inflated by other people's
load, the CPU figure much less), then the same for the bare query on the DuckDB copy, and
the ratio of the two.

``--cold N`` first runs ``fintrack report monthly`` N times as new processes (wall time,
peak memory): with no saved copy (the book is built), with the copy saved by the run before
(``reports.copy_file``), and ``import fintrack_cli.main`` alone. Python writes bytecode caches
for these runs (a cold run of a fresh install writes them once).

Run: python benchmarks/bench_pages.py [--transactions 1000000] [--cache-dir DIR] [--runs 15]
     [--cold 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_reports

from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger.accounts import balances
from fintrack_core.ledger.search import list_transactions
from fintrack_core.ledger.transactions import update_transaction
from fintrack_core.money import exponent
from fintrack_core.reports.memo import clear_memo
from fintrack_core.reports.store import report_store
from fintrack_core.reports.summary import monthly_summary

SEARCH_TEXT = "rewe"


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``fn`` after one warm-up call."""
    fn()
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpus.append((time.process_time() - c) * 1000)
        walls.append((time.perf_counter() - w) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def measure_after(write: Callable[[int], object], fn: Callable[[], object], runs: int
                  ) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``fn`` right after ``write(run)`` (not timed)."""
    walls, cpus = [], []
    for run in range(runs):
        write(run)
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpus.append((time.process_time() - c) * 1000)
        walls.append((time.perf_counter() - w) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def line(label: str, full: tuple[float, float], bare: tuple[float, float]) -> None:
    ratio = full[0] / bare[0] if bare[0] else float("inf")
    print(f"{label:<34} {full[0]:9.2f} {full[1]:9.2f} {bare[0]:9.2f} {bare[1]:9.2f} "
          f"{ratio:7.1f}x", flush=True)


def cold_commands(path: Path, runs: int) -> None:
    """``fintrack report monthly`` as a new process: built, then read back; and the import."""
    book = bench_reports.open_book(path)
    month = book.month.strftime("%Y-%m")
    fintrack = str(Path(sys.executable).parent / "fintrack")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["FINTRACK_DATABASE_URL"] = f"sqlite:///{path}"
    command = [fintrack, "report", "monthly", "-m", month, "--format", "json", "-u", "demo"]

    def timed(cmd: list[str], extra: dict[str, str]) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        subprocess.run(cmd, env={**env, **extra}, check=True, capture_output=True)  # noqa: S603 - our own command
        took = (time.perf_counter() - started) * 1000
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return took, max(peak, before) / 1024

    subprocess.run([sys.executable, "-c", "import fintrack_cli.main, fintrack_cli.reports"],
                   env=env, check=True)  # bytecode caches written once, as on an install
    for label, cmd, extra in (
            ("import fintrack_cli.main", [sys.executable, "-c", "import fintrack_cli.main"],
             {}),
            ("report monthly, copy built", command, {"FINTRACK_COPY_DIR": "off"}),
            ("report monthly, saved copy", command, {})):
        if label.endswith("saved copy"):
            subprocess.run(command, env=env, check=True, capture_output=True)  # noqa: S603 - saves it
        figures = [timed(cmd, extra) for _ in range(runs)]
        print(f"cold {label:<34} {statistics.median(f[0] for f in figures):8.0f} ms "
              f"(runs: {', '.join(f'{f[0]:.0f}' for f in figures)}; peak RSS of the "
              f"largest child so far {max(f[1] for f in figures):.0f} MB)", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cold", type=int, default=0, metavar="N",
                        help="also time N cold `fintrack report monthly` processes")
    args = parser.parse_args(argv)
    path = args.cache_dir / f"demo_{args.transactions}.db"
    if not path.exists():
        bench_reports.generate(path, args.transactions)
    if args.cold:
        cold_commands(path, args.cold)
    book = bench_reports.open_book(path)
    scope = book.scope
    store = report_store(book.db)
    started = time.perf_counter()
    store.info(scope)
    how = "read back from its saved file" if store.restores else "built"
    print(f"{book.rows:,} transactions; copy {how} in "
          f"{(time.perf_counter() - started) * 1000:.0f} ms", flush=True)
    if store.info(scope).pinned is not None:  # read in place: loaded in the background
        while store.info(scope).pinned is not None:
            time.sleep(0.05)
        print(f"  (read in place, loaded into a table in the background "
              f"{(time.perf_counter() - started) * 1000:.0f} ms after the start)", flush=True)
    bare_cur = store.con.cursor()
    bare_cur.execute(f"SET search_path = 'b{scope.book_id}'")

    def bare(sql: str, params: list[object] | None = None) -> Callable[[], object]:
        return lambda: bare_cur.execute(sql, params or []).fetchall()

    def statements_of(fn: Callable[[], object]) -> list[tuple[str, list[object]]]:
        """The DuckDB statements one call of ``fn`` runs through the store (none when it
        reads SQLite instead): the bare query a figure rests on is then exactly those."""
        seen: list[tuple[str, list[object]]] = []
        originals = {name: getattr(store, name) for name in ("query", "rows", "first_row")
                     if hasattr(store, name)}
        for name, original in originals.items():
            def spy(scope: object, sql: str, params: list[object] | None = None,
                    *a: object, _o: Any = original, **k: object) -> object:
                seen.append((sql, list(params or [])))
                return _o(scope, sql, params, *a, **k)
            setattr(store, name, spy)
        try:
            clear_memo()  # a remembered answer runs no statement
            fn()
        finally:
            for name in originals:
                delattr(store, name)
        return seen

    def bare_of(fn: Callable[[], object], fallback: str, params: list[object] | None = None
                ) -> Callable[[], object]:
        statements = statements_of(fn) or [(fallback, list(params or []))]
        return lambda: [bare_cur.execute(q, p).fetchall() for q, p in statements]

    print(f"{'(ms, median of ' + str(args.runs) + ')':<34} {'wall':>9} {'cpu':>9} "
          f"{'bare wall':>9} {'bare cpu':>9} {'ratio':>8}")
    line("report call overhead (SELECT 1)", measure(lambda: store.query(scope, "SELECT 1"),
                                                     args.runs), measure(bare("SELECT 1"),
                                                                         args.runs))
    # Bare: the statements the call itself runs on the copy; for a call that reads SQLite
    # (before issue 13), the copy's query that answers the same question.
    month_sql = ("SELECT flow, sum(amount_base) FROM tx WHERE date BETWEEN ? AND ? "
                 "AND flow <> 'transfer' GROUP BY ALL")
    month = lambda: monthly_summary(scope, book.month)  # noqa: E731
    line("monthly summary (with budgets)", measure(month, args.runs),
         measure(bare_of(month, month_sql, [book.month, book.month_end]), args.runs))

    def asked_first() -> object:
        """The same, asked for the first time at this data version: nothing remembered."""
        clear_memo()
        return monthly_summary(scope, book.month)

    line("  the same, not remembered", measure(asked_first, args.runs),
         measure(bare_of(month, month_sql, [book.month, book.month_end]), args.runs))
    flt = TransactionFilter(text=SEARCH_TEXT, include_scheduled=True)
    search_sql = ("SELECT currency, count(*), sum(amount_minor) FROM tx "
                  "WHERE contains(search, ?) GROUP BY currency")
    search = lambda: list_transactions(scope, flt)  # noqa: E731
    line(f"text search {SEARCH_TEXT!r} (count, sums, 50)", measure(search, args.runs),
         measure(bare_of(search, search_sql, [SEARCH_TEXT]), args.runs))
    everything = lambda: list_transactions(scope, TransactionFilter())  # noqa: E731
    line("Transactions page, no filter", measure(everything, args.runs),
         measure(bare_of(everything, search_sql.replace("contains(search, ?)", "TRUE")),
                 args.runs))
    balance_sql = "SELECT account_id, sum(amount_minor) FROM tx GROUP BY account_id"
    bals = lambda: balances(scope)  # noqa: E731
    line("balances of all accounts", measure(bals, args.runs),
         measure(bare_of(bals, balance_sql), args.runs))
    # One transaction of the month edited (its amount moved by one minor unit and back),
    # then the monthly summary: the copy applies the change log first.
    tx_id, amount, ccy = store.rows(scope, "SELECT id, amount_minor, currency FROM tx WHERE "
                                           "date BETWEEN ? AND ? ORDER BY id LIMIT 1",
                                    [book.month, book.month_end])[0]

    def edit(run: int) -> None:
        minor = amount if run % 2 else (amount + 1 or amount - 1)  # never zero
        update_transaction(scope, tx_id, amount=Decimal(minor).scaleb(-exponent(ccy)))

    try:
        line("monthly summary after 1 edit", measure_after(edit, month, args.runs),
             measure(bare_of(month, month_sql, [book.month, book.month_end]), args.runs))
        # The catch-up alone, beside the same call when there is nothing to catch up.
        line("copy catch-up after 1 edit (info)",
             measure_after(edit, lambda: store.info(scope), args.runs),
             measure(lambda: store.info(scope), args.runs))
    finally:
        update_transaction(scope, tx_id, amount=Decimal(amount).scaleb(-exponent(ccy)))
    info = store.info(scope)
    print(f"  (the last catch-up: {info.refreshed_in_ms:.1f} ms, {info.applied} log entries, "
          f"{store.rebuilds} full build(s) in this process)", flush=True)
    store.wait_saved()
    print(f"peak RSS of this process: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB", flush=True)


if __name__ == "__main__":
    main()
