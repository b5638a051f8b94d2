"""JSON shapes of budgets, their status and alerts, subscriptions and the forecast."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from fintrack_api.schemas import Money, Strict, UtcDateTime, money
from fintrack_core.budgets.forecast import Forecast as CoreForecast
from fintrack_core.budgets.forecast import LowPoint
from fintrack_core.budgets.inbox import AlertView
from fintrack_core.budgets.service import BudgetView
from fintrack_core.budgets.status import BudgetStatus as CoreStatus
from fintrack_core.budgets.subscriptions import SeriesView

Period = Literal["weekly", "monthly", "quarterly", "yearly", "custom"]


class Budget(BaseModel):
    id: int = Field(examples=[2])
    category_id: int = Field(examples=[12])
    category: str = Field(examples=["Food → Groceries"])
    amount: Money
    period: str = Field(examples=["monthly"])
    start_day: int = Field(examples=[1])
    starts_on: dt.date
    ends_on: dt.date | None
    rollover: bool
    thresholds: list[int] = Field(examples=[[80, 100]])

    @classmethod
    def of(cls, b: BudgetView) -> Budget:
        return cls(id=b.id, category_id=b.category_id, category=b.category,
                   amount=money(b.amount_minor, b.currency), period=b.period.value,
                   start_day=b.start_day, starts_on=b.starts_on, ends_on=b.ends_on,
                   rollover=b.rollover, thresholds=list(b.thresholds))


class BudgetIn(Strict):
    category_id: int = Field(ge=1, examples=[12])
    amount: str = Field(max_length=40, examples=["400.00"],
                        description="In the book's base currency")
    period: Period = "monthly"
    start_day: int = Field(1, ge=1, le=31)
    starts_on: dt.date | None = Field(None, description="Default: the current period's start")
    ends_on: dt.date | None = None
    rollover: bool = False
    thresholds: list[int] | None = Field(None, max_length=5, examples=[[80, 100]])


class BudgetPatch(Strict):
    category_id: int | None = Field(None, ge=1)
    amount: str | None = Field(None, max_length=40)
    period: Period | None = None
    start_day: int | None = Field(None, ge=1, le=31)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    rollover: bool | None = None
    thresholds: list[int] | None = Field(None, max_length=5)


class BudgetStatus(BaseModel):
    budget: Budget
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    limit: Money = Field(description="The amount plus what rolled over")
    carried: Money
    spent: Money
    remaining: Money
    percent_used: str | None = Field(examples=["64.4"])
    days_left: int
    safe_per_day: Money
    projected: Money
    crossed: list[int] = Field(examples=[[80]])
    unconverted: list[Money] = Field(description="Spending without an exchange rate, left out")

    @classmethod
    def of(cls, s: CoreStatus) -> BudgetStatus:
        ccy = s.budget.currency
        return cls(budget=Budget.of(s.budget), period_start=s.span.start,
                   period_end=s.span.end, as_of=s.as_of, limit=money(s.limit_minor, ccy),
                   carried=money(s.carried_minor, ccy), spent=money(s.spent_minor, ccy),
                   remaining=money(s.remaining_minor, ccy),
                   percent_used=None if s.percent_used is None else str(s.percent_used),
                   days_left=s.days_left, safe_per_day=money(s.safe_per_day_minor, ccy),
                   projected=money(s.projected_minor, ccy), crossed=list(s.crossed),
                   unconverted=[money(v, c) for c, v in sorted(s.unconverted.items())])


class Alert(BaseModel):
    id: int = Field(examples=[7])
    budget_id: int
    category: str = Field(examples=["Food → Groceries"])
    threshold: int = Field(examples=[80])
    period_start: dt.date
    period_end: dt.date
    spent: Money
    limit: Money
    fired_at: UtcDateTime
    resolved: bool
    read: bool
    dismissed: bool

    @classmethod
    def of(cls, a: AlertView) -> Alert:
        return cls(id=a.id, budget_id=a.budget_id, category=a.category, threshold=a.threshold,
                   period_start=a.span.start, period_end=a.span.end,
                   spent=money(a.spent_minor, a.currency), limit=money(a.limit_minor, a.currency),
                   fired_at=a.fired_at, resolved=a.resolved, read=a.read, dismissed=a.dismissed)


class AlertIds(Strict):
    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(max_length=1000,
                                                                 examples=[[7, 8]])


class Subscription(BaseModel):
    key: str = Field(examples=["3|netflix|monthly|2024-01-15"])
    status: str = Field(examples=["detected"], description="detected, confirmed or dismissed")
    name: str = Field(examples=["Netflix"])
    account_id: int
    amount: Money
    cadence: str = Field(examples=["monthly"])
    next_date: dt.date
    monthly: Money
    occurrences: int
    category_id: int | None

    @classmethod
    def of(cls, v: SeriesView) -> Subscription:
        ccy = v.series.currency
        return cls(key=v.series.key, status=v.status, name=v.name,
                   account_id=v.series.account_id, amount=money(v.amount_minor, ccy),
                   cadence=v.cadence, next_date=v.next_date,
                   monthly=money(v.monthly_minor, ccy), occurrences=v.series.occurrences,
                   category_id=v.series.category_id)


class Subscriptions(BaseModel):
    series: list[Subscription]
    monthly: list[Money] = Field(description="Per currency, what the series come to a month")
    yearly: list[Money]


class LowPointOut(BaseModel):
    account: str = Field(examples=["Girokonto"], description="An account, or Total")
    balance: Money
    date: dt.date

    @classmethod
    def of(cls, p: LowPoint) -> LowPointOut:
        return cls(account=p.account, balance=money(p.balance_minor, p.currency), date=p.date)


class ForecastDay(BaseModel):
    date: dt.date
    total: Money


class ForecastEvent(BaseModel):
    date: dt.date
    account_id: int
    amount: Money
    source: str = Field(examples=["Netflix"])


class Forecast(BaseModel):
    today: dt.date
    days: int
    daily: list[ForecastDay] = Field(description="The total of the accounts, base currency")
    events: list[ForecastEvent]
    lows: list[LowPointOut]
    below_zero: list[LowPointOut]
    without_rate: list[str]

    @classmethod
    def of(cls, f: CoreForecast, currencies: dict[int, str]) -> Forecast:
        base = f.base_currency
        daily = [ForecastDay(date=d, total=money(int(t), base))
                 for d, t in zip(f.daily["date"], f.daily["total"], strict=True)]
        events = [ForecastEvent(date=day, account_id=int(account),
                                amount=money(int(amount), currencies[int(account)]),
                                source=str(source))
                  for day, account, amount, source in zip(
                      f.events["date"], f.events["account_id"], f.events["amount_minor"],
                      f.events["source"], strict=True)]
        return cls(today=f.today, days=f.days, daily=daily, events=events,
                   lows=[LowPointOut.of(p) for p in f.lows],
                   below_zero=[LowPointOut.of(p) for p in f.below_zero],
                   without_rate=list(f.without_rate))
