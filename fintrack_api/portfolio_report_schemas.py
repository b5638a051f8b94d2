"""JSON shapes of what the portfolio is worth and how it did: valuation, performance and
realised gains, with the same figures as the Portfolio page and ``fintrack portfolio``.

A figure that could not be computed (no price, no exchange rate) is ``null`` and the reason
is in ``missing``, never a 0: a total over what could be valued says so (``complete``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from fintrack_api.portfolio_schemas import exact, exact_money, percent, round_money, rounded
from fintrack_api.schemas import Money
from fintrack_core.money import to_decimal
from fintrack_core.portfolio.gains import GainsReport, RealisedGain
from fintrack_core.portfolio.performance import Performance as CorePerformance
from fintrack_core.portfolio.performance import ValueHistory
from fintrack_core.portfolio.valuation import CashBalance, HoldingValue, Slice, Valuation


class HeldPrice(BaseModel):
    price: Money = Field(description="Per unit, exact, in the price source's currency")
    date: dt.date = Field(examples=["2024-03-28"])
    source: str = Field(examples=["yahoo quote"])
    own: bool = Field(description="The book's own price (typed or imported), never stale")


class ValuedHolding(BaseModel):
    account_id: int = Field(examples=[7])
    account: str = Field(examples=["Depot"])
    asset_id: int = Field(examples=[5])
    symbol: str = Field(examples=["VWCE"])
    name: str = Field(examples=["Vanguard FTSE All-World"])
    kind: str = Field(examples=["etf"])
    quantity: str = Field(examples=["6"])
    cost: Money = Field(description="Of the open lots, fees in, asset's currency")
    price: HeldPrice | None = Field(description="null: no price on or before the day")
    price_age_days: int | None = Field(examples=[3])
    stale: bool = Field(description="No price, or older than the last trading day")
    value: Money | None
    day_change: Money | None
    gain: Money | None = Field(description="Unrealised: value - cost")
    gain_pct: str | None = Field(examples=["12.50"])
    value_base: Money | None
    cost_base: Money | None
    gain_base: Money | None
    day_change_base: Money | None

    @classmethod
    def of(cls, h: HoldingValue, base: str) -> ValuedHolding:
        ccy = h.currency
        price = None if h.price is None else HeldPrice(
            price=exact_money(h.price.close, h.price.currency), date=h.price.date,
            source=h.price.source, own=h.price.own)
        return cls(account_id=h.account_id, account=h.account, asset_id=h.asset_id,
                   symbol=h.symbol, name=h.name, kind=h.kind.value, quantity=exact(h.quantity),
                   cost=round_money(h.cost, ccy), price=price,
                   price_age_days=h.price_age_days, stale=h.stale, value=rounded(h.value, ccy),
                   day_change=rounded(h.day_change, ccy), gain=rounded(h.gain, ccy),
                   gain_pct=percent(h.gain_pct), value_base=rounded(h.value_base, base),
                   cost_base=rounded(h.cost_base, base), gain_base=rounded(h.gain_base, base),
                   day_change_base=rounded(h.day_change_base, base))


class Cash(BaseModel):
    account_id: int = Field(examples=[7])
    account: str = Field(examples=["Depot"])
    amount: Money
    amount_base: Money | None

    @classmethod
    def of(cls, c: CashBalance, base: str) -> Cash:
        return cls(account_id=c.account_id, account=c.account,
                   amount=round_money(c.amount, c.currency),
                   amount_base=rounded(c.amount_base, base))


class Share(BaseModel):
    label: str = Field(examples=["etf"])
    value: Money
    share_pct: str = Field(examples=["61.54"], description="Of the valued total")

    @classmethod
    def of(cls, s: Slice, base: str) -> Share:
        return cls(label=s.label, value=round_money(s.value_base, base),
                   share_pct=percent(s.share) or "0.00")


class Unvalued(BaseModel):
    account_id: int = Field(examples=[7])
    account: str = Field(examples=["Depot"])
    symbol: str = Field(examples=["HOUSE"])


class PortfolioValue(BaseModel):
    on: dt.date = Field(examples=["2024-03-31"])
    base_currency: str = Field(examples=["EUR"])
    total_value: Money = Field(description="Valued holdings + the accounts' cash")
    cost: Money
    gain: Money = Field(description="Unrealised")
    gain_pct: str | None = Field(examples=["8.20"])
    day_change: Money
    day_change_pct: str | None = Field(examples=["-0.40"])
    holdings: list[ValuedHolding]
    cash: list[Cash]
    by_kind: list[Share]
    by_currency: list[Share]
    by_account: list[Share]
    complete: bool = Field(description="False: some holding or rate has no value")
    unvalued: list[Unvalued] = Field(description="Holdings left out of the totals")
    missing: list[str] = Field(examples=[["HOUSE (Depot): no price on or before "
                                          "2024-03-31"]])

    @classmethod
    def of(cls, v: Valuation) -> PortfolioValue:
        base = v.base_currency
        return cls(on=v.on, base_currency=base, total_value=round_money(v.total_value, base),
                   cost=round_money(v.cost, base), gain=round_money(v.gain, base),
                   gain_pct=percent(v.gain_pct), day_change=round_money(v.day_change, base),
                   day_change_pct=percent(v.day_change_pct),
                   holdings=[ValuedHolding.of(h, base) for h in v.holdings],
                   cash=[Cash.of(c, base) for c in v.cash],
                   by_kind=[Share.of(s, base) for s in v.by_kind],
                   by_currency=[Share.of(s, base) for s in v.by_currency],
                   by_account=[Share.of(s, base) for s in v.by_account],
                   complete=v.complete,
                   unvalued=[Unvalued(account_id=h.account_id, account=h.account,
                                      symbol=h.symbol)
                             for h in v.holdings if h.value_base is None],
                   missing=list(v.missing))


def _chart_money(minor: Any, currency: str) -> Money | None:
    """A day's money of the value history (integer minor units, ``<NA>``: no figure, null)
    as an exact decimal string; never through a float."""
    if minor is None or minor is pd.NA:
        return None
    return Money(amount=exact(to_decimal(int(minor), currency)), currency=currency)


class HistoryDay(BaseModel):
    date: dt.date = Field(examples=["2024-03-28"])
    value: Money | None
    invested: Money | None = Field(description="Net contributions so far")
    twr_growth: str | None = Field(examples=["1.0412"], description="1 = the start")
    benchmark: Money | None = Field(description="Scaled to the portfolio's first value")


def history_days(h: ValueHistory) -> list[HistoryDay]:
    base, frame = h.base_currency, h.frame
    bench = (frame["benchmark_minor"] if "benchmark_minor" in frame
             else [None] * len(frame))
    out = []
    for day, value, invested, growth, b in zip(frame["date"], frame["value_minor"],
                                                frame["invested_minor"], frame["twr_growth"],
                                                bench, strict=True):
        g = None if growth is None or math.isnan(float(growth)) else f"{float(growth):.6f}"
        out.append(HistoryDay(date=pd.Timestamp(day).date(), value=_chart_money(value, base),
                              invested=_chart_money(invested, base), twr_growth=g,
                              benchmark=_chart_money(b, base)))
    return out


class PortfolioPerformance(BaseModel):
    period: str = Field(examples=["1Y"])
    start: dt.date = Field(examples=["2023-04-01"])
    end: dt.date = Field(examples=["2024-03-31"])
    base_currency: str = Field(examples=["EUR"])
    start_value: Money = Field(description="At the end of the day before start")
    end_value: Money
    net_flows: Money = Field(description="Deposits - withdrawals in the period")
    gain: Money = Field(description="end - start - net flows")
    twr_pct: str | None = Field(examples=["7.31"], description="Time-weighted, the period")
    twr_yearly_pct: str | None = Field(examples=["7.31"], description="Periods of a year+")
    xirr_pct: str | None = Field(examples=["6.90"], description="Money-weighted, a year")
    xirr_period_pct: str | None = Field(examples=["6.90"], description="Over the period")
    twr_text: str
    xirr_text: str
    difference_text: str
    missing: list[str]
    notes: list[str]
    history: list[HistoryDay] | None = Field(
        None, description="Day by day, when asked for (history=true or a benchmark)")

    @classmethod
    def of(cls, p: CorePerformance, history: ValueHistory | None) -> PortfolioPerformance:
        base = p.base_currency
        return cls(period=p.period, start=p.start, end=p.end, base_currency=base,
                   start_value=round_money(p.start_value, base),
                   end_value=round_money(p.end_value, base),
                   net_flows=round_money(p.net_flows, base), gain=round_money(p.gain, base),
                   twr_pct=percent(p.twr), twr_yearly_pct=percent(p.twr_yearly),
                   xirr_pct=percent(p.xirr), xirr_period_pct=percent(p.xirr_period),
                   twr_text=p.twr_text, xirr_text=p.xirr_text,
                   difference_text=p.difference_text,
                   missing=list(dict.fromkeys(
                       [*p.missing, *(history.missing if history else ())])),
                   notes=list(p.notes),
                   history=None if history is None else history_days(history))


class Gain(BaseModel):
    sell_trade_id: int = Field(examples=[12])
    account_id: int = Field(examples=[7])
    account: str = Field(examples=["Depot"])
    symbol: str = Field(examples=["VWCE"])
    acquired: dt.date = Field(examples=["2024-02-01"])
    sold: dt.date = Field(examples=["2024-03-01"])
    quantity: str = Field(examples=["4"])
    cost: Money
    proceeds: Money
    gain: Money
    holding_days: int = Field(examples=[29])
    long_term: bool = Field(description="Held more than a year")
    cost_base: Money | None = Field(description="At the rate of the day acquired")
    proceeds_base: Money | None = Field(description="At the rate of the day sold")
    gain_base: Money | None

    @classmethod
    def of(cls, g: RealisedGain, base: str) -> Gain:
        ccy = g.currency
        return cls(sell_trade_id=g.sell_trade_id, account_id=g.account_id, account=g.account,
                   symbol=g.symbol, acquired=g.acquired, sold=g.sold,
                   quantity=exact(g.quantity), cost=round_money(g.cost, ccy),
                   proceeds=round_money(g.proceeds, ccy), gain=round_money(g.gain, ccy),
                   holding_days=g.holding_days, long_term=g.long_term,
                   cost_base=rounded(g.cost_base, base),
                   proceeds_base=rounded(g.proceeds_base, base),
                   gain_base=rounded(g.gain_base, base))


class RealisedGains(BaseModel):
    year: int | None = Field(examples=[2024], description="null: every year")
    base_currency: str = Field(examples=["EUR"])
    rows: list[Gain] = Field(description="Each sale matched to its lots, oldest sale first")
    totals: list[Money] = Field(description="Gain per asset currency")
    total_base: Money | None = Field(description="null when a row has no exchange rate")
    missing: list[str]

    @classmethod
    def of(cls, r: GainsReport, year: int | None) -> RealisedGains:
        base = r.base_currency
        return cls(year=year, base_currency=base, rows=[Gain.of(g, base) for g in r.rows],
                   totals=[round_money(v, c) for c, v in sorted(r.totals.items())],
                   total_base=rounded(r.total_base, base), missing=list(r.missing))
