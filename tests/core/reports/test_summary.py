"""Monthly summary, checked to the cent against plain-Python sums over the fixture's ledger.

The expectations never touch DuckDB: ``ledger_rows`` rebuilds every transaction from
``LEDGER``/``TRANSFERS`` and converts USD with ``RATES`` in ``Decimal`` (amount / rate,
half-even to cents, rate of the day or the latest before), so a mistake in the report's SQL
cannot hide behind the same mistake in the test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, cast

import pandas as pd
import pytest

from fintrack_core.access import Scope
from fintrack_core.errors import PermissionDenied, ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import accounts, users
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.categories import CategoryView, list_categories
from fintrack_core.reports.summary import monthly_summary
from tests.core.reports.conftest import LEDGER, RATES, TRANSFERS, TYPES, ReportBook

D = dt.date
JAN, FEB, MAR = D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)


# --- independent expectations -------------------------------------------------------------


def cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value(ROUND_HALF_EVEN))


def to_eur_cents(currency: str, day: dt.date, amount: str) -> int | None:
    """EUR cents of one amount: EUR as is; USD / (latest RATES entry on or before ``day``)."""
    if currency == "EUR":
        return cents(Decimal(amount))
    known = [Decimal(rate) for start, rate in RATES if start <= day]
    if not known:
        return None
    return cents((Decimal(amount) / known[-1]).quantize(Decimal("0.01"), ROUND_HALF_EVEN))


@dataclass(frozen=True)
class Row:
    account: str
    date: dt.date
    amount: str
    eur: int | None
    payee: str
    description: str
    category: str | None
    tags: tuple[str, ...]
    transfer: bool


def ledger_rows() -> list[Row]:
    """Every stored transaction of the fixture, both legs of each transfer included."""
    out = [Row(acc, day, amount, to_eur_cents(TYPES[acc][1], day, amount), payee, "", cat,
               tags, False) for acc, day, amount, payee, cat, tags in LEDGER]
    for src, dst, sent, got, day, desc in TRANSFERS:
        out.append(Row(src, day, f"-{sent}", to_eur_cents(TYPES[src][1], day, f"-{sent}"), dst,
                       desc, None, (), True))
        received = got or sent
        out.append(Row(dst, day, received, to_eur_cents(TYPES[dst][1], day, received), src,
                       desc, None, (), True))
    return out


class Tree:
    """The book's categories by name: kind, path, parent and every ancestor-or-self."""

    def __init__(self, cats: list[CategoryView]) -> None:
        self.by_name = {c.name: c for c in cats}
        self.by_id = {c.id: c for c in cats}

    def kind(self, name: str) -> str:
        return self.by_name[name].kind.value

    def ancestors(self, name: str) -> list[CategoryView]:
        out, cat = [], self.by_name[name]
        while cat is not None:
            out.append(cat)
            cat = self.by_id.get(cat.parent_id) if cat.parent_id else None  # type: ignore[assignment]
        return out

    def root(self, name: str) -> CategoryView:
        return self.ancestors(name)[-1]


def flow(row: Row, tree: Tree) -> str:
    if row.transfer:
        return "transfer"
    if row.category is not None:
        return tree.kind(row.category)
    return "income" if Decimal(row.amount) > 0 else "expense"


def in_month(row: Row, month: dt.date) -> bool:
    return (row.date.year, row.date.month) == (month.year, month.month)


def month_rows(month: dt.date, keep: Callable[[Row], bool] = lambda r: True) -> list[Row]:
    return [r for r in ledger_rows() if in_month(r, month) and keep(r)]


def totals(rows: Iterable[Row], tree: Tree) -> tuple[int, int]:
    rows = list(rows)
    income = sum(r.eur for r in rows if flow(r, tree) == "income" and r.eur is not None)
    expenses = sum(r.eur for r in rows if flow(r, tree) == "expense" and r.eur is not None)
    return income, expenses


def savings_rate(income: int, expenses: int) -> Decimal | None:
    if income == 0:
        return None
    return (Decimal(income + expenses) / Decimal(income)).quantize(Decimal("0.0001"),
                                                                   ROUND_HALF_EVEN)


def tree_of(book: ReportBook) -> Tree:
    return Tree(list_categories(book.owner))


# --- totals -------------------------------------------------------------------------------


@pytest.mark.parametrize("month", [JAN, FEB, MAR])
def test_totals_match_the_ledger_to_the_cent(report_book: ReportBook, month: dt.date) -> None:
    tree = tree_of(report_book)
    income, expenses = totals(month_rows(month), tree)
    s = monthly_summary(report_book.owner, month + dt.timedelta(days=14))
    assert (s.base_currency, s.month) == ("EUR", month)
    assert (s.income, s.expenses, s.net) == (income, expenses, income + expenses)
    assert s.savings_rate == savings_rate(income, expenses)
    assert s.unconverted == {}
    assert s.budgets.empty  # the book has no budgets


def test_march_in_plain_numbers(report_book: ReportBook) -> None:
    # Salary 3,200.00; rent 1,000.00 + REWE 99.99 + fuel 74.50 + Whole Foods 120 USD at 1.20
    # (100.00) + Netflix 19.99 (uncategorised) = 1,294.48; the transfer to savings is not
    # an expense. Net 1,905.52; rate 1905.52 / 3200 = 0.595475 -> 0.5955.
    s = monthly_summary(report_book.owner, MAR)
    assert (s.income, s.expenses, s.net) == (320000, -129448, 190552)
    assert s.savings_rate == Decimal("0.5955")


def test_february_refund_lowers_expenses_and_transfers_do_not_count(
        report_book: ReportBook) -> None:
    # Rent 1,000 + EDEKA 120.35 + Trattoria 89.00 - Shell refund 25.00 = 1,184.35; the card
    # payment and the USD top-up are transfers. Income: salary + tax refund = 3,150.00.
    s = monthly_summary(report_book.owner, FEB)
    assert (s.income, s.expenses) == (315000, -118435)
    fuel = s.by_category.set_index("name").loc["Fuel"]
    assert (fuel["own"], fuel["total"]) == (2500, 2500)
    assert "transfer" not in set(s.by_category["kind"])
    assert (s.biggest["amount_base"] < 0).all()


def test_usd_rows_are_converted_at_the_rate_of_their_day(report_book: ReportBook) -> None:
    s = monthly_summary(report_book.owner, JAN)
    diner = s.biggest.set_index("payee").loc["Diner NYC"]
    assert (diner["amount"], diner["currency"]) == (-5500, "USD")
    assert diner["amount_base"] == to_eur_cents("USD", D(2024, 1, 25), "-55.00") == -5000


# --- categories ---------------------------------------------------------------------------


@pytest.mark.parametrize("month", [JAN, FEB, MAR])
def test_by_category_own_and_rolled_up_totals(report_book: ReportBook, month: dt.date) -> None:
    tree = tree_of(report_book)
    own: dict[int, int] = {}
    total: dict[int, int] = {}
    uncategorised: dict[str, int] = {}
    for r in month_rows(month, lambda r: not r.transfer):
        assert r.eur is not None
        if r.category is None:
            uncategorised[flow(r, tree)] = uncategorised.get(flow(r, tree), 0) + r.eur
            continue
        leaf = tree.by_name[r.category]
        own[leaf.id] = own.get(leaf.id, 0) + r.eur
        for cat in tree.ancestors(r.category):
            total[cat.id] = total.get(cat.id, 0) + r.eur

    frame = monthly_summary(report_book.owner, month).by_category
    named = frame[frame["category_id"].notna()]
    assert set(named["category_id"].astype(int)) == set(total)
    row: Any  # pandas-stubs type each itertuples field as any scalar
    for row in named.itertuples():
        cat = tree.by_id[int(row.category_id)]
        assert (row.name, row.path, row.depth, row.kind, row.color) == (
            cat.name, cat.path, cat.depth, cat.kind.value, cat.color)
        assert pd.isna(row.parent_id) if cat.parent_id is None else \
            row.parent_id == cat.parent_id
        assert (row.own, row.total) == (own.get(cat.id, 0), total[cat.id]), cat.path
    loose = frame[frame["category_id"].isna()]
    assert dict(zip(loose["kind"], loose["total"], strict=True)) == uncategorised
    assert (loose["path"] == "Uncategorised").all()
    # Roots of each kind add up to that kind's total.
    income, expenses = totals(month_rows(month), tree)
    roots = named[named["parent_id"].isna()]
    assert roots[roots["kind"] == "income"]["total"].sum() + uncategorised.get("income", 0) \
        == income
    assert roots[roots["kind"] == "expense"]["total"].sum() + uncategorised.get("expense", 0) \
        == expenses


def test_march_tree_has_fuel_under_car_under_transportation(report_book: ReportBook) -> None:
    frame = monthly_summary(report_book.owner, MAR).by_category.set_index("path")
    # pandas-stubs: comparing two cells of unknown scalar type has no NAType.__eq__ overload
    assert frame.loc["Transportation", "total"] == frame.loc["Transportation → Car", "total"] \
        == frame.loc["Transportation → Car → Fuel", "own"] == -7450  # type: ignore[operator]
    assert frame.loc["Transportation", "own"] == 0
    assert frame.loc["Food", "total"] == -9999 - 10000  # REWE + Whole Foods (120 USD / 1.20)
    assert frame.loc["Uncategorised", "total"] == -1999  # Netflix
    assert list(frame["kind"]).index("expense") > list(frame["kind"]).index("income")


# --- biggest ------------------------------------------------------------------------------


def test_biggest_are_the_ten_largest_expense_rows(report_book: ReportBook) -> None:
    giro = report_book.accounts["Girokonto"]
    for i in range(8):  # 5 March expenses + 8 + 1 below = 14 candidates
        tx.add_transaction(report_book.owner, tx.TransactionInput(
            giro, D(2024, 3, 10 + i), f"-{10 + i}.00", f"Shop {i}", "extra",
            report_book.categories["Household"]))
    # Larger than REWE's 99.99 in dollars, smaller in euros (87.50): ranked by the latter.
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["US Checking"], D(2024, 3, 19), "-105.00", "Target",
        category_id=report_book.categories["Household"]))
    tree = tree_of(report_book)
    rows = [(r.eur, r.date, r.payee) for r in month_rows(MAR)
            if flow(r, tree) == "expense" and r.eur is not None and r.eur < 0]
    rows += [(-(10 + i) * 100, D(2024, 3, 10 + i), f"Shop {i}") for i in range(8)]
    target = to_eur_cents("USD", D(2024, 3, 19), "-105.00")
    assert target is not None
    rows.append((target, D(2024, 3, 19), "Target"))
    expected = sorted(rows)[:10]

    big = monthly_summary(report_book.owner, MAR).biggest
    assert list(big.columns) == ["id", "date", "account", "payee", "description", "category",
                                 "amount", "currency", "amount_base"]
    assert list(zip(big["amount_base"], big["date"], big["payee"], strict=True)) == expected
    top = big.iloc[0]
    assert (top["account"], top["category"], top["amount"], top["currency"]) == (
        "Girokonto", "Housing → Rent", -100000, "EUR")
    assert "Uncategorised" in set(big["category"])  # Netflix, -19.99
    assert isinstance(top["date"], dt.date)


# --- against the average ------------------------------------------------------------------


def half_even(total: int, n: int) -> int:
    return int((Decimal(total) / n).quantize(Decimal(1), ROUND_HALF_EVEN))


@pytest.mark.parametrize("compare", [1, 2, 3, 6])
def test_vs_average_of_previous_months(report_book: ReportBook, compare: int) -> None:
    tree = tree_of(report_book)
    index = MAR.year * 12 + MAR.month - 1 - compare  # the month ``compare`` before March
    first_previous = D(index // 12, index % 12 + 1, 1)

    def by_root(rows: Iterable[Row]) -> dict[str | None, int]:
        out: dict[str | None, int] = {}
        for r in rows:
            if flow(r, tree) == "expense":
                assert r.eur is not None
                key = tree.root(r.category).path if r.category else None
                out[key] = out.get(key, 0) + r.eur
        return out

    now = by_root(month_rows(MAR))
    before = by_root(r for r in ledger_rows() if first_previous <= r.date < MAR)
    frame = monthly_summary(report_book.owner, MAR, compare_months=compare).vs_average
    got = {(None if pd.isna(r.category_id) else r.path): (r.this_month, r.average_previous,
                                                          r.change)
           for r in cast(Iterable[Any], frame.itertuples())}
    expected = {}
    for key in set(now) | set(before):
        avg = half_even(before.get(key, 0), compare)
        expected[key] = (now.get(key, 0), avg, now.get(key, 0) - avg)
    assert got == expected
    ids = frame.dropna(subset=["category_id"])
    assert all(tree.by_id[int(i)].parent_id is None for i in ids["category_id"])


def test_vs_average_three_months_in_plain_numbers(report_book: ReportBook) -> None:
    # Food: (0 - 178.30 - 209.35) / 3 = -129.2166 -> -129.22; Housing -2000 / 3 -> -666.67;
    # Transportation (-60 + 25) / 3 = -11.666 -> -11.67; Netflix had no earlier months.
    frame = monthly_summary(report_book.owner, MAR).vs_average.set_index("path")
    assert list(frame.index) == ["Food", "Housing", "Transportation", "Uncategorised"]
    assert list(frame.loc["Food"])[1:] == [-19999, -12922, -7077]
    assert frame.loc["Housing", "average_previous"] == -66667
    assert frame.loc["Transportation", "average_previous"] == -1167
    assert list(frame.loc["Uncategorised"])[1:] == [-1999, 0, -1999]


def test_compare_months_must_be_positive(report_book: ReportBook) -> None:
    with pytest.raises(ValidationError):
        monthly_summary(report_book.owner, MAR, compare_months=0)


# --- filters ------------------------------------------------------------------------------


Pick = Callable[[ReportBook], TransactionFilter]
FILTERS: dict[str, tuple[Pick, Callable[[Row, Tree], bool]]] = {
    "account": (lambda b: TransactionFilter(account_ids=(b.accounts["Visa"],)),
                lambda r, t: r.account == "Visa"),
    "category with sub-categories": (
        lambda b: TransactionFilter(category_ids=(b.categories["Transportation"],
                                             b.categories["Food"])),
        lambda r, t: r.category is not None and t.root(r.category).name in {
            "Transportation", "Food"}),
    "sub-category": (lambda b: TransactionFilter(category_ids=(b.categories["Car"],)),
                     lambda r, t: r.category == "Fuel"),
    "tag": (lambda b: TransactionFilter(tags=("food", "#Car")),
            lambda r, t: bool({"food", "car"} & set(r.tags))),
    "text": (lambda b: TransactionFilter(text=" shell "), lambda r, t: "shell" in r.payee.lower()),
    "date range": (lambda b: TransactionFilter(date_from=D(2024, 2, 10), date_to=D(2024, 3, 15)),
                   lambda r, t: D(2024, 2, 10) <= r.date <= D(2024, 3, 15)),
    # As recorded, in the row's own currency: Whole Foods' 120 USD (100 EUR) is not in 80-100.
    "amount": (lambda b: TransactionFilter(amount_min=Decimal("80"), amount_max=Decimal("100")),
               lambda r, t: Decimal(80) <= abs(Decimal(r.amount)) <= Decimal(100)),
}


@pytest.mark.parametrize("name", list(FILTERS))
@pytest.mark.parametrize("month", [JAN, FEB, MAR])
def test_filters_change_the_totals(report_book: ReportBook, name: str, month: dt.date) -> None:
    make, keep = FILTERS[name]
    tree = tree_of(report_book)
    income, expenses = totals(month_rows(month, lambda r: keep(r, tree)), tree)
    s = monthly_summary(report_book.owner, month, make(report_book))
    assert (s.income, s.expenses, s.net) == (income, expenses, income + expenses)
    assert s.savings_rate == savings_rate(income, expenses)
    spent = sum(r.eur for r in month_rows(month, lambda r: keep(r, tree))
                if flow(r, tree) == "expense" and r.eur is not None and r.eur < 0)
    assert s.biggest["amount_base"].sum() == spent  # fewer than ten rows in every case


def test_a_filter_keeps_the_previous_months_but_not_their_dates(report_book: ReportBook
                                                                ) -> None:
    # Food only, and only from March 5: March's Food is REWE + Whole Foods; the comparison
    # still covers Dec-Feb Food, because the date range narrows the summarised month only.
    flt = TransactionFilter(category_ids=(report_book.categories["Food"],), date_from=D(2024, 3, 5))
    frame = monthly_summary(report_book.owner, MAR, flt).vs_average
    assert frame[["path", "this_month", "average_previous"]].values.tolist() == [
        ["Food", -19999, -12922]]


# --- freshness, missing rates, access -----------------------------------------------------


def test_a_new_transaction_shows_up_in_the_next_report(report_book: ReportBook) -> None:
    before = monthly_summary(report_book.owner, MAR)
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["US Checking"], D(2024, 3, 30), "-60.00", "Bookshop",
        category_id=report_book.categories["Hobbies"]))
    after = monthly_summary(report_book.owner, MAR)
    assert after.expenses == before.expenses - 5000  # 60 USD / 1.20
    assert "Entertainment → Hobbies" in set(after.by_category["path"])
    assert after.biggest.iloc[0]["payee"] == "Landlord"


def test_a_currency_without_a_rate_is_reported_not_summed(report_book: ReportBook) -> None:
    before = monthly_summary(report_book.owner, MAR)
    london = accounts.create_account(report_book.owner, "London", "checking", "GBP", "0",
                                     D(2023, 12, 31)).id
    for amount, day in (("-12.34", 5), ("-0.66", 6), ("40.00", 7)):
        tx.add_transaction(report_book.owner, tx.TransactionInput(
            london, D(2024, 3, day), amount, "Pret", category_id=report_book.categories[
                "Coffee"] if amount.startswith("-") else None))
    # A transfer is never income or expense, converted or not.
    tx.transfer(report_book.owner, report_book.accounts["Girokonto"], london, "50.00",
                D(2024, 3, 8), received="43.00")
    after = monthly_summary(report_book.owner, MAR)
    assert after.unconverted == {"GBP": -1234 - 66 + 4000}
    assert (after.income, after.expenses) == (before.income, before.expenses)
    assert "Food → Coffee" not in set(after.by_category["path"])
    assert "Pret" not in set(after.biggest["payee"])


def test_a_viewer_may_read_and_a_non_member_may_not(report_book: ReportBook) -> None:
    as_viewer = monthly_summary(report_book.viewer, MAR)
    assert as_viewer.expenses == monthly_summary(report_book.owner, MAR).expenses
    carol = users.create_user(report_book.db, "carol", "xmas-songs-3", "Carol",
                              acting_user_id=report_book.owner.user_id)
    with pytest.raises(PermissionDenied):
        monthly_summary(Scope(report_book.db, carol.id, report_book.owner.book_id), MAR)


def test_a_month_without_income_has_no_savings_rate(report_book: ReportBook) -> None:
    s = monthly_summary(report_book.owner, D(2024, 4, 1))
    assert (s.income, s.expenses, s.net, s.savings_rate) == (0, 0, 0, None)
    assert s.by_category.empty
    assert s.biggest.empty
    assert set(s.vs_average["path"]) == {"Food", "Housing", "Transportation", "Uncategorised"}
    assert (s.vs_average["this_month"] == 0).all()
