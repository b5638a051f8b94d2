"""Import speed and memory: a large bank-style CSV into a fresh SQLite book with 20 rules.

Prints, for N rows (default 1,000,000): file size, preview (dry run) seconds, import seconds
and rows/s, write throughput of the first and last 10 % of rows, re-import (all duplicates)
seconds and rows/s, process CPU seconds beside each wall time (on a shared machine the CPU
figure moves much less with other people's load than the wall figure), and peak resident
memory (``ru_maxrss``: RSS, not just Python objects), also after each step so the step that
raised it shows. A large import leaves the copy of its write-ahead log into the database file
to a background thread; the script reports when that finished and waits for it before the
re-import. Each step's result is dropped before
the next, as a page that has shown it would. Run: python benchmarks/bench_import.py [--rows N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import resource
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.schema import upgrade
from fintrack_core.imports import csv_import, service
from fintrack_core.imports.service import import_statement
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger.categories import list_categories
from fintrack_core.rules.service import create_rule
from fintrack_core.rules.spec import Action, Condition, RuleSpec

PAYEES = ["REWE Markt", "EDEKA", "Aldi Süd", "Lidl", "dm-drogerie markt", "Shell", "Aral",
          "Deutsche Bahn", "Lieferando", "Amazon Mktp DE", "Netflix.com", "Spotify",
          "Stadtwerke München", "Telekom", "Vodafone", "Allianz Versicherung", "Apotheke",
          "Starbucks", "IKEA", "MediaMarkt", "H&M", "Zalando", "PayPal", "Uber", "Arbeitgeber"]


def make_csv(path: Path, rows: int, seed: int = 7, balance: bool = False) -> None:
    """A German-bank-style statement: ';' separated, dd.mm.yyyy, decimal comma, preamble;
    with ``balance`` a running ``Kontostand`` column (the balance proof then checks every
    row)."""
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, 3 * 365, rows))
    dates = (np.datetime64("2022-01-01") + days).astype("datetime64[D]").astype(str)
    day, month, year = (np.char.partition(np.char.partition(dates, "-")[:, 2], "-")[:, 2],
                        np.char.partition(np.char.partition(dates, "-")[:, 2], "-")[:, 0],
                        np.char.partition(dates, "-")[:, 0])
    german = np.char.add(np.char.add(np.char.add(np.char.add(day, "."), month), "."), year)
    cents = -rng.lognormal(3.2, 1.0, rows).astype(np.int64) * 100 - rng.integers(0, 100, rows)
    salary = rng.random(rows) < 0.02
    cents[salary] = rng.integers(250_000, 400_000, int(salary.sum()))
    payee = np.array(PAYEES)[rng.integers(0, len(PAYEES), rows)]
    refs = rng.integers(100_000, 999_999, rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("Kontoauszug;Girokonto DE12 3456 7890 1234 5678 90\n\n")
        fh.write("Buchungstag;Empfänger;Verwendungszweck;Betrag"
                 + (";Kontostand\n" if balance else "\n"))
        running = 1_000_000 + np.cumsum(cents)

        def german_money(values: np.ndarray) -> list[str]:
            sign = np.where(values < 0, "-", "")
            return [f"{s}{w},{f:02d}" for s, w, f in
                    zip(sign, np.abs(values) // 100, np.abs(values) % 100, strict=True)]

        for i in range(0, rows, 200_000):
            stop = min(rows, i + 200_000)
            amounts = german_money(cents[i:stop])
            tails = (german_money(running[i:stop]) if balance else [""] * (stop - i))
            lines = [f"{d};{p};Ref {r} {p};{a}{';' + b if balance else ''}\n"
                     for d, p, r, a, b in zip(german[i:stop], payee[i:stop], refs[i:stop],
                                              amounts, tails, strict=True)]
            fh.writelines(lines)


def setup(db_path: Path) -> tuple[Scope, int]:
    db = Database(f"sqlite:///{db_path}")
    upgrade(db)
    user = users.create_user(db, "bench", "measure-twice-1", base_currency="EUR")
    scope = Scope(db, user.id, books.list_books(db, user.id)[0].id)
    acc = accounts.create_account(scope, "Girokonto", "checking", "EUR", "0",
                                  dt.date(2021, 1, 1))
    cats = {c.name: c.id for c in list_categories(scope)}
    targets = ["Groceries", "Groceries", "Groceries", "Groceries", "Household", "Fuel", "Fuel",
               "Public transport", "Restaurants", "Shopping", "Subscriptions", "Subscriptions",
               "Utilities", "Phone", "Phone", "Insurance", "Pharmacy", "Coffee", "Household",
               "Electronics"]
    for payee, target in zip(PAYEES[:20], targets, strict=True):
        create_rule(scope, RuleSpec(
            name=f"{payee} → {target}",
            conditions=(Condition("payee", "contains", payee.split()[0]),),
            actions=(Action("set_category", cats[target]), Action("add_tags", "bench"))))
    return scope, acc.id


CHECKS = (  # the import's checks of issue 9, where the import calls them
    (csv_import, "check_plausible"), (csv_import, "read_balances"), (service, "weigh"),
    (service, "link_conversions"))


def time_checks(spent: dict[str, float]) -> None:
    """Wrap the checks so that each call adds its thread CPU seconds to ``spent`` (thread
    time: the other cores' work and the machine's load do not count)."""
    for module, name in CHECKS:
        real = getattr(module, name)

        def timed(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            t0 = time.thread_time()
            try:
                return _real(*args, **kwargs)
            finally:
                spent[_name] = spent.get(_name, 0.0) + time.thread_time() - t0

        setattr(module, name, timed)


def checkpoint_wait() -> float:
    """Wait for the background checkpoint a large import leaves behind (``Database.
    checkpoint_later``), so that the next step does not share the cores with it; seconds
    waited."""
    t0 = time.perf_counter()
    for thread in threading.enumerate():
        if thread.name == "fintrack-checkpoint":
            thread.join()
    return time.perf_counter() - t0


def peak_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--balance", action="store_true",
                        help="add a running balance column (measures the balance proof)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "statement.csv"
        t0 = time.perf_counter()
        # In a process of its own: the generator's arrays are not the import's memory.
        maker = multiprocessing.get_context("spawn").Process(
            target=make_csv, args=(csv_path, args.rows), kwargs={"balance": args.balance})
        maker.start()
        maker.join()
        if maker.exitcode != 0:
            raise SystemExit(f"generating the statement failed (exit {maker.exitcode})")
        data = csv_path.read_bytes()
        print(f"rows: {args.rows:,}; file {len(data) / 1e6:.1f} MB "
              f"(generated in {time.perf_counter() - t0:.1f} s; peak so far {peak_mb():,.0f} MB)")
        scope, account_id = setup(Path(tmp) / "bench.db")

        t0, c0 = time.perf_counter(), time.process_time()
        preview = import_statement(scope, data, csv_path.name, [account_id], dry_run=True)
        print(f"preview (dry run): {time.perf_counter() - t0:.2f} s "
              f"(CPU {time.process_time() - c0:.2f} s), "
              f"{preview.imported:,} new, {len(preview.invalid)} invalid "
              f"(peak so far {peak_mb():,.0f} MB)")
        del preview

        marks: list[tuple[float, int]] = []

        def progress(phase: str, done: int, total: int) -> None:
            if phase == "writing":
                marks.append((time.perf_counter(), done))

        spent: dict[str, float] = {}
        time_checks(spent)
        t0, c0 = time.perf_counter(), time.process_time()
        result = import_statement(scope, data, csv_path.name, [account_id], progress=progress)
        took = time.perf_counter() - t0
        cpu = time.process_time() - c0
        print(f"import: {took:.2f} s (CPU {time.process_time() - c0:.2f} s) = "
              f"{result.imported / took:,.0f} rows/s "
              f"({result.imported:,} imported, {result.duplicates} duplicates; "
              f"peak so far {peak_mb():,.0f} MB)")
        del result
        checks = sum(spent.values())
        print(f"issue 9's checks in that import: {checks:.3f} s CPU = {100 * checks / cpu:.1f} % "
              f"of its CPU ({', '.join(f'{k} {v:.3f} s' for k, v in spent.items())})")
        t1 = time.perf_counter()
        waited = checkpoint_wait()
        print(f"background log checkpoint: finished {waited + (t1 - t0 - took):.2f} s after the "
              f"import returned (waited {waited:.2f} s for it before the next step)")
        if len(marks) >= 3:
            tenth = max(1, len(marks) // 10)
            first = (marks[tenth][1] - marks[0][1]) / (marks[tenth][0] - marks[0][0])
            last = (marks[-1][1] - marks[-1 - tenth][1]) / (marks[-1][0] - marks[-1 - tenth][0])
            print(f"write throughput: first 10 % {first:,.0f} rows/s, "
                  f"last 10 % {last:,.0f} rows/s")

        t0, c0 = time.perf_counter(), time.process_time()
        again = import_statement(scope, data, csv_path.name, [account_id])
        took = time.perf_counter() - t0
        print(f"re-import (all duplicates): {took:.2f} s (CPU {time.process_time() - c0:.2f} s) "
              f"= {again.rows / took:,.0f} rows/s, "
              f"{again.imported} imported, {again.duplicates:,} duplicates")
        print(f"peak memory (RSS): {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
