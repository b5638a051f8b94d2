"""How the portfolio did over a period: value history against money invested, the
time-weighted and the money-weighted return, each with a sentence saying what it means and
why the two differ this time, and an optional benchmark.

The period's value at the start is the value at the end of the day before it. The TWR comes
from the daily series (``daily_series``; chain-linked, see ``returns``). The XIRR needs only
a handful of amounts, so it is computed from exact ones: the start and end values
(``valuation``: stored prices, exact Decimals, the same figures the dashboard shows) and the
external flows in between (ledger amounts in minor units, converted with the ledger's rates).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, Scope, require
from fintrack_core.db.models import Transaction
from fintrack_core.db.portfolio_models import Trade
from fintrack_core.errors import ValidationError
from fintrack_core.portfolio.assets import get_asset_row
from fintrack_core.portfolio.base_currency import Converter
from fintrack_core.portfolio.daily_series import (
    DailySeries,
    daily_series,
    day_number,
    investment_accounts,
)
from fintrack_core.portfolio.external_flows import external_flows
from fintrack_core.portfolio.price_history import price_series
from fintrack_core.portfolio.returns import annualise, period_equivalent, twr_growth, xirr
from fintrack_core.portfolio.valuation import valuation_in_session

PERIODS = ("1M", "YTD", "1Y", "5Y", "max", "custom")
CLOSE = 0.005  # half a percentage point: closer than this, timing made no real difference


def _months_back(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(day.day, last))


def first_day(s: Session, book_id: int) -> dt.date | None:
    """The first day the investment accounts had anything: opened with money, or a trade."""
    accs = investment_accounts(s, book_id)
    days = [a.opened_on for a in accs if a.opening_balance]
    trade_day = s.scalar(select(func.min(Trade.date)).where(Trade.book_id == book_id))
    from_ledger = [d for d in (trade_day, _first_flow(s, book_id, [a.id for a in accs]))
                   if d is not None]
    found = days + from_ledger
    return min(found) if found else None


def _first_flow(s: Session, book_id: int, acc_ids: list[int]) -> dt.date | None:
    return s.scalar(select(func.min(Transaction.date)).where(
        Transaction.book_id == book_id, Transaction.account_id.in_(acc_ids)))


FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def period_dates(period: str, today: dt.date, first: dt.date | None,
                 start: dt.date | None = None, end: dt.date | None = None
                 ) -> tuple[dt.date, dt.date]:
    """(first day, last day) of a period ending ``today``: 1M, YTD, 1Y, 5Y, max, or custom
    (``start``/``end``). A period never starts before the portfolio's first day."""
    name = (period or "").strip()
    match name.upper():
        case "1M":
            begin = _months_back(today, 1) + dt.timedelta(days=1)
        case "YTD":
            begin = dt.date(today.year, 1, 1)
        case "1Y":
            begin = _months_back(today, 12) + dt.timedelta(days=1)
        case "5Y":
            begin = _months_back(today, 60) + dt.timedelta(days=1)
        case "MAX":
            begin = first or today
        case "CUSTOM":
            if start is None:
                raise ValidationError("start", "a custom period needs a start date")
            begin, today = start, end or today
        case _:
            raise ValidationError("period", f"{period!r} is not a period; choose one of "
                                            f"{', '.join(PERIODS)}")
    for field, day in (("start", begin), ("end", today)):
        if not FIRST_DAY <= day <= LAST_DAY:  # the day before 0001-01-01 overflows
            raise ValidationError(field, f"{day} is outside {FIRST_DAY} to {LAST_DAY}")
    if begin > today:
        raise ValidationError("start", f"{begin} is after the end {today}")
    if first is not None and begin < first:
        begin = first
    return begin, today


@dataclass(frozen=True, slots=True)
class Performance:
    period: str
    start: dt.date
    end: dt.date
    base_currency: str
    start_value: Decimal  # at the end of the day before ``start`` (exact, base currency)
    end_value: Decimal
    net_flows: Decimal  # deposits - withdrawals in the period
    gain: Decimal  # end - start - net flows: what the investments earned
    twr: float | None  # over the period (0.05 = 5 %)
    twr_yearly: float | None  # only for periods of a year or more
    xirr: float | None  # yearly
    xirr_period: float | None  # the XIRR as a return over the period, to compare with TWR
    twr_text: str
    xirr_text: str
    difference_text: str
    missing: tuple[str, ...]
    notes: tuple[str, ...] = ()  # e.g. an account's cash below zero (deposits not entered)


def _pct(x: float) -> str:
    return f"{x * 100:.2f} %"


def explain(twr: float | None, mwr: float | None, flows: list[tuple[dt.date, Decimal]],
            growth_after: dict[dt.date, float]) -> str:
    """One sentence on why the money-weighted return differs from the time-weighted one.

    ``growth_after[day]``: how the investments grew from the start of that day to the
    period's end. Weighted by the money that came in (or went out) those days, it says
    whether the money was there for a fall or a rise.
    """
    if twr is None or mwr is None:
        return "The two returns cannot be compared for this period (see above)."
    if not flows:
        return ("No money came in or went out during the period, so both returns measure the "
                "same thing and differ only by how they are stated.")
    if abs(mwr - twr) < CLOSE:
        return ("Your deposits and withdrawals came at times that made little difference, so "
                "the money-weighted and time-weighted returns are close.")
    ins = [(d, a) for d, a in flows if a > 0]
    outs = [(d, -a) for d, a in flows if a < 0]
    adding = sum((a for _, a in ins), Decimal(0)) >= sum((a for _, a in outs), Decimal(0))
    main = ins if adding else outs
    weight = sum((a for _, a in main), Decimal(0))
    after = (sum(float(a) * growth_after.get(d, 1.0) for d, a in main) / float(weight)
             if weight else 1.0)
    below = mwr < twr
    side = "below" if below else "above"
    if adding:
        if below:
            when = "just before a fall" if after < 1 else "before a weaker stretch"
        else:
            when = "just before a rise" if after > 1 else "before a stronger stretch"
        return (f"You added most money {when}, so your money-weighted return is {side} "
                "the time-weighted one.")
    if below:
        when = "just before a rise" if after > 1 else "before a stronger stretch"
    else:
        when = "just before a fall" if after < 1 else "before a weaker stretch"
    return (f"You took most money out {when}, so your money-weighted return is {side} the "
            "time-weighted one.")


def performance(scope: Scope, period: str = "1Y", start: dt.date | None = None,
                end: dt.date | None = None) -> Performance:
    """TWR and XIRR of the investment accounts over a period (see ``PERIODS``)."""
    with scope.db.read() as s:
        require(s, scope, READ)
        begin, last = period_dates(period, dt.date.today(), first_day(s, scope.book_id),
                                   start, end)
        series = daily_series(s, scope.book_id, begin - dt.timedelta(days=1), last)
        return _performance(s, scope.book_id, period, begin, last, series)


def performance_and_history(scope: Scope, period: str = "1Y", start: dt.date | None = None,
                            end: dt.date | None = None, benchmark_asset_id: int | None = None
                            ) -> tuple[Performance, ValueHistory]:
    """``performance`` and ``value_history`` of one period from one daily series: a page
    showing both (the Portfolio page) would otherwise build the series twice, its main
    cost. The history is the series without its first day (the eve of the period)."""
    with scope.db.read() as s:
        require(s, scope, READ)
        begin, last = period_dates(period, dt.date.today(), first_day(s, scope.book_id),
                                   start, end)
        series = daily_series(s, scope.book_id, begin - dt.timedelta(days=1), last)
        return (_performance(s, scope.book_id, period, begin, last, series),
                _history(s, scope.book_id, series.without_first_day(), last,
                         benchmark_asset_id))


def _performance(s: Session, book_id: int, period: str, begin: dt.date, last: dt.date,
                 series: DailySeries) -> Performance:
    eve = begin - dt.timedelta(days=1)
    conv = Converter(s, book_id)
    v0 = valuation_in_session(s, book_id, eve)
    v1 = valuation_in_session(s, book_id, last)
    flows, flow_gaps = external_flows(s, book_id, begin, last, conv)
    return _result(period, begin, last, series, v0.total_value, v1.total_value, flows,
                   tuple(dict.fromkeys((*series.gaps, *v0.missing, *v1.missing,
                                        *flow_gaps))))


def _result(period: str, begin: dt.date, last: dt.date, series: DailySeries,
            v0: Decimal, v1: Decimal, flows: list[tuple[dt.date, Decimal]],
            missing: tuple[str, ...]) -> Performance:
    days = (last - begin).days + 1
    net = sum((a for _, a in flows), Decimal(0))
    # nothing invested at any point: a return of 0 % would be an invented figure
    valued = not np.isnan(series.value).any() and bool((series.value > 0).any())
    twr: float | None = None
    growth_after: dict[dt.date, float] = {}
    if valued:
        growth = twr_growth(series.value, series.flows)
        twr = float(growth[-1] - 1.0)
        for day, _ in flows:
            i = day_number(day) - int(series.days[0])
            # money arriving on day i is invested from that day's start: growth[i - 1] to end
            growth_after[day] = float(growth[-1] / growth[i - 1]) if growth[i - 1] else 1.0
    # As in the TWR, money counts from the start of its day, i.e. the end of the day before:
    # the starting value and a first-day deposit are then invested for the same time.
    cash = [(begin - dt.timedelta(days=1), -float(v0))] if v0 else []
    cash += [(d - dt.timedelta(days=1), -float(a)) for d, a in flows] + [(last, float(v1))]
    solved = xirr(cash) if not missing else None
    rate = solved.rate if solved else None
    mwr = period_equivalent(rate, days) if rate is not None else None
    if twr is None:
        twr_text = ("The time-weighted return cannot be computed: " + "; ".join(missing)
                    if missing else "There was nothing invested in this period.")
    else:
        twr_text = (f"Time-weighted return {_pct(twr)}: how the investments themselves did, "
                    "whatever you added or took out and when.")
    if rate is None:
        reason = solved.reason if solved else "; ".join(missing)
        xirr_text = f"The money-weighted return cannot be computed: {reason}."
    else:
        xirr_text = (f"Money-weighted return {_pct(rate)} a year ({_pct(mwr or 0.0)} over the "
                     "period): what your money earned, counting when you added or took it.")
    return Performance(
        period, begin, last, series.base_currency, v0, v1, net, v1 - v0 - net, twr,
        annualise(twr, days) if twr is not None else None, rate, mwr, twr_text, xirr_text,
        explain(twr, mwr, flows, growth_after), missing, series.notes)


@dataclass(frozen=True, slots=True)
class ValueHistory:
    """Day by day in the base currency: ``frame`` has the columns date, value_minor,
    invested_minor (net contributions) and, with a benchmark, benchmark_minor (the benchmark
    asset's price scaled to the portfolio's value on the first day it had one): money, as
    integer minor units (pandas ``Int64``, ``<NA>`` on a day without a figure; see
    ``daily_series``); and twr_growth (a float ratio, 1 = the start). A chart converts the
    money to floats only to draw it."""

    base_currency: str
    frame: pd.DataFrame
    missing: tuple[str, ...]
    notes: tuple[str, ...] = ()  # see ``Performance.notes``


def value_history(scope: Scope, period: str = "max", start: dt.date | None = None,
                  end: dt.date | None = None, benchmark_asset_id: int | None = None
                  ) -> ValueHistory:
    with scope.db.read() as s:
        require(s, scope, READ)
        first = first_day(s, scope.book_id)
        begin, last = period_dates(period, dt.date.today(), first, start, end)
        series = daily_series(s, scope.book_id, begin, last)
        return _history(s, scope.book_id, series, last, benchmark_asset_id)


def _money_column(minor: npt.NDArray[np.int64], unknown: npt.NDArray[np.bool_]) -> pd.Series:
    return pd.Series(pd.arrays.IntegerArray(minor.copy(), unknown.copy()))


def _history(s: Session, book_id: int, series: DailySeries, last: dt.date,
             benchmark_asset_id: int | None) -> ValueHistory:
    unvalued = np.isnan(series.value)
    frame = pd.DataFrame({"date": series.dates,
                          "value_minor": _money_column(series.value_minor, unvalued),
                          "invested_minor": _money_column(series.invested_minor,
                                                          np.isnan(series.invested))})
    frame["twr_growth"] = (twr_growth(series.value, series.flows)
                           if not unvalued.any() else np.nan)
    missing = list(series.gaps)
    if benchmark_asset_id is not None:
        bench = get_asset_row(s, book_id, benchmark_asset_id, "benchmark")
        found = price_series(s, [bench], last).get(bench.id)
        scaled, why = (None, "no prices") if found is None else _scaled_benchmark(
            found.days, found.closes, series)
        if scaled is None:
            missing.append(f"benchmark {bench.symbol}: {why}")
            scaled = _money_column(np.zeros(len(frame), dtype=np.int64),
                                   np.ones(len(frame), dtype=bool))
        frame["benchmark_minor"] = scaled
    return ValueHistory(series.base_currency, frame, tuple(missing), series.notes)


def _scaled_benchmark(days: npt.NDArray[np.int64], closes: npt.NDArray[np.float64],
                      series: DailySeries) -> tuple[pd.Series | None, str]:
    """The benchmark's closes scaled to the portfolio's value on the first day both exist,
    in base minor units: value x close / that day's close, exact and rounded half-even once
    per distinct close (a close read back from its float: exact up to 15 digits)."""
    at = np.searchsorted(days, series.days, side="right") - 1
    ok = (at >= 0) & (closes[np.maximum(at, 0)] > 0) & ~np.isnan(series.value) & (
        series.value > 0)
    if not ok.any():
        return None, "no price while the portfolio had a value"
    first = int(np.argmax(ok))
    shown = np.arange(len(at)) >= first
    start = Fraction(int(series.value_minor[first])) / _close(closes, int(at[first]))
    used, where = np.unique(at[shown], return_inverse=True)
    minor = np.zeros(len(at), dtype=np.int64)
    minor[shown] = np.array([round(start * _close(closes, int(j))) for j in used],
                            dtype=np.int64)[where.reshape(-1)]
    return _money_column(minor, ~shown), ""


def _close(closes: npt.NDArray[np.float64], j: int) -> Fraction:
    return Fraction(Decimal(repr(float(closes[j]))))
