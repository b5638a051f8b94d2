"""The cash-flow forecast of a small hand-written book."""

from __future__ import annotations

import datetime as dt

import pytest

from fintrack_core.budgets.forecast import forecast
from fintrack_core.budgets.subscriptions import dismiss_series, list_subscriptions
from fintrack_core.errors import ValidationError
from fintrack_core.ledger import transactions as tx
from tests.conftest import SmallBook

D = dt.date
TODAY = D(2024, 4, 15)


@pytest.fixture
def rent_and_salary(small_book: SmallBook) -> SmallBook:
    """Girokonto: salary 2,500 on the 1st, rent 850 on the 2nd since January (the March
    ones are in the fixture), plus one scheduled 2,000 EUR payment on 10 May."""
    sb = small_book
    for month in (1, 2, 4):
        tx.add_transaction(sb.owner, tx.TransactionInput(
            sb.checking.id, D(2024, month, 1), "2500.00", "ACME GmbH", "Salary",
            sb.categories["Salary"]))
        tx.add_transaction(sb.owner, tx.TransactionInput(
            sb.checking.id, D(2024, month, 2), "-850.00", "Landlord", "Rent",
            sb.categories["Rent"]))
    tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, D(2024, 5, 10), "-2000.00", "Car dealer", "Deposit", None,
        scheduled=True))
    return sb


def test_balances_move_by_schedules_and_series_and_the_low_point_is_named(
        rent_and_salary: SmallBook) -> None:
    sb = rent_and_salary
    f = forecast(sb.owner, 30, today=TODAY)
    giro = f.daily.set_index("date")[sb.checking.id]
    # Today: 1500 + 3 x (2500 - 850) - 64.37 - 300 (saved) = 7735.63
    assert giro[TODAY] == 773563
    assert giro[D(2024, 5, 1)] == 773563 + 250000          # salary on the 1st
    assert giro[D(2024, 5, 2)] == 773563 + 250000 - 85000  # rent on the 2nd
    assert giro[D(2024, 5, 10)] == 773563 + 250000 - 85000 - 200000
    assert list(f.events["source"]) == ["ACME GmbH", "Landlord", "scheduled"]
    [giro_low] = [p for p in f.lows if p.account == "Girokonto"]
    assert (giro_low.balance_minor, giro_low.date) == (738563, D(2024, 5, 10))
    assert f.below_zero == []


def test_an_asset_account_forecast_below_zero_is_a_warning(rent_and_salary: SmallBook) -> None:
    sb = rent_and_salary
    tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, D(2024, 4, 30), "-11000.00", "Tax office", "", None, scheduled=True))
    f = forecast(sb.owner, 30, today=TODAY)
    [warning] = f.below_zero  # the lowest point: after the car deposit on 10 May
    assert (warning.account, warning.date, warning.balance_minor) == (
        "Girokonto", D(2024, 5, 10), 773563 - 1100000 + 250000 - 85000 - 200000)


def test_dismissed_series_are_not_forecast_and_the_total_is_in_base(
        rent_and_salary: SmallBook) -> None:
    sb = rent_and_salary
    salary = next(v for v in list_subscriptions(sb.owner).series if v.name == "ACME GmbH")
    dismiss_series(sb.owner, salary.series.key)
    f = forecast(sb.owner, 30, today=TODAY)
    assert "ACME GmbH" not in set(f.events["source"])
    assert f.without_rate == []  # the USD card converts at 1.10
    assert f.daily["total"].iloc[0] == sum(
        int(f.daily[a].iloc[0]) for a in (sb.checking.id, sb.savings.id)) + round(
        int(f.daily[sb.card.id].iloc[0]) / 1.1)


def test_the_horizon_is_checked() -> None:
    with pytest.raises(ValidationError, match=r"^days: choose 1 to 366 days"):
        forecast(None, 0)  # type: ignore[arg-type]
