"""Net worth at month ends: balances from opening + transactions, USD at the month-end rate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fintrack_core.errors import PermissionDenied, ValidationError
from fintrack_core.ledger import accounts
from fintrack_core.ledger import transactions as tx
from fintrack_core.reports.networth import net_worth
from tests.core.reports import ledger_math as lm
from tests.core.reports.conftest import TYPES, ReportBook

D = dt.date
MONTH_ENDS = [D(2023, 12, 31), D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31),
              D(2024, 4, 30)]
LIABILITIES = {"Visa"}


def _expected(day: dt.date) -> tuple[int, int, list[str]]:
    """(assets, liabilities, unconverted account names) at ``day`` from the fixture alone."""
    assets = liabilities = 0
    missing = []
    for name in TYPES:
        cents = lm.balance_cents(name, day)
        if cents is None:
            if lm.balance(name, day):
                missing.append(name)
            continue
        if name in LIABILITIES:
            liabilities -= cents
        else:
            assets += cents
    return assets, liabilities, missing


def test_monthly_net_worth_to_the_cent(report_book: ReportBook) -> None:
    result = net_worth(report_book.owner, D(2023, 12, 10), D(2024, 4, 2))
    monthly = result.monthly
    # "investments" (holdings at market value, part of assets) came with the portfolio; this
    # book holds none, so it is 0 every month and the other figures are unchanged
    assert list(monthly.columns) == ["month", "assets", "liabilities", "net_worth",
                                     "investments"]
    assert set(monthly["investments"]) == {0}
    assert list(monthly["month"]) == MONTH_ENDS
    row: Any  # pandas-stubs type each itertuples field as any scalar
    for row in monthly.itertuples():
        assets, liabilities, _ = _expected(row.month)
        assert (row.assets, row.liabilities) == (assets, liabilities), row.month
        assert row.net_worth == assets - liabilities
    # Hand-checked points: the card owes 105.90 at the end of January; US Checking holds
    # 100 - 55 = 45 USD then, 45/1.10 = 40.91 EUR; in March 141.00 USD / 1.20 = 117.50 EUR.
    by_month = monthly.set_index("month")
    assert by_month.at[D(2024, 1, 31), "liabilities"] == 10590
    usd = result.accounts[result.accounts["account"] == "US Checking"].set_index("month")
    assert usd.at[D(2024, 1, 31), "balance_base"] == 4091
    assert usd.at[D(2024, 3, 31), "balance"] == 14100
    assert usd.at[D(2024, 3, 31), "balance_base"] == 11750
    assert by_month.at[D(2024, 3, 31), "net_worth"] == sum(
        lm.balance_cents(n, D(2024, 3, 31)) or 0 for n in TYPES)
    assert result.base_currency == "EUR"


def test_month_end_rate_not_transaction_rates(report_book: ReportBook) -> None:
    """In March the whole USD balance is valued at 1.20, including February's top-up."""
    result = net_worth(report_book.owner, D(2024, 3, 1), D(2024, 3, 31))
    usd = result.accounts[result.accounts["account"] == "US Checking"]
    opening = lm.to_cents("100.00", "USD", D(2024, 1, 1))
    assert opening is not None
    flows_at_own_rates = sum(r.base for r in lm.rows() if r.account == "US Checking") + opening
    assert int(usd["balance_base"].iloc[0]) == 11750 != flows_at_own_rates


def test_no_rate_is_listed_as_unconverted(report_book: ReportBook) -> None:
    result = net_worth(report_book.owner, D(2023, 12, 1), D(2024, 1, 31))
    assert list(result.unconverted["account"]) == ["US Checking"]
    assert list(result.unconverted["month"]) == [D(2023, 12, 31)]
    assert list(result.unconverted["balance"]) == [10000]
    assert _expected(D(2023, 12, 31)) == (300000, 0, ["US Checking"])
    assert result.monthly.iloc[0]["assets"] == 300000


def test_overdrawn_asset_stays_an_asset_and_opening_waits_for_opened_on(
        report_book: ReportBook) -> None:
    owner = report_book.owner
    accounts.create_account(owner, "Joint", "checking", "EUR", "-50.00", D(2024, 2, 15))
    accounts.create_account(owner, "Car loan", "loan", "EUR", "-5000.00", D(2023, 12, 1))
    result = net_worth(owner, D(2024, 1, 1), D(2024, 3, 31)).monthly.set_index("month")
    for month in MONTH_ENDS[1:4]:
        assets, liabilities, _ = _expected(month)
        joint = -5000 if month >= D(2024, 2, 15) else 0
        assert result.at[month, "assets"] == assets + joint
        assert result.at[month, "liabilities"] == liabilities + 500000
        assert result.at[month, "net_worth"] == assets + joint - liabilities - 500000


def test_month_end_tie_rounds_half_even(report_book: ReportBook) -> None:
    """141.00 - 0.03 = 140.97 USD / 1.20 = 117.475 EUR: exactly a tie, so the even 117.48."""
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["US Checking"], D(2024, 3, 31), "-0.03", "Fee"))
    result = net_worth(report_book.owner, D(2024, 3, 1), D(2024, 3, 31))
    usd = result.accounts[result.accounts["account"] == "US Checking"]
    assert int(usd["balance_base"].iloc[0]) == lm.to_cents("140.97", "USD", D(2024, 3, 31))
    assert int(usd["balance_base"].iloc[0]) == 11748


def test_a_write_shows_up_in_the_next_call(report_book: ReportBook) -> None:
    before = net_worth(report_book.owner, D(2024, 3, 1), D(2024, 3, 31)).monthly
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["US Checking"], D(2024, 3, 31), "-12.00", "Deli"))
    after = net_worth(report_book.viewer, D(2024, 3, 1), D(2024, 3, 31)).monthly
    assert after["assets"].iloc[0] == before["assets"].iloc[0] - 1000  # 12 USD / 1.20


def test_bad_range_and_outsiders(report_book: ReportBook) -> None:
    with pytest.raises(ValidationError) as err:
        net_worth(report_book.owner, D(2024, 3, 1), D(2024, 1, 1))
    assert err.value.field == "date_to"
    with pytest.raises(PermissionDenied):
        net_worth(lm.outsider(report_book), D(2024, 1, 1), D(2024, 3, 1))
