"""Trends, checked to the cent against plain-Python sums over the fixture's ledger.

The ledger helpers (USD converted per transaction with ``Decimal``, half-even) come from
``test_summary``; nothing here reads the DuckDB copy to build an expectation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, cast

import pandas as pd
import pytest

from fintrack_core.access import Scope
from fintrack_core.errors import PermissionDenied, ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import accounts, users
from fintrack_core.ledger import transactions as tx
from fintrack_core.reports.trends import last_months, trends
from tests.core.reports.conftest import OPENING, TYPES, ReportBook
from tests.core.reports.test_summary import (
    FILTERS,
    Row,
    Tree,
    cents,
    flow,
    half_even,
    ledger_rows,
    to_eur_cents,
    totals,
    tree_of,
)

D = dt.date
START, END = D(2023, 12, 1), D(2024, 4, 30)
MONTHS = [D(2023, 12, 1), D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1), D(2024, 4, 1)]
OPENED = D(2023, 12, 31)  # every fixture account


def same_month(day: dt.date, month: dt.date) -> bool:
    return (day.year, day.month) == (month.year, month.month)


def month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def spending_by_root(rows: list[Row], tree: Tree, month: dt.date) -> dict[str | None, int]:
    out: dict[str | None, int] = {}
    for r in rows:
        if same_month(r.date, month) and flow(r, tree) == "expense":
            assert r.eur is not None
            key = tree.root(r.category).path if r.category else None
            out[key] = out.get(key, 0) + r.eur
    return out


def median_half_even(values: list[int]) -> int:
    v, mid = sorted(values), len(values) // 2
    middle = Decimal(v[mid]) if len(v) % 2 else (Decimal(v[mid - 1]) + v[mid]) / 2
    return int(middle.quantize(Decimal(1), ROUND_HALF_EVEN))


# --- income and expenses per month ------------------------------------------------------


def test_every_month_of_the_range_to_the_cent(report_book: ReportBook) -> None:
    tree = tree_of(report_book)
    t = trends(report_book.owner, START, END)
    assert (t.base_currency, t.date_from, t.date_to) == ("EUR", START, END)
    assert list(t.monthly.columns) == ["month", "income", "expenses", "net"]
    assert list(t.monthly["month"]) == MONTHS  # December and April are empty, still listed
    row: Any  # pandas-stubs type each itertuples field as any scalar
    for row in t.monthly.itertuples():
        income, expenses = totals((r for r in ledger_rows() if same_month(r.date, row.month)),
                                  tree)
        assert (row.income, row.expenses, row.net) == (income, expenses, income + expenses)
    assert t.monthly["expenses"].tolist() == [0, -123830, -118435, -129448, 0]
    assert t.monthly["income"].tolist() == [0, 300000, 315000, 320000, 0]
    assert t.unconverted == {}


def test_a_range_starting_mid_month_lists_whole_months(report_book: ReportBook) -> None:
    tree = tree_of(report_book)
    t = trends(report_book.owner, D(2024, 1, 10), D(2024, 2, 14))
    assert list(t.monthly["month"]) == [D(2024, 1, 1), D(2024, 2, 1)]
    row: Any  # pandas-stubs type each itertuples field as any scalar
    for row in t.monthly.itertuples():
        kept = (r for r in ledger_rows() if same_month(r.date, row.month)
                and D(2024, 1, 10) <= r.date <= D(2024, 2, 14))
        assert (row.income, row.expenses) == totals(kept, tree)


# --- categories over time ---------------------------------------------------------------


def test_by_category_is_long_format_per_top_level_category(report_book: ReportBook) -> None:
    tree = tree_of(report_book)
    rows = ledger_rows()
    expected = {(m, key): amount for m in MONTHS
                for key, amount in spending_by_root(rows, tree, m).items()}
    frame = trends(report_book.owner, START, END).by_category
    assert list(frame.columns) == ["month", "category_id", "path", "amount"]
    got = {(r.month, None if pd.isna(r.category_id) else r.path): r.amount
           for r in cast(Iterable[Any], frame.itertuples())}
    assert got == expected
    r: Any
    for r in frame.dropna(subset=["category_id"]).itertuples():
        assert tree.by_id[int(r.category_id)].parent_id is None
        assert tree.by_id[int(r.category_id)].path == r.path
    # The stack adds up to each month's expenses.
    monthly = trends(report_book.owner, START, END).monthly.set_index("month")
    assert frame.groupby("month")["amount"].sum().to_dict() == {
        m: v for m, v in monthly["expenses"].items() if v}


@pytest.mark.parametrize(("date_from", "date_to"), [(START, END), (D(2024, 1, 1), D(2024, 4, 30)),
                                                    (D(2024, 2, 1), D(2024, 2, 29))])
def test_category_stats_count_months_without_spending(report_book: ReportBook,
                                                      date_from: dt.date, date_to: dt.date
                                                      ) -> None:
    tree = tree_of(report_book)
    months = [m for m in MONTHS if date_from <= m <= date_to]
    per_month = [spending_by_root(ledger_rows(), tree, m) for m in months]
    keys = {k for spent in per_month for k in spent}
    stats = trends(report_book.owner, date_from, date_to).category_stats
    assert list(stats.columns) == ["category_id", "path", "average", "median"]
    got = {(None if pd.isna(r.category_id) else r.path): (r.average, r.median)
           for r in cast(Iterable[Any], stats.itertuples())}
    expected = {}
    for key in keys:
        values = [spent.get(key, 0) for spent in per_month]
        expected[key] = (half_even(sum(values), len(values)), median_half_even(values))
    assert got == expected


def test_category_stats_in_plain_numbers(report_book: ReportBook) -> None:
    # Jan-Apr Food: -178.30, -209.35, -199.99, 0 -> average -587.64 / 4 = -146.91;
    # median (-199.99 + -178.30) / 2 = -189.145 -> half-even -189.14.
    stats = trends(report_book.owner, D(2024, 1, 1), D(2024, 4, 30)).category_stats
    food = stats.set_index("path").loc["Food"]
    assert (food["average"], food["median"]) == (-14691, -18914)


# --- balances ---------------------------------------------------------------------------


def expected_balance(account: str, as_of: dt.date, opened: dt.date = OPENED,
                     opening: str | None = None) -> tuple[int, int | None]:
    own = cents(Decimal(OPENING[account] if opening is None else opening)) \
        if opened <= as_of else 0
    own += sum(cents(Decimal(r.amount)) for r in ledger_rows()
               if r.account == account and r.date <= as_of)
    ccy = TYPES[account][1]
    return own, to_eur_cents(ccy, as_of, str(Decimal(own) / 100))


@pytest.mark.parametrize("date_to", [END, D(2024, 3, 20)])
def test_balances_at_each_month_end(report_book: ReportBook, date_to: dt.date) -> None:
    frame = trends(report_book.owner, START, date_to).balances
    assert list(frame.columns) == ["month", "account_id", "account", "currency", "balance",
                                   "balance_base"]
    months = [m for m in MONTHS if m <= date_to]
    assert len(frame) == len(months) * len(TYPES)
    r: Any  # pandas-stubs type each itertuples field as any scalar
    for r in frame.itertuples():
        as_of = min(month_end(r.month), date_to)  # the last month ends at date_to
        balance, base = expected_balance(r.account, as_of)
        assert (r.account_id, r.currency) == (report_book.accounts[r.account],
                                              TYPES[r.account][1])
        assert r.balance == balance, (r.account, r.month)
        assert (None if pd.isna(r.balance_base) else r.balance_base) == base, (r.account,
                                                                              r.month)


def test_balances_in_plain_numbers(report_book: ReportBook) -> None:
    # US Checking: 100 USD opening (no rate in December -> NA), Jan 45.00 USD = 40.91 EUR at
    # 1.10, Feb 261.00 = 237.27, Mar 141.00 at 1.20 = 117.50. Visa: -105.90, -64.00, -138.50.
    frame = trends(report_book.owner, START, D(2024, 3, 31)).balances
    usd = frame[frame["account"] == "US Checking"]
    assert usd["balance"].tolist() == [10000, 4500, 26100, 14100]
    assert usd["balance_base"].tolist() == [pd.NA, 4091, 23727, 11750]
    assert frame[frame["account"] == "Visa"]["balance"].tolist() == [0, -10590, -6400, -13850]


def test_opening_balance_counts_from_the_opening_day(report_book: ReportBook) -> None:
    cash = accounts.create_account(report_book.owner, "Cash", "cash", "EUR", "50.00",
                                   D(2024, 2, 15)).id
    frame = trends(report_book.owner, D(2024, 1, 1), D(2024, 3, 31)).balances
    assert frame[frame["account_id"] == cash]["balance"].tolist() == [0, 5000, 5000]


# --- filters ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FILTERS))
def test_filters_change_the_monthly_figures(report_book: ReportBook, name: str) -> None:
    make, keep = FILTERS[name]
    tree = tree_of(report_book)
    t = trends(report_book.owner, START, END, make(report_book))
    row: Any  # pandas-stubs type each itertuples field as any scalar
    for row in t.monthly.itertuples():
        kept = (r for r in ledger_rows() if same_month(r.date, row.month) and keep(r, tree))
        assert (row.income, row.expenses) == totals(kept, tree), row.month
    assert t.by_category.groupby("month")["amount"].sum().to_dict() == {
        r.month: r.expenses for r in t.monthly.itertuples() if r.expenses}


def test_balances_follow_the_account_filter_only(report_book: ReportBook) -> None:
    full = trends(report_book.owner, START, END).balances
    visa = trends(report_book.owner, START, END,
                  TransactionFilter(account_ids=(report_book.accounts["Visa"],))).balances
    assert set(visa["account"]) == {"Visa"}
    pd.testing.assert_frame_equal(visa, full[full["account"] == "Visa"].reset_index(drop=True))
    tagged = trends(report_book.owner, START, END, TransactionFilter(tags=("food",),
                                                                text="rewe")).balances
    pd.testing.assert_frame_equal(tagged, full)


def test_scheduled_rows_only_with_include_scheduled(today: dt.date,
                                                   report_book: ReportBook) -> None:
    later = today + dt.timedelta(days=40)
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], later, "-300.00", "Insurer",
        category_id=report_book.categories["Insurance"], scheduled=True))
    span = last_months(2, later)
    plain = trends(report_book.owner, *span)
    ahead = trends(report_book.owner, *span, TransactionFilter(include_scheduled=True))
    assert plain.monthly["expenses"].sum() == 0
    assert ahead.monthly["expenses"].sum() == -30000
    giro = report_book.accounts["Girokonto"]
    last = {f.balances[f.balances["account_id"] == giro]["balance"].iloc[-1]
            for f in (plain, ahead)}
    assert max(last) - min(last) == 30000


# --- freshness, missing rates, access, validation ---------------------------------------


def test_a_new_transaction_shows_up_in_the_next_report(report_book: ReportBook) -> None:
    before = trends(report_book.owner, START, END)
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Visa"], D(2024, 4, 3), "-42.00", "Cinema",
        category_id=report_book.categories["Events"]))
    after = trends(report_book.owner, START, END)
    assert after.monthly["expenses"].tolist() == [*before.monthly["expenses"][:4], -4200]
    april = after.by_category[after.by_category["month"] == D(2024, 4, 1)]
    assert april[["path", "amount"]].values.tolist() == [["Entertainment", -4200]]
    visa = after.balances[after.balances["account"] == "Visa"]["balance"].tolist()
    assert visa[-1] == -13850 - 4200


def test_a_currency_without_a_rate_is_reported_not_summed(report_book: ReportBook) -> None:
    before = trends(report_book.owner, START, END)
    london = accounts.create_account(report_book.owner, "London", "checking", "GBP", "100.00",
                                     D(2023, 12, 31)).id
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        london, D(2024, 2, 3), "-12.50", "Pret", category_id=report_book.categories["Coffee"]))
    after = trends(report_book.owner, START, END)
    assert after.unconverted == {"GBP": -1250}
    pd.testing.assert_frame_equal(after.monthly, before.monthly)
    pd.testing.assert_frame_equal(after.by_category, before.by_category)
    gbp = after.balances[after.balances["account_id"] == london]
    assert gbp["balance"].tolist() == [10000, 10000, 8750, 8750, 8750]
    assert gbp["balance_base"].isna().all()


def test_a_viewer_may_read_and_a_non_member_may_not(report_book: ReportBook) -> None:
    mine = trends(report_book.owner, START, END)
    theirs = trends(report_book.viewer, START, END)
    pd.testing.assert_frame_equal(mine.monthly, theirs.monthly)
    carol = users.create_user(report_book.db, "carol", "xmas-songs-3", "Carol",
                              acting_user_id=report_book.owner.user_id)
    with pytest.raises(PermissionDenied):
        trends(Scope(report_book.db, carol.id, report_book.owner.book_id), START, END)


def test_a_reversed_range_is_refused(report_book: ReportBook) -> None:
    with pytest.raises(ValidationError):
        trends(report_book.owner, END, START)


@pytest.mark.parametrize(("n", "end", "expected"), [
    (3, D(2024, 3, 15), (D(2024, 1, 1), D(2024, 3, 31))),
    (6, D(2024, 3, 1), (D(2023, 10, 1), D(2024, 3, 31))),
    (12, D(2024, 1, 31), (D(2023, 2, 1), D(2024, 1, 31))),
    (24, D(2024, 2, 10), (D(2022, 3, 1), D(2024, 2, 29))),
    (1, D(2023, 12, 31), (D(2023, 12, 1), D(2023, 12, 31))),
])
def test_last_months_presets(n: int, end: dt.date, expected: tuple[dt.date, dt.date]) -> None:
    assert last_months(n, end) == expected


def test_last_months_defaults_to_this_month(today: dt.date) -> None:
    start, end = last_months(12)
    assert start.day == 1
    assert end == month_end(today)
    assert (end.year - start.year) * 12 + end.month - start.month == 11
    with pytest.raises(ValidationError):
        last_months(0)
