"""Recurring payments found in hand-written histories with the noise real ones have."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from fintrack_core.budgets.recurring import Series, detect_series, normalise_payee

D = dt.date


def rows(*entries: tuple[str, dt.date, str]) -> pd.DataFrame:
    """(payee, date, amount) -> the frame ``detect_series`` reads (one account, EUR)."""
    return pd.DataFrame({
        "account_id": [1] * len(entries), "date": [e[1] for e in entries],
        "payee": [e[0] for e in entries],
        "amount_minor": [int(e[2].replace(".", "")) for e in entries],
        "currency": ["EUR"] * len(entries), "category_id": [None] * len(entries)})


def by_payee(found: list[Series]) -> dict[str, Series]:
    return {s.payee: s for s in found}


def test_normalised_payees_drop_case_digits_and_processor_noise() -> None:
    assert normalise_payee("NETFLIX.COM 866-579") == normalise_payee("Netflix.com") \
        == "netflix com"
    assert normalise_payee("PAYPAL *SPOTIFY") == "spotify"
    assert normalise_payee("12345") == ""


def test_a_monthly_subscription_with_weekend_shifts_and_a_price_change() -> None:
    # The 1st, moved to the next working day twice; 9.99 until March, 12.99 from April
    found = detect_series(rows(
        ("NETFLIX.COM", D(2026, 1, 2), "-9.99"), ("NETFLIX.COM", D(2026, 2, 2), "-9.99"),
        ("NETFLIX.COM", D(2026, 3, 1), "-9.99"), ("Netflix.com", D(2026, 4, 1), "-12.99"),
        ("Netflix.com", D(2026, 5, 1), "-12.99"), ("Netflix.com", D(2026, 6, 1), "-12.99"),
        ("Bakery", D(2026, 1, 9), "-3.20"), ("Bakery", D(2026, 3, 28), "-7.10"),
        ("Bakery", D(2026, 4, 2), "-2.90"),
    ))
    [netflix] = found  # the bakery's visits are not regular
    assert (netflix.cadence, netflix.amount_minor, netflix.previous_amount_minor) == (
        "monthly", -1299, -999)
    assert netflix.price_changed_on == D(2026, 4, 1)
    assert (netflix.next_date, netflix.occurrences, netflix.monthly_minor) == (
        D(2026, 7, 1), 6, -1299)


def test_two_subscriptions_from_one_payee_are_two_series() -> None:
    entries = []
    for month in range(1, 7):
        entries += [("APPLE.COM/BILL", D(2026, month, 5), "-0.99"),
                    ("APPLE.COM/BILL", D(2026, month, 17), "-9.99")]
    found = detect_series(rows(*entries))
    assert sorted(s.amount_minor for s in found) == [-999, -99]
    assert {s.cadence for s in found} == {"monthly"}
    assert len({s.key for s in found}) == 2


def test_a_skipped_month_does_not_break_a_series_and_a_late_one_is_missed() -> None:
    gym = [("FitX", D(2026, m, 15), "-24.90") for m in (1, 2, 3, 5, 6, 7)]  # April skipped
    [series] = detect_series(rows(*gym))
    assert (series.cadence, series.next_date) == ("monthly", D(2026, 8, 15))
    assert not series.missed(D(2026, 8, 21))
    assert series.missed(D(2026, 8, 22))  # six days' grace for a monthly payment


def test_yearly_weekly_and_income_series() -> None:
    found = by_payee(detect_series(rows(
        ("HUK Versicherung", D(2023, 3, 1), "-312.00"), ("HUK Versicherung", D(2024, 3, 1),
                                                          "-312.00"),
        ("HUK Versicherung", D(2025, 3, 3), "-329.40"),
        *[("Cleaner", D(2026, 1, 5) + dt.timedelta(weeks=w), "-45.00") for w in range(6)],
        *[("ACME GmbH", D(2026, m, 28), "3100.00") for m in range(1, 6)],
    )))
    insurance = found["HUK Versicherung"]
    assert (insurance.cadence, insurance.monthly_minor) == ("yearly", -2745)  # 329.40 / 12
    assert insurance.previous_amount_minor is None  # within 15 %: one price level
    assert (found["Cleaner"].cadence, found["Cleaner"].monthly_minor) == ("weekly", -19500)
    assert (found["ACME GmbH"].cadence, found["ACME GmbH"].amount_minor) == ("monthly", 310000)


def test_two_payments_are_not_a_series() -> None:
    assert detect_series(rows(("Zoo", D(2026, 1, 1), "-20.00"),
                              ("Zoo", D(2026, 2, 1), "-20.00"))) == []


def test_three_shop_visits_that_fall_a_month_apart_are_not_a_subscription() -> None:
    """Three purchases need one price to count (four or more may vary within 15 %)."""
    visits = [("Thalia", D(2026, 3, 4), "-18.99"), ("Thalia", D(2026, 4, 2), "-21.50"),
              ("Thalia", D(2026, 5, 5), "-19.95")]
    assert detect_series(rows(*visits)) == []
    plan = [("Zeit Abo", D(2026, 3, 4), "-21.50"), ("Zeit Abo", D(2026, 4, 2), "-21.50"),
            ("Zeit Abo", D(2026, 5, 5), "-21.50")]
    assert [s.cadence for s in detect_series(rows(*plan))] == ["monthly"]
