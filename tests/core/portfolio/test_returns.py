"""The time-weighted and money-weighted returns against hand-computed values, and our XIRR
solver against a reference implementation (pyxirr)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from pyxirr import xirr as reference_xirr

from fintrack_core.portfolio.returns import annualise, period_equivalent, twr, twr_growth, xirr


def test_twr_chain_links_daily_returns_with_flows_at_the_start_of_the_day() -> None:
    # value before: 100; day 1: 110 (+10 %); day 2: 100 deposited, ends at 220
    # (220 / (110 + 100) = +4.76 %); day 3: 198 (-10 %)
    values = np.array([100.0, 110.0, 220.0, 198.0])
    flows = np.array([0.0, 0.0, 100.0, 0.0])
    # 1.1 x 220/210 x 0.9 - 1 = 217.8 / 210 - 1
    assert twr(values, flows) == pytest.approx(217.8 / 210 - 1, abs=1e-12)
    assert twr_growth(values, flows)[1] == pytest.approx(1.1)


def test_twr_ignores_the_size_and_timing_of_deposits() -> None:
    # the same daily returns (+10 %, -10 %) with and without a big deposit before the fall
    without = twr(np.array([100.0, 110.0, 99.0]), np.zeros(3))
    with_deposit = twr(np.array([100.0, 110.0, 999.0]), np.array([0.0, 0.0, 1000.0]))
    assert without == pytest.approx(with_deposit) == pytest.approx(-0.01)


def test_twr_skips_days_with_nothing_invested() -> None:
    # empty for two days, then 1000 deposited and it grows to 1050
    values = np.array([0.0, 0.0, 1050.0])
    flows = np.array([0.0, 0.0, 1000.0])
    assert twr(values, flows) == pytest.approx(0.05)


def test_xirr_of_one_year_at_ten_percent() -> None:
    solved = xirr([(dt.date(2021, 1, 1), -1000.0), (dt.date(2022, 1, 1), 1100.0)])
    assert solved.rate == pytest.approx(0.10, abs=1e-9)


def test_xirr_with_a_deposit_in_the_middle() -> None:
    # -1000 now, -1000 in a year, +2310 in two years: 1000 x 1.1^2 + 1000 x 1.1 = 2310
    solved = xirr([(dt.date(2021, 1, 1), -1000.0), (dt.date(2022, 1, 1), -1000.0),
                   (dt.date(2023, 1, 1), 2310.0)])
    assert solved.rate == pytest.approx(0.10, abs=1e-9)


def test_xirr_without_a_solution_says_why() -> None:
    only_in = xirr([(dt.date(2021, 1, 1), -1000.0), (dt.date(2022, 1, 1), -5.0)])
    assert only_in.rate is None
    assert "money going in and money coming back" in only_in.reason
    # 100 - 50 / (1 + r) + 100 / (1 + r)^2 is above zero for every rate
    no_root = xirr([(dt.date(2021, 1, 1), 100.0), (dt.date(2022, 1, 1), -50.0),
                    (dt.date(2023, 1, 1), 100.0)])
    assert no_root.rate is None
    assert "no rate" in no_root.reason
    assert xirr([(dt.date(2021, 1, 1), -1.0)]).rate is None


def test_xirr_finds_a_total_loss_and_a_huge_gain() -> None:
    loss = xirr([(dt.date(2021, 1, 1), -1000.0), (dt.date(2022, 1, 1), 1.0)])
    assert loss.rate == pytest.approx(-0.999, abs=1e-6)
    gain = xirr([(dt.date(2021, 1, 1), -1.0), (dt.date(2021, 2, 1), 100.0)])
    assert gain.rate is not None
    assert gain.rate == pytest.approx(100 ** (365 / 31) - 1, rel=1e-6)


def npv(rate: float, days: list[dt.date], amounts: list[float]) -> float:
    return float(sum(a / (1 + rate) ** ((d - days[0]).days / 365)
                     for d, a in zip(days, amounts, strict=True)))


def test_xirr_agrees_with_pyxirr_on_random_cash_flows() -> None:
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(200):
        n = int(rng.integers(2, 12))
        start = dt.date(2015, 1, 1)
        days = sorted({start + dt.timedelta(days=int(d)) for d in rng.integers(0, 3650, n)})
        if len(days) < 2:
            continue
        amounts = [-float(rng.integers(100, 10_000)) for _ in days[:-1]]
        amounts.append(float(rng.integers(100, 50_000)))
        ours = xirr(list(zip(days, amounts, strict=True)))
        theirs = reference_xirr(days, amounts)
        if theirs is None:
            # pyxirr gave up (deep losses); ours may still find the rate: it must be a root
            if ours.rate is not None:
                size = npv(ours.rate, days, [abs(a) for a in amounts])
                assert abs(npv(ours.rate, days, amounts)) < 1e-9 * size
            continue
        assert ours.rate == pytest.approx(theirs, abs=1e-7), (days, amounts)
        checked += 1
    assert checked > 150


def test_annualising_and_its_inverse() -> None:
    assert annualise(0.21, 730) == pytest.approx(0.10)
    assert annualise(0.05, 30) is None  # a month's return is not stated as a yearly one
    assert period_equivalent(0.10, 730) == pytest.approx(0.21)
