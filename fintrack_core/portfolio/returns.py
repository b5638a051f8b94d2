"""The two return measures, as pure functions of values and cash flows.

- **Time-weighted return (TWR)** measures the investments, not the investor's timing: each
  day's return is the day's value over the previous day's value plus the money that came in
  that day (flows count at the start of the day, so a deposit used to buy the same day is
  invested that day), and the days are chain-linked: (1 + r1) x (1 + r2) x ... - 1. A day
  that starts with nothing invested (value plus flow not above zero) has no return and is
  skipped (counted as 0 %).
- **Money-weighted return (XIRR)** measures what the investor's money earned: the yearly rate
  at which the starting value, every deposit and withdrawal and the ending value discount
  to zero (actual/365 days). As in the TWR, a deposit counts from the start of its day,
  i.e. it is dated the day before (the caller does this; see ``performance``). It is
  solved by Newton's method, falling back to bisection over
  a bracket where the sum changes sign; when no rate solves it (all flows one way, or no
  sign change anywhere) the answer is None with the reason.

Rates are floats: they are ratios, not money.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def twr_growth(values: FloatArray, flows: FloatArray) -> FloatArray:
    """Cumulative growth factors of the chain-linked daily returns.

    ``values[0]`` is the value before the first day; ``values[i]`` the value at the end of
    day i and ``flows[i]`` the external money in (+) or out (-) that day (``flows[0]`` is
    ignored). Returns ``growth`` with ``growth[0] == 1`` and ``growth[i]`` the growth of one
    unit invested from the start to the end of day i.
    """
    start = values[:-1] + flows[1:]
    safe = np.where(start > 0, start, 1.0)
    daily = np.where(start > 0, values[1:] / safe, 1.0)
    return np.concatenate(([1.0], np.cumprod(daily)))


def twr(values: FloatArray, flows: FloatArray) -> float:
    """The time-weighted return over the whole series (0.05 = 5 %)."""
    return float(twr_growth(values, flows)[-1] - 1.0)


def annualise(period_return: float, days: int) -> float | None:
    """A period's return as a yearly rate (None for periods under a year, where a yearly
    figure would exaggerate a few good weeks)."""
    if days < 365 or period_return <= -1:
        return None
    return float((1.0 + period_return) ** (365.0 / days) - 1.0)


@dataclass(frozen=True, slots=True)
class Solved:
    rate: float | None  # yearly, 0.05 = 5 %
    reason: str  # how it was solved, or why it could not be


Flow = tuple[dt.date, float]  # (day, amount): money out of pocket negative, back positive

LOW = -0.999999999  # a rate of -100 % or below has no meaning for (1 + r) ** t
BRACKETS = (LOW, -0.99, -0.9, -0.5, -0.2, 0.0, 0.2, 0.5, 1.0, 3.0, 10.0, 100.0, 1e3, 1e4, 1e6)


def xirr(flows: Sequence[Flow], tolerance: float = 1e-10, max_newton: int = 50) -> Solved:
    """The yearly rate r with sum(amount / (1 + r) ** (days / 365)) == 0."""
    if len(flows) < 2:
        return Solved(None, "needs at least two cash flows")
    if not any(a > 0 for _, a in flows) or not any(a < 0 for _, a in flows):
        return Solved(None, "needs money going in and money coming back")
    first = min(d for d, _ in flows)
    t = np.array([(d - first).days / 365.0 for d, _ in flows])
    cf = np.array([a for _, a in flows], dtype=np.float64)
    if not t.any():
        return Solved(None, "all cash flows fall on one day")
    scale = float(np.abs(cf).max())

    def npv(rate: float) -> float:
        return float(np.sum(cf * np.exp(-t * math.log1p(rate))))

    def slope(rate: float) -> float:
        return float(np.sum(-t * cf * np.exp(-(t + 1.0) * math.log1p(rate))))

    rate = 0.1
    for _ in range(max_newton):
        value, d = npv(rate), slope(rate)
        if abs(value) <= tolerance * scale:
            return Solved(rate, "Newton's method")
        if d == 0 or not math.isfinite(d):
            break
        step = rate - value / d
        if not math.isfinite(step) or step <= LOW:
            break
        rate = step
    return _bisect(npv, tolerance * scale)


def _bisect(f: Callable[[float], float], tolerance: float) -> Solved:
    values = [(r, f(r)) for r in BRACKETS]
    pairs = [(a, b) for a, b in itertools.pairwise(values)
             if math.isfinite(a[1]) and math.isfinite(b[1]) and a[1] * b[1] <= 0]
    if not pairs:
        return Solved(None, "no rate between -100 % and 10^8 % makes the cash flows add up "
                            "to zero")
    (lo, flo), (hi, _) = min(pairs, key=lambda p: min(abs(p[0][0]), abs(p[1][0])))
    for _ in range(300):
        mid = (lo + hi) / 2
        fmid = f(mid)
        if abs(fmid) <= tolerance or hi - lo < 1e-15:
            return Solved(mid, "bisection")
        if (fmid < 0) == (flo < 0):
            lo, flo = mid, fmid
        else:
            hi = mid
    return Solved((lo + hi) / 2, "bisection")


def period_equivalent(yearly: float, days: int) -> float:
    """A yearly rate as the return over ``days`` (to compare with a period's TWR)."""
    return float((1.0 + yearly) ** (days / 365.0) - 1.0)
