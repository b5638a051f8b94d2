"""The lot engine on hand-computed examples: each test's trades are written as lines of
``date kind quantity price [fees]`` right above what they must give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fintrack_core.db.portfolio_models import CostBasisMethod, TradeKind
from fintrack_core.portfolio.lots import LotEvent, Oversold, replay

D = Decimal


def events(text: str) -> list[LotEvent]:
    out = []
    for n, line in enumerate(text.strip().splitlines(), start=1):
        day, kind, qty, price, *fees = line.split()
        out.append(LotEvent(n, dt.date.fromisoformat(day), TradeKind(kind), D(qty), D(price),
                            D(fees[0]) if fees else D(0)))
    return out


THREE_BUYS_ONE_SALE = """
2024-01-10 buy  10 100 1
2024-02-10 buy  10 120 1
2024-03-10 buy  10 150 1
2024-04-10 sell 15 160 2
"""


def test_fifo_sells_the_oldest_lots_first_across_two_lots() -> None:
    pos = replay(events(THREE_BUYS_ONE_SALE), CostBasisMethod.FIFO)
    # lot 1 whole (10 x 100 + 1 = 1001), half of lot 2 ((10 x 120 + 1) / 2 = 600.5)
    [first, second] = pos.matches
    assert (first.quantity, first.cost, first.acquired) == (D(10), D(1001), dt.date(2024, 1, 10))
    assert (second.quantity, second.cost) == (D(5), D("600.5"))
    # proceeds 15 x 160 - 2 = 2398, split by quantity: 2/3 and 1/3
    assert first.proceeds + second.proceeds == D(2398)
    assert round(first.proceeds, 10) == round(D(2398) * 10 / 15, 10)
    assert round(sum(m.gain for m in pos.matches), 10) == D(2398) - D(1001) - D("600.5")
    # left: 5 of lot 2 (600.5) and lot 3 (1501)
    assert [(lot.trade_id, lot.quantity, lot.cost) for lot in pos.lots] == [
        (2, D(5), D("600.5")), (3, D(10), D(1501))]


def test_lifo_sells_the_newest_lots_first() -> None:
    pos = replay(events(THREE_BUYS_ONE_SALE), CostBasisMethod.LIFO)
    # lot 3 whole (1501), half of lot 2 (600.5)
    assert [(m.lot_trade_id, m.quantity, m.cost) for m in pos.matches] == [
        (3, D(10), D(1501)), (2, D(5), D("600.5"))]
    assert round(sum(m.gain for m in pos.matches), 10) == D(2398) - D(1501) - D("600.5")
    assert [(lot.trade_id, lot.quantity) for lot in pos.lots] == [(1, D(10)), (2, D(5))]


def test_average_cost_charges_the_pools_average_per_unit() -> None:
    pos = replay(events(THREE_BUYS_ONE_SALE), CostBasisMethod.AVERAGE)
    # pool: 30 units for 1001 + 1201 + 1501 = 3703; average 123.4333...; 15 units cost 1851.5
    assert round(sum(m.cost for m in pos.matches), 20) == D("1851.5")
    assert round(sum(m.gain for m in pos.matches), 20) == D(2398) - D("1851.5")
    # the units still leave oldest first, so the holding period is known per part
    assert [m.acquired for m in pos.matches] == [dt.date(2024, 1, 10), dt.date(2024, 2, 10)]
    assert round(pos.cost, 20) == D("1851.5")
    assert pos.quantity == D(15)


def test_a_split_multiplies_units_and_keeps_the_cost() -> None:
    pos = replay(events("""
2024-01-10 buy   10 300 0
2024-06-01 split  3   0
2024-07-01 sell  12 110 0
"""), CostBasisMethod.FIFO)
    # 10 units for 3000 become 30 units at 100 each; 12 sold cost 1200, bring 1320
    [m] = pos.matches
    assert (m.quantity, m.cost, m.proceeds, m.gain) == (D(12), D(1200), D(1320), D(120))
    assert (pos.quantity, pos.cost) == (D(18), D(1800))
    assert m.acquired == dt.date(2024, 1, 10)  # a split does not restart the holding period


def test_a_reverse_split_halves_the_units() -> None:
    pos = replay(events("2024-01-10 buy 10 50 0\n2024-02-01 split 0.5 0"), CostBasisMethod.FIFO)
    assert (pos.quantity, pos.cost, pos.lots[0].unit_cost) == (D(5), D(500), D(100))


def test_a_reinvested_dividend_is_income_and_a_new_lot() -> None:
    pos = replay(events("""
2024-01-10 buy      100 20 0
2024-03-15 reinvest   2 25 0
"""), CostBasisMethod.FIFO)
    # 2 units at 25: 50 of income, bought back as a lot costing 50, held from 2024-03-15
    [income] = pos.income
    assert (income.kind, income.amount, income.units_held) == (TradeKind.REINVEST, D(50), D(100))
    assert [(lot.acquired, lot.quantity, lot.cost) for lot in pos.lots][-1] == (
        dt.date(2024, 3, 15), D(2), D(50))
    assert pos.quantity == D(102)


def test_fees_are_cost_on_buys_and_reduce_proceeds_on_sales() -> None:
    pos = replay(events("2024-01-10 buy 1 100 5\n2024-02-10 sell 1 100 5"), CostBasisMethod.FIFO)
    # bought for 105, sold for 95: the fees are the whole loss
    [m] = pos.matches
    assert (m.cost, m.proceeds, m.gain) == (D(105), D(95), D(-10))


def test_a_dividend_is_income_with_the_units_held_that_day() -> None:
    pos = replay(events("""
2024-01-10 buy      40 10 0
2024-04-01 dividend  0 12 2
"""), CostBasisMethod.FIFO)
    # 12 paid, 2 withheld: 10 received on 40 units
    assert [(i.amount, i.units_held) for i in pos.income] == [(D(10), D(40))]


def test_transfers_move_units_with_their_cost_and_realise_nothing() -> None:
    pos = replay(events("""
2024-01-10 transfer_in  10 80 0
2024-02-10 transfer_out  4  0 0
"""), CostBasisMethod.FIFO)
    assert pos.matches == []
    assert (pos.quantity, pos.cost) == (D(6), D(480))


def test_a_days_buy_covers_the_same_days_sale_whatever_the_entry_order() -> None:
    # entered sale first (trade 1), buy second (trade 2), both on one day
    pos = replay(events("2024-01-10 sell 5 11 0\n2024-01-10 buy 5 10 0"), CostBasisMethod.FIFO)
    assert [m.gain for m in pos.matches] == [D(5)]


def test_selling_more_than_held_is_refused_at_the_first_oversale() -> None:
    with pytest.raises(Oversold) as err:
        replay(events("2024-01-10 buy 5 10 0\n2024-02-10 sell 6 10 0"), CostBasisMethod.FIFO)
    assert (err.value.event.trade_id, err.value.held) == (2, D(5))


def test_eight_and_more_decimal_places_stay_exact() -> None:
    pos = replay(events("""
2024-01-10 buy  0.12345678 40000 0
2024-02-10 sell 0.00000001 50000 0
"""), CostBasisMethod.FIFO)
    assert pos.quantity == D("0.12345677")
    [m] = pos.matches
    assert m.cost == D("0.0004")
    assert m.proceeds == D("0.0005")
