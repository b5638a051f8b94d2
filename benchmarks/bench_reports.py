"""How fast the reports answer on demo books of 100k, 1M and 10M transactions, and at what cost.

For each size, in a fresh process (so peak memory is that size's own): build or reuse the demo
SQLite database, time the first ``ReportStore.info`` (the DuckDB columnar copy is built), then
every report function (median of ``--runs`` warm calls) against its target (< 100 ms up to 1M
rows, < 1 s at 10M). The same questions are then answered three more ways on the same file: the
same SQL on the DuckDB copy, plain SQLite SQL (sqlite3 module) and pandas (columns loaded once,
load timed separately), with the ratios against DuckDB and a check that the answers agree.
Also timed: the report call right after one ``add_transaction`` (it refreshes the copy). Peak
resident memory is printed per stage: the figure for the reports (target < 1 GB at 10M) is taken
before the SQLite and pandas comparison, whose own load would swamp it.

    python benchmarks/bench_reports.py                                   # 100k and 1M
    python benchmarks/bench_reports.py --sizes 100000,1000000,10000000 --cache-dir /tmp/fb
    python benchmarks/bench_reports.py --sizes 1000000 --only top_payees --runs 9

``--cache-dir DIR`` keeps ``DIR/demo_<N>.db`` between runs (10M: 80-100 s to generate, 1.4 GB);
the write test deletes its transaction again, so a cached book keeps its contents. The machine
should be otherwise idle: the load average is printed with each size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import inspect
import multiprocessing
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, cast

import duckdb
import numpy as np
import pandas as pd
from sqlalchemy import select

from fintrack_core import demo
from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Account, Category, User
from fintrack_core.db.schema import upgrade
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger.books import list_books
from fintrack_core.ledger.transactions import TransactionInput, add_transaction, delete_transaction
from fintrack_core.reports.store import ReportStore, report_store

TARGET_MS_UP_TO_1M = 100.0
TARGET_MS_10M = 1_000.0
TARGET_PEAK_MB_10M = 1_024.0
MODULE_WAIT_NOTE = "not written yet"


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def target_ms(rows: int) -> float:
    return TARGET_MS_UP_TO_1M if rows <= 1_000_000 else TARGET_MS_10M


def median_ms(fn: Callable[[], object], runs: int, warmup: int = 1) -> float:
    """Median wall time of ``runs`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def timed_ms(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - start) * 1000


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(c.rjust(w) if i else c.ljust(w)
                        for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    print(flush=True)


# --- the demo book -----------------------------------------------------------------------------


def generate(path: Path, rows: int) -> None:
    """Create the demo book in ``path`` (run in its own process: generation memory stays there)."""
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    start = time.perf_counter()
    demo.create_demo(db, rows)
    db.dispose()
    print(f"generated {path} ({rows:,} rows) in {time.perf_counter() - start:.1f} s",
          flush=True)


@dataclass
class Book:
    """The demo book and the dates and ids the reports are asked about."""

    db: Database
    path: Path
    scope: Scope
    rows: int
    base: str
    date_from: dt.date
    date_to: dt.date
    month: dt.date  # first day of the last complete month
    month_end: dt.date  # first day of the month after ``month``
    account_id: int  # an account in the base currency, for the write test
    category_id: int  # an expense category, for the write test


def open_book(path: Path) -> Book:
    db = Database(f"sqlite:///{path}")
    upgrade(db)  # a cached book from an older schema revision
    with db.read() as s:
        user_id = s.scalar(select(User.id).where(User.username == demo.DEMO_USERNAME))
    if user_id is None:
        raise SystemExit(f"{path} has no {demo.DEMO_USERNAME!r} user; delete it to regenerate")
    book = list_books(db, user_id)[0]
    scope = Scope(db, user_id, book.id)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        rows, first, last = con.execute(
            "SELECT count(*), min(date), max(date) FROM transactions WHERE book_id = ?",
            (book.id,)).fetchone()
    with db.read() as s:
        account_id = s.scalar(select(Account.id).where(
            Account.book_id == book.id, Account.currency == book.base_currency)
            .order_by(Account.id).limit(1))
        category_id = s.scalar(select(Category.id).where(
            Category.book_id == book.id, Category.name == "Groceries"))
    assert account_id is not None  # the demo book has both
    assert category_id is not None
    date_to = dt.date.fromisoformat(last)
    month_end = date_to.replace(day=1)
    month = (month_end - dt.timedelta(days=1)).replace(day=1)
    return Book(db, path, scope, int(rows), book.base_currency, dt.date.fromisoformat(first),
                date_to, month, month_end, int(account_id), int(category_id))


# --- report functions --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportCase:
    module: str  # under fintrack_core.reports
    function: str
    period: str = "span"  # the filter's dates: "span" (the whole ~2 years) or "month"
    kwargs: Callable[[Book], dict[str, object]] | None = None  # beyond the signature's names
    variant: str = ""  # tells two cases of one function apart

    @property
    def label(self) -> str:
        extra = [v for v in (self.variant, "1 month" if self.period == "month" else "") if v]
        return f"{self.function} ({', '.join(extra)})" if extra else self.function


REPORTS = (
    ReportCase("summary", "monthly_summary", "month"),
    ReportCase("trends", "trends"),
    ReportCase("categories", "category_breakdown", "month"),
    ReportCase("categories", "category_breakdown"),
    ReportCase("categories", "top_payees"),
    ReportCase("categories", "month_over_month", "month"),
    ReportCase("categories", "spending_by_weekday"),
    ReportCase("categories", "spending_by_day_of_month"),
    ReportCase("cashflow", "cashflow_sankey"),
    ReportCase("networth", "net_worth"),
    ReportCase("pivot", "pivot", variant="category x month",
               kwargs=lambda b: {"rows": "category", "columns": "month", "measure": "sum"}),
    ReportCase("pivot", "pivot", variant="tag x month",
               kwargs=lambda b: {"rows": "tag", "columns": "month", "measure": "sum"}),
    ReportCase("pivot", "pivot", variant="payee x account",
               kwargs=lambda b: {"rows": "payee", "columns": "account", "measure": "average"}),
    ReportCase("drilldown", "drilldown", kwargs=lambda b: {"page_size": 50}),
)


def period(book: Book, which: str) -> tuple[dt.date, dt.date]:
    if which == "month":
        return book.month, book.month_end - dt.timedelta(days=1)
    return book.date_from, book.date_to


def load_report(case: ReportCase) -> tuple[Callable[..., object] | None, str]:
    """The report function, or None and why not (modules are imported lazily)."""
    name = f"fintrack_core.reports.{case.module}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None, f"{case.module}.py {MODULE_WAIT_NOTE}"
        return None, f"{case.module}.py fails to import: {exc}"
    except Exception as exc:  # a half-written module must not stop the run
        return None, f"{case.module}.py fails to import: {exc!r}"
    fn = getattr(module, case.function, None)
    if fn is None:
        return None, f"{case.module}.{case.function} {MODULE_WAIT_NOTE}"
    return fn, ""


def report_call(case: ReportCase, fn: Callable[..., object], book: Book
                ) -> tuple[Callable[[], object] | None, str]:
    """A no-argument call of ``fn`` on the book, or None and the parameters it lacks.

    Parameters are filled by name: ``month`` (the last complete month), ``date_from`` and
    ``date_to`` (the case's period), ``flt`` (a ``TransactionFilter`` of the period, unless the
    report takes a ``month``, which then decides the dates); other optional ones keep their
    defaults.
    """
    params = inspect.signature(fn).parameters
    date_from, date_to = period(book, case.period)
    known: dict[str, object] = {"month": book.month, "date_from": date_from,
                                "date_to": date_to}
    if "month" not in params:
        known["flt"] = TransactionFilter(date_from=date_from, date_to=date_to)
    given = case.kwargs(book) if case.kwargs else {}
    kwargs: dict[str, object] = {}
    missing = []
    for i, (pname, param) in enumerate(params.items()):
        if i == 0 or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue  # the scope
        if pname in given:
            kwargs[pname] = given[pname]
        elif pname in known:
            kwargs[pname] = known[pname]
        elif param.default is param.empty:
            missing.append(pname)
    if missing:
        return None, f"no value for {', '.join(missing)}"
    return partial(fn, book.scope, **kwargs), ""


def selected(case: ReportCase, only: set[str]) -> bool:
    return not only or bool({case.function, case.module, case.label} & only)


# --- the same questions, four ways -------------------------------------------------------------

NOT_FUTURE_DK = "NOT (t.scheduled AND t.date > current_date)"
NOT_FUTURE_SQ = "NOT (t.scheduled AND t.date > date('now'))"
# Plain SQLite: the flow rule of the copy (reports/store.py) and conversion to the base currency
# with the latest rate on or before the day, exactly as the copy does it: amount / rate as an
# integer fraction, rounded half-even once. The demo book stores EUR→USD rates ("1.0752", both
# currencies with cents), so amount / rate = amount * 10^k / (rate * 10^k); rows in the base
# currency (~97 %) skip the rate look-up.
FLOW_SQ = """CASE WHEN t.transfer_id IS NOT NULL OR c.kind = 'transfer' THEN 'transfer'
                  WHEN c.kind IN ('income', 'expense') THEN c.kind
                  WHEN t.amount_minor > 0 THEN 'income' ELSE 'expense' END"""
RATE_SQ = """CASE WHEN t.currency = :base THEN NULL ELSE (
    SELECT r.rate FROM fx_rates r
    WHERE r.base = :base AND r.quote = t.currency AND r.date <= t.date
      AND (r.book_id = :book OR r.book_id IS NULL)
    ORDER BY r.date DESC, r.book_id IS NULL LIMIT 1) END"""
FROM_SQ = f"""FROM (
    SELECT t.*, CASE WHEN t.currency = :base THEN t.amount_minor
                     WHEN t.d IS NULL THEN NULL
                     WHEN 2 * abs(t.n % t.d) > t.d OR (2 * abs(t.n % t.d) = t.d
                                                     AND (t.n / t.d) % 2 <> 0)
                     THEN t.n / t.d + (CASE WHEN t.n < 0 THEN -1 ELSE 1 END)
                     ELSE t.n / t.d END AS amount_base
    FROM (SELECT t.*, t.amount_minor * CAST(round(t.d / CAST(t.rate AS REAL)) AS INTEGER) AS n
          FROM (SELECT t.*, CAST(replace(t.rate, '.', '') AS INTEGER) AS d
                FROM (SELECT t.date, t.amount_minor, t.currency, t.payee, t.category_id,
                             {FLOW_SQ} AS flow, {RATE_SQ} AS rate
                      FROM transactions t LEFT JOIN categories c ON c.id = t.category_id
                      WHERE t.book_id = :book AND t.date >= :date_from AND t.date <= :date_to
                        AND {NOT_FUTURE_SQ}) t) t) t) t"""


@dataclass(frozen=True)
class Question:
    name: str
    reports: tuple[str, ...]  # labels of report cases that answer it; the first one run counts
    duck_sql: str  # on the copy; parameters $date_from, $date_to
    sqlite_sql: str  # on the SQLite file; parameters :book, :base, :date_from, :date_to
    pandas: Callable[[pd.DataFrame, dict[str, Any]], pd.DataFrame]
    period: str  # "month" or "span"


def _expenses(frame: pd.DataFrame, p: dict[str, Any]) -> pd.DataFrame:
    part: pd.DataFrame = frame[(frame["flow"] == "expense") & (frame["date"] >= p["date_from"])
                               & (frame["date"] <= p["date_to"])]
    return part


def _pd_categories(frame: pd.DataFrame, p: dict[str, Any]) -> pd.DataFrame:
    return (_expenses(frame, p).groupby("category_id", dropna=False)["amount_base"]
            .sum().rename("total").reset_index())


def _pd_monthly(frame: pd.DataFrame, p: dict[str, Any]) -> pd.DataFrame:
    part = frame[(frame["date"] >= p["date_from"]) & (frame["date"] <= p["date_to"])]
    month = part["date"].dt.year * 100 + part["date"].dt.month
    out = part.groupby([month, "flow"], observed=True)["amount_base"].sum().unstack("flow")
    return pd.DataFrame({"month": [f"{m // 100:04d}-{m % 100:02d}" for m in out.index],
                         "income": out.get("income"), "expense": out.get("expense")}
                        ).reset_index(drop=True)


def _pd_payees(frame: pd.DataFrame, p: dict[str, Any]) -> pd.DataFrame:
    # Named aggregation gives a frame; pandas-stubs type SeriesGroupBy.agg as a Series.
    totals = cast(pd.DataFrame, _expenses(frame, p).groupby("payee")["amount_base"]
                  .agg(total="sum", n="count"))
    return totals.sort_values("total").head(10).reset_index()


def _pd_weekday(frame: pd.DataFrame, p: dict[str, Any]) -> pd.DataFrame:
    part = _expenses(frame, p)
    return (part.groupby(part["date"].dt.dayofweek + 1)["amount_base"]
            .agg(total="sum", n="count").rename_axis("wd").reset_index())


QUESTIONS = (
    Question(
        "expenses by category, one month",
        ("category_breakdown (1 month)", "monthly_summary (1 month)"),
        f"""SELECT category_id, sum(amount_base) AS total FROM tx t
            WHERE t.flow = 'expense' AND t.date BETWEEN $date_from AND $date_to
              AND {NOT_FUTURE_DK} GROUP BY category_id""",
        f"SELECT category_id, sum(amount_base) AS total {FROM_SQ} "
        "WHERE flow = 'expense' GROUP BY category_id",
        _pd_categories, "month"),
    Question(
        "income & expenses per month, 2 years", ("trends",),
        f"""SELECT printf('%04d-%02d', y, m) AS month, income, expense FROM (
                SELECT year(t.date) AS y, month(t.date) AS m,
                       sum(amount_base) FILTER (WHERE flow = 'income') AS income,
                       sum(amount_base) FILTER (WHERE flow = 'expense') AS expense
                FROM tx t WHERE t.date BETWEEN $date_from AND $date_to AND {NOT_FUTURE_DK}
                GROUP BY 1, 2)""",
        "SELECT substr(date, 1, 7) AS month, "
        "sum(CASE WHEN flow = 'income' THEN amount_base END) AS income, "
        f"sum(CASE WHEN flow = 'expense' THEN amount_base END) AS expense {FROM_SQ} "
        "GROUP BY 1",
        _pd_monthly, "span"),
    Question(
        "top 10 payees by spending, 2 years", ("top_payees",),
        f"""SELECT payee, sum(amount_base) AS total, count(*) AS n FROM tx t
            WHERE t.flow = 'expense' AND t.date BETWEEN $date_from AND $date_to
              AND {NOT_FUTURE_DK} GROUP BY payee ORDER BY total LIMIT 10""",
        f"SELECT payee, sum(amount_base) AS total, count(*) AS n {FROM_SQ} "
        "WHERE flow = 'expense' GROUP BY payee ORDER BY total LIMIT 10",
        _pd_payees, "span"),
    Question(
        "spending by weekday, 2 years", ("spending_by_weekday",),
        f"""SELECT isodow(t.date) AS wd, sum(amount_base) AS total, count(*) AS n FROM tx t
            WHERE t.flow = 'expense' AND t.date BETWEEN $date_from AND $date_to
              AND {NOT_FUTURE_DK} GROUP BY 1""",
        "SELECT (CAST(strftime('%w', date) AS INTEGER) + 6) % 7 + 1 AS wd, "
        f"sum(amount_base) AS total, count(*) AS n {FROM_SQ} WHERE flow = 'expense' GROUP BY 1",
        _pd_weekday, "span"),
)


def question_params(q: Question, book: Book) -> dict[str, Any]:
    date_from, date_to = period(book, q.period)
    return {"date_from": date_from, "date_to": date_to}


def load_pandas(book: Book) -> tuple[pd.DataFrame, float, float]:
    """The columns the questions need, read once; then flow and base amounts as in the copy.

    Returns the frame, the read time and the preparation time (ms).
    """
    start = time.perf_counter()
    with sqlite3.connect(f"file:{book.path}?mode=ro", uri=True) as con:
        frame = pd.read_sql(
            "SELECT date, amount_minor, currency, payee, category_id, "
            "transfer_id IS NOT NULL AS is_transfer, scheduled FROM transactions "
            "WHERE book_id = ?", con, params=(book.scope.book_id,))
        kinds = pd.read_sql("SELECT id, kind FROM categories WHERE book_id = ?", con,
                            params=(book.scope.book_id,))
        rates = pd.read_sql(
            "SELECT quote, date, rate FROM fx_rates WHERE base = ? "
            "AND (book_id = ? OR book_id IS NULL) ORDER BY date, book_id IS NULL", con,
            params=(book.base, book.scope.book_id))
    loaded = time.perf_counter()
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    kind = frame["category_id"].map(kinds.set_index("id")["kind"])
    flow = np.select([frame["is_transfer"].astype(bool) | (kind == "transfer"),
                      kind.isin(["income", "expense"]).to_numpy(bool),
                      frame["amount_minor"].to_numpy() > 0],
                     [np.array("transfer"), kind.to_numpy(object), np.array("income")],
                     "expense")
    frame["flow"] = pd.Categorical(flow, categories=["income", "expense", "transfer"])
    base = frame["amount_minor"].astype("float64")
    base[frame["currency"] != book.base] = np.nan
    rates = rates.drop_duplicates(["quote", "date"])  # the book's own rate wins (sorted first)
    for ccy, part in rates.groupby("quote"):  # one step per currency, not per transaction
        rows = (frame["currency"] == ccy).to_numpy()
        days = pd.to_datetime(part["date"]).to_numpy()
        idx = np.searchsorted(days, frame["date"].to_numpy()[rows], side="right") - 1
        # amount / rate exactly, as the copy: amount * 10^k // (rate * 10^k), half-even
        den = part["rate"].str.replace(".", "", regex=False).astype("int64").to_numpy()
        scale = np.rint(den / part["rate"].astype("float64").to_numpy()).astype("int64")
        num = frame["amount_minor"].to_numpy()[rows] * scale[np.maximum(idx, 0)]
        d = den[np.maximum(idx, 0)]
        q, r = np.divmod(num, d)  # floor division: 0 <= r < d
        q = q + ((2 * r > d) | ((2 * r == d) & (q % 2 == 1)))
        base[rows] = np.where(idx >= 0, q, np.nan)
    frame["amount_base"] = base  # float64: exact for sums below 2**53 minor units
    future = frame["scheduled"].astype(bool) & (frame["date"] > pd.Timestamp(dt.date.today()))
    frame = frame.loc[~future, ["date", "payee", "category_id", "flow", "amount_base"]]
    return frame, (loaded - start) * 1000, (time.perf_counter() - loaded) * 1000


def _keyed(frame: pd.DataFrame) -> dict[tuple[object, ...], float]:
    """First column(s) as the key, numeric columns as values; for comparing answers."""
    frame = frame.reset_index(drop=True)
    key_cols = [c for c in frame.columns if c not in ("total", "n", "income", "expense")]
    out = {}
    row: Any  # pandas-stubs type _asdict as one more field
    for row in frame.itertuples(index=False):  # answers are small (tens of rows)
        values = row._asdict()
        key = tuple(None if pd.isna(values[c]) else values[c] for c in key_cols)
        for c in values:
            if c not in key_cols:
                out[(*key, c)] = 0.0 if pd.isna(values[c]) else float(values[c])
    return out


def max_diff(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Largest difference between two answers (minor units; inf if the keys differ)."""
    ka, kb = _keyed(a), _keyed(b)
    if set(ka) != set(kb):
        return float("inf")
    return max((abs(ka[k] - kb[k]) for k in ka), default=0.0)


# --- one size ----------------------------------------------------------------------------------


def fmt_ms(ms: float) -> str:
    return f"{ms:,.1f}"


def ratio(other_ms: float, duck_ms: float | None) -> str:
    if not duck_ms:
        return "—"
    r = other_ms / duck_ms
    return f"{r:,.1f}x" if r >= 1 else f"{r:.2f}x"


def run_size(path: Path, runs: int, only: set[str], expected_rows: int) -> None:
    book = open_book(path)
    if book.rows != expected_rows:
        raise SystemExit(f"{path} holds {book.rows:,} transactions, not {expected_rows:,} "
                         "(an interrupted generation?); delete it to regenerate")
    store = report_store(book.db)
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    busy = "  BUSY MACHINE: timings are inflated" if load > 1.5 * cpus else ""
    print(f"\n=== {book.rows:,} transactions ({path}, {path.stat().st_size / 1e6:,.0f} MB) ===\n"
          f"load average {load:.1f} on {cpus} CPUs{busy}; DuckDB {duckdb.__version__}, "
          f"pandas {pd.__version__}, SQLite {sqlite3.sqlite_version}", flush=True)
    peaks = {"before the copy": peak_mb()}
    info, first_ms = timed_ms(lambda: store.info(book.scope))
    peaks["after the copy build"] = peak_mb()
    check_ms = median_ms(lambda: store.info(book.scope), runs)
    print(f"copy build (first info()): {fmt_ms(first_ms)} ms "
          f"(refresh itself {fmt_ms(info.refreshed_in_ms)} ms, {info.rows:,} rows); "
          f"info() when current: {check_ms:.2f} ms\n", flush=True)

    limit = target_ms(book.rows)
    results: dict[str, float] = {}
    table = []
    for case in REPORTS:
        if not selected(case, only):
            continue
        fn, why = load_report(case)
        call = None
        if fn is not None:
            call, why = report_call(case, fn, book)
        if call is None:
            print(f"skipped {case.module}.{case.function}: {why}")
            continue
        try:
            ms = median_ms(call, runs)
        except Exception as exc:  # one broken report must not hide the rest
            print(f"failed {case.module}.{case.function}: {exc!r}")
            continue
        results[case.label] = ms
        name = f"{case.module}.{case.function}"
        table.append([f"{name} ({case.variant})" if case.variant else name,
                      "1 month" if case.period == "month" else "2 years", fmt_ms(ms),
                      f"< {limit:,.0f}", "pass" if ms < limit else "FAIL"])
    print(f"\nReports, warm copy, median of {runs} runs:")
    print_table(["report", "period", "median ms", "target ms", ""], table)
    peaks["after the reports"] = peak_mb()

    refresh, added_id = write_then_report(book, store, runs, only)
    try:
        peaks["after refresh-after-write"] = reports_peak = peak_mb()
        compare(book, store, runs, only, results)
        peaks["after sqlite & pandas"] = peak_mb()
    finally:  # after the comparisons, which then see the same extra row in every engine
        delete_transaction(book.scope, added_id)  # so a cached book keeps its contents
    print(f"copy build (first info()):  {fmt_ms(first_ms)} ms")
    for label, ms in refresh:
        print(f"{label:<27} {fmt_ms(ms)} ms")
    mark = ""
    if book.rows >= 10_000_000:
        mark = "  pass" if reports_peak < TARGET_PEAK_MB_10M else "  FAIL"
        mark += f" (target < {TARGET_PEAK_MB_10M:,.0f} MB)"
    print(f"peak MB, reports:           {reports_peak:,.0f}{mark}")
    print("  peak MB by stage:         " + ", ".join(f"{k} {v:,.0f}" for k, v in peaks.items()),
          flush=True)


def write_then_report(book: Book, store: ReportStore, runs: int, only: set[str]
                      ) -> tuple[list[tuple[str, float]], int]:
    """One ``add_transaction``, then the next report call (it refreshes the copy).

    Returns the timings and the id of the added transaction (the caller deletes it).
    """
    call: Callable[[], object] = partial(store.info, book.scope)
    label = "info"
    for case in REPORTS:
        fn = load_report(case)[0] if selected(case, only) else None
        made = report_call(case, fn, book)[0] if fn is not None else None
        if made is not None:
            call, label = made, case.function
            break
    data = TransactionInput(book.account_id, book.date_to, "-12.34", "Benchmark write",
                            "one write before the next report", category_id=book.category_id)
    added, write_ms = timed_ms(lambda: add_transaction(book.scope, data))
    try:
        _, report_ms = timed_ms(call)
        info = store.info(book.scope)
        warm_ms = median_ms(call, runs, warmup=0)
    except BaseException:
        delete_transaction(book.scope, added.id)
        raise
    print(f"After one add_transaction ({write_ms:.1f} ms): next {label}() {fmt_ms(report_ms)} ms "
          f"(copy refresh {fmt_ms(info.refreshed_in_ms)} ms), then {fmt_ms(warm_ms)} ms warm\n",
          flush=True)
    return [("write (add_transaction):", write_ms),
            (f"refresh-after-write ({label}):", report_ms),
            ("  of which copy refresh:", info.refreshed_in_ms)], added.id


def compare(book: Book, store: ReportStore, runs: int, only: set[str],
            reports: dict[str, float]) -> None:
    questions = [q for q in QUESTIONS if not only or any(
        selected(c, only) for c in REPORTS if c.label in q.reports)]
    if not questions:
        return
    frame, load_ms, prep_ms = load_pandas(book)
    print(f"pandas load (read_sql of {len(frame):,} rows, 5 columns + flags): {fmt_ms(load_ms)} "
          f"ms, preparation (dates, flow, base amounts): {fmt_ms(prep_ms)} ms\n", flush=True)
    rows = []
    with store.cursor(book.scope) as cur, \
            sqlite3.connect(f"file:{book.path}?mode=ro", uri=True) as con:
        for q in questions:
            p = question_params(q, book)
            sq = {**p, "book": book.scope.book_id, "base": book.base}
            sq["date_from"], sq["date_to"] = p["date_from"].isoformat(), p["date_to"].isoformat()
            pp = {k: pd.Timestamp(v) for k, v in p.items()}
            answers: dict[str, pd.DataFrame] = {}

            def run_duck(q: Question = q, p: dict[str, Any] = p,
                         answers: dict[str, pd.DataFrame] = answers) -> None:
                answers["duck"] = cur.execute(q.duck_sql, p).df()

            def run_sqlite(q: Question = q, sq: dict[str, Any] = sq,
                           answers: dict[str, pd.DataFrame] = answers) -> None:
                cols = con.execute(q.sqlite_sql, sq)
                answers["sqlite"] = pd.DataFrame(
                    cols.fetchall(), columns=[d[0] for d in cols.description])

            def run_pandas(q: Question = q, pp: dict[str, Any] = pp,
                           answers: dict[str, pd.DataFrame] = answers) -> None:
                answers["pandas"] = q.pandas(frame, pp)

            duck_ms = median_ms(run_duck, runs)
            sqlite_ms = median_ms(run_sqlite, max(1, min(runs, 3)), warmup=0)
            pandas_ms = median_ms(run_pandas, runs)
            via = next((label for label in q.reports if label in reports), None)
            report_ms = reports[via] if via else None
            diff = max(max_diff(answers["duck"], answers["sqlite"]),
                       max_diff(answers["duck"], answers["pandas"]))
            rows.append([q.name, via or "—", fmt_ms(report_ms) if report_ms else "—",
                         fmt_ms(duck_ms), fmt_ms(sqlite_ms), fmt_ms(pandas_ms),
                         ratio(sqlite_ms, duck_ms), ratio(pandas_ms, duck_ms),
                         ratio(sqlite_ms, report_ms), ratio(pandas_ms, report_ms),
                         "yes" if diff == 0 else f"NO ({diff:,.0f})"])
    print(f"Same questions, four ways (ms; DuckDB and pandas median of {runs}, SQLite of "
          f"{max(1, min(runs, 3))}; ratio = other / DuckDB SQL or / report function):")
    print_table(["question", "report function", "report", "duckdb sql", "sqlite", "pandas",
                 "sqlite/duck", "pandas/duck", "sqlite/report", "pandas/report", "agree"],
                rows)


# --- driver ------------------------------------------------------------------------------------


def _child(path: str, runs: int, only: list[str], rows: int) -> None:
    run_size(Path(path), runs, set(only), rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="comma-separated transaction counts (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=5,
                        help="timed runs per report, median (SQLite: at most 3)")
    parser.add_argument("--cache-dir", type=Path,
                        help="keep DIR/demo_<N>.db between runs (generated when missing)")
    parser.add_argument("--only", default="",
                        help="only these reports (function or module names, comma-separated)")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: {args.sizes!r} is not a list of numbers")
    if args.runs < 1 or any(n < demo.MIN_TRANSACTIONS for n in sizes):
        parser.error(f"--runs must be at least 1 and sizes at least {demo.MIN_TRANSACTIONS:,}")
    only = [o.strip() for o in args.only.split(",") if o.strip()]
    names = {n for c in REPORTS for n in (c.function, c.module, c.label)}
    if set(only) - names:
        parser.error(f"--only: unknown {', '.join(sorted(set(only) - names))}; choose from "
                     f"{', '.join(sorted(names))}")
    tmp = None
    if args.cache_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="fintrack-bench-reports-")
        folder = Path(tmp.name)
    else:
        folder = args.cache_dir
        folder.mkdir(parents=True, exist_ok=True)
    spawn = multiprocessing.get_context("spawn")  # fresh processes: peak memory per size
    failed = []
    try:
        for rows in sizes:
            path = folder / f"demo_{rows}.db"
            if not path.exists():
                print(f"generating {path} ...", flush=True)
                proc = spawn.Process(target=generate, args=(path, rows))
                proc.start()
                proc.join()
                if proc.exitcode:
                    path.unlink(missing_ok=True)
                    raise SystemExit(f"generating {rows:,} rows failed")
            proc = spawn.Process(target=_child, args=(str(path), args.runs, only, rows))
            proc.start()
            proc.join()
            if proc.exitcode:
                failed.append(rows)
                print(f"the {rows:,}-row run failed (exit code {proc.exitcode})", flush=True)
            if tmp is not None:  # the next size's book gets the disk space
                for leftover in folder.glob(f"{path.name}*"):
                    leftover.unlink()
    finally:
        if tmp is not None:
            tmp.cleanup()
    if failed:
        raise SystemExit(f"failed: {', '.join(f'{n:,}' for n in failed)} rows")


if __name__ == "__main__":
    main()
