"""The demo book as numpy columns: about two years of a two-earner household in EUR and USD.

The same generator fills the 10,000-row book people click through and the 1M/10M-row books the
benchmarks measure, so nothing may cost a Python loop per transaction: every column is a numpy
array (money as int64 minor units) and rows become Python objects only chunk by chunk while
they are inserted (``load``). One seed fixes everything, so a demo or a benchmark can be
repeated exactly. Floats only shape random samples; each sampled amount is rounded once to
whole cents. Nothing here touches a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fintrack_core.demo.household import ACCOUNTS, EMPLOYERS, FIXED, KEYS, KINDS, Kind
from fintrack_core.errors import ValidationError

MIN_TRANSACTIONS = 1_000  # below this the fixed monthly rows would be most of the book
# Generation holds every row in memory (~200 bytes each): 20M is ~4 GB, past a laptop.
MAX_TRANSACTIONS = 20_000_000


@dataclass
class DemoData:
    """The generated book as columns, sorted by date; text columns index ``texts``."""

    start: dt.date
    end: dt.date
    day: np.ndarray  # int32, days since ``start``
    account: np.ndarray  # int8, index into KEYS
    amount: np.ndarray  # int64 minor units
    category: np.ndarray  # int16 index into ``categories``; -1 = none
    payee: np.ndarray  # int32 index into ``texts`` (also description, tags)
    description: np.ndarray
    tags: np.ndarray
    transfer: np.ndarray  # int32 index into ``transfer_ids``; -1 = not a transfer
    texts: list[str]
    categories: list[str]
    transfer_ids: list[str]
    openings: dict[str, int]  # opening balance per account key
    rates: list[tuple[dt.date, str]]  # EUR→USD at each month start

    def __len__(self) -> int:
        return len(self.day)


# day, account, amount, category, payee, description, tags, transfer
_DTYPES = (np.int32, np.int8, np.int64, np.int16, np.int32, np.int32, np.int32, np.int32)


@dataclass
class _Builder:
    """Collects column blocks and interns strings, so columns stay small integer arrays."""

    texts: dict[str, int] = field(default_factory=lambda: {"": 0})
    categories: dict[str, int] = field(default_factory=dict)
    parts: list[list[np.ndarray]] = field(default_factory=lambda: [[] for _ in _DTYPES])
    transfers: int = 0

    def text(self, values: Sequence[str]) -> np.ndarray:
        return np.array([self.texts.setdefault(v, len(self.texts)) for v in values], np.int32)

    def category(self, name: str | None) -> int:
        return -1 if name is None else self.categories.setdefault(name, len(self.categories))

    def add(self, day: np.ndarray, account: object, amount: object, category: int,
            payee: object, description: object, tags: object = 0,
            transfer: object = -1) -> None:
        values = (day, account, amount, category, payee, description, tags, transfer)
        for parts, v, t in zip(self.parts, values, _DTYPES, strict=True):
            parts.append(np.broadcast_to(np.asarray(v, t), (len(day),)))

    def transfer(self, day: np.ndarray, src: str, dst: str, sent: np.ndarray | np.integer[Any],
                 received: np.ndarray | np.integer[Any], category: str | None,
                 description: str) -> None:
        """Both legs share an id: money leaves ``src`` and arrives in ``dst`` the same day."""
        ids = np.arange(self.transfers, self.transfers + len(day), dtype=np.int32)
        self.transfers += len(day)
        cat, desc = self.category(category), self.text([description])[0]
        self.add(day, KEYS.index(src), -sent, cat, self.text([ACCOUNTS[dst][0]])[0], desc,
                 transfer=ids)
        self.add(day, KEYS.index(dst), received, cat, self.text([ACCOUNTS[src][0]])[0], desc,
                 transfer=ids)

    def column(self, i: int, *, release: bool = False) -> np.ndarray:
        """Column ``i`` so far; ``release`` frees its parts (keeps peak memory near 1x)."""
        out = np.concatenate(self.parts[i])
        if release:
            self.parts[i] = []
        return out


def _ceil_to(values: Any, step: int) -> Any:  # an array, or one numpy integer
    return -(-values // step) * step


def _uuid_hex(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` random version-4 UUIDs as 32-char hex, built without a per-id Python loop."""
    raw = np.frombuffer(rng.bytes(16 * n), np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = np.frombuffer(b"0123456789abcdef", np.uint8)
    out = np.empty((n, 32), np.uint8)
    out[:, 0::2], out[:, 1::2] = digits[raw >> 4], digits[raw & 15]
    return out.view("S32").ravel().astype("U32").tolist()


class _Calendar:
    """Day indexes (days since ``start``) for the span, with weekday and month lookups."""

    def __init__(self, start: dt.date, end: dt.date) -> None:
        self.start, self.start64 = start, np.datetime64(start, "D")
        self.n_days = (end - start).days + 1
        dates = self.start64 + np.arange(self.n_days)
        self.weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        months = dates.astype("datetime64[M]")
        self.month_of_day = (months - months[0]).astype(np.int64)
        self.calendar_month = months.astype(np.int64) % 12  # 0 = January
        self.months = np.arange(months[0], months[-1] + 1)
        self.n_months = len(self.months)

    def monthly(self, day: int, every: int = 1, phase: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(day index, month index) of a monthly event, rolled off weekends, within the span."""
        if day == 0:
            last = (self.months + 1).astype("datetime64[D]") - 1
            dates = np.busday_offset(last, 0, roll="backward")
        else:
            first = self.months.astype("datetime64[D]")
            dates = np.busday_offset(first + (day - 1), 0, roll="forward")
        idx = (dates - self.start64).astype(np.int64)
        month = np.arange(self.n_months)
        keep = ((idx >= 0) & (idx < self.n_days)
                & ((self.months.astype(np.int64) % 12 - phase) % every == 0))
        return idx[keep], month[keep]


def span_start(end: dt.date) -> dt.date:
    """First day of the month 23 months before ``end``'s: about two years up to ``end``."""
    months = end.year * 12 + end.month - 1 - 23
    return dt.date(months // 12, months % 12 + 1, 1)


def _trips(rng: np.random.Generator, cal: _Calendar) -> tuple[np.ndarray, np.ndarray]:
    """Trip number of each day (-1 at home) and trip start days: ~3 trips a year, every third
    one to the US (paid from the USD account)."""
    n = max(2, round(cal.n_days / 365 * 3))
    seg = cal.n_days // n
    starts = np.arange(n) * seg + rng.integers(10, seg - 15, n)
    lengths = rng.integers(5, 15, n)
    trip = np.full(cal.n_days, -1, np.int64)
    for i in range(n):  # one iteration per trip, not per transaction
        trip[starts[i]:starts[i] + lengths[i]] = i
    return trip, starts


def _day_weights(kind: Kind, cal: _Calendar, trip: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Probability of each day for one kind: weekday habits, December, trips."""
    w = np.asarray(kind.weekdays)[cal.weekday] * np.where(cal.calendar_month == 11,
                                                           kind.december, 1.0)
    away, us = trip >= 0, (trip >= 0) & (trip % 3 == 1)
    if kind.when == "trip_eu":
        w = w * (away & ~us)
    elif kind.when == "trip_us":
        w = w * us
    elif kind.when == "before_trip":  # flights are booked two to eight weeks ahead
        booking = np.zeros(cal.n_days, bool)
        for s in starts:
            booking[max(0, s - 60):max(0, s - 14)] = True
        w = w * booking
    else:  # "home": everyday spending slows down while away
        w = w * np.where(away, 0.3, 1.0)
    return np.asarray(w / w.sum())


def _allocate(total: int, weights: Sequence[float]) -> np.ndarray:
    """Split ``total`` into integer counts proportional to ``weights`` (largest remainders)."""
    exact = total * np.asarray(weights, float) / sum(weights)
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(counts - exact, kind="stable")[:total - counts.sum()]] += 1
    return counts


def _spend(b: _Builder, rng: np.random.Generator, kind: Kind, count: int,
           p_day: np.ndarray) -> None:
    """``count`` rows of one kind: lognormal amounts, popular payees more often (Zipf-like)."""
    days = rng.choice(len(p_day), size=count, p=p_day)
    keys, shares = zip(*(a.split(":") for a in kind.accounts.split()), strict=True)
    share = np.array(shares, float)
    acc = np.array([KEYS.index(k) for k in keys], np.int8)[
        rng.choice(len(keys), count, p=share / share.sum())]
    units = rng.lognormal(np.log(kind.median / kind.step), kind.sigma, count)
    units = np.clip(np.rint(units), 1, 12 * kind.median // kind.step)
    amount = units.astype(np.int64) * kind.step * kind.sign
    payees = kind.payees.split("|")
    rank = 1 / np.arange(1, len(payees) + 1) ** 0.8
    payee = b.text(payees)[rng.choice(len(payees), count, p=rank / rank.sum())]
    descriptions = kind.descriptions.split("|")
    desc = b.text(descriptions)[rng.integers(0, len(descriptions), count)]
    tags: object = 0
    if kind.tags:
        names, probs = zip(*kind.tags, strict=True)
        p = np.array([max(0.0, 1 - sum(probs)), *probs])
        tags = b.text(("", *names))[rng.choice(len(p), count, p=p / p.sum())]
    b.add(days, acc, amount, b.category(kind.category), payee, desc, tags)


def _schedules(cal: _Calendar) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], int]:
    """(day, month) of every recurring row, and how many rows they make in all.

    Known before anything is generated, so the everyday spending can take exactly the rest.
    """
    card, usd = cal.monthly(3), cal.monthly(1)
    sched = {"pay": cal.monthly(0), "bonus": cal.monthly(0, 12, 10), "savings": cal.monthly(2),
             "loan": cal.monthly(15), "cash": cal.monthly(1),
             "card": (card[0][card[1] >= 1], card[1][card[1] >= 1]),  # last month's bill
             "usd": (usd[0][usd[1] % 3 == 0], usd[1][usd[1] % 3 == 0])}  # quarterly
    for i, f in enumerate(FIXED):
        days, months = cal.monthly(f.day, f.every, f.phase)
        kept = days < cal.n_days - f.stopped  # a debit that stopped (the missed-payment alert)
        sched[f"fixed{i}"] = (days[kept], months[kept])
    per_date = {"pay": len(EMPLOYERS) + 1, "savings": 2, "loan": 2, "cash": 2, "card": 2,
                "usd": 2}  # salaries + interest; both legs of transfers
    return sched, sum(len(d) * per_date.get(k, 1) for k, (d, _) in sched.items())


def generate(transactions: int = 10_000, *, seed: int = 42, end: dt.date | None = None,
             salt: int = 0) -> DemoData:
    """The demo book as columns, without touching a database (``create_demo`` stores it).

    Recurring rows (salaries, rent, subscriptions, transfers) are the same at every size; the
    everyday spending takes the rest of ``transactions`` and simply gets busier per day. Card
    bills, cash and USD top-ups follow what was spent, and salaries are sized from the checking
    account's outflows so it neither drains nor piles up. ``salt`` varies only the transfer
    ids, so two demo books in one database never share one.
    """
    end = end or dt.date.today()
    cal = _Calendar(span_start(end), end)
    sched, n_recurring = _schedules(cal)
    if transactions < max(MIN_TRANSACTIONS, n_recurring):
        raise ValidationError("transactions", f"at least {MIN_TRANSACTIONS:,} are needed")
    check_count(transactions)
    rng = np.random.default_rng(seed)
    b = _Builder()
    trip, starts = _trips(rng, cal)
    counts = _allocate(transactions - n_recurring, [k.weight for k in KINDS])
    for kind, count in zip(KINDS, counts, strict=True):
        _spend(b, rng, kind, int(count), _day_weights(kind, cal, trip, starts))
    for i, f in enumerate(FIXED):
        amounts = np.full(len(sched[f"fixed{i}"][0]), f.amount, np.int64)
        if f.latest and len(amounts):
            amounts[-1] = f.latest  # the price-change alert
        b.add(sched[f"fixed{i}"][0], KEYS.index(f.account), amounts, b.category(f.category),
              b.text([f.payee])[0], b.text([f.description])[0], b.text([f.tags])[0])
    rate_bp = np.clip(10_850 + np.cumsum(rng.integers(-150, 151, cal.n_months)), 10_500, 11_200)
    need = _settle(b, cal, sched, rate_bp)

    day = b.column(0, release=True)
    order = np.argsort(day, kind="stable")
    day, acc, amount, cat, payee, desc, tags, tid = (
        day[order], *(b.column(i, release=True)[order] for i in range(1, len(_DTYPES))))
    del order
    openings = {k: v[3] for k, v in ACCOUNTS.items()}
    openings["giro"] = int(_ceil_to(np.int64(need) * 11 // 10, 10_000))  # a month's outflows
    months = cal.months.astype("datetime64[D]").astype(object)
    rates = [(m, f"{bp // 10_000}.{bp % 10_000:04d}")
             for m, bp in zip(months, rate_bp.tolist(), strict=True)]
    ids = _uuid_hex(np.random.default_rng([seed, salt]), b.transfers)
    return DemoData(cal.start, end, day, acc, amount, cat, payee, desc, tags, tid,
                    list(b.texts), list(b.categories), ids, openings, rates)


def _settle(b: _Builder, cal: _Calendar, sched: dict[str, tuple[np.ndarray, np.ndarray]],
            rate_bp: np.ndarray) -> int:
    """Transfers, interest and salaries, sized from the spending so far; returns the checking
    account's average monthly outflow."""
    giro, visa, cash, usd = (KEYS.index(k) for k in ("giro", "visa", "cash", "usd"))
    day, acc, amount = (b.column(i) for i in range(3))
    per = np.zeros((len(KEYS), cal.n_months), np.int64)  # exact, unlike float bincount
    np.add.at(per, (acc, cal.month_of_day[day]), amount)
    spent = -int(amount[amount < 0].sum())
    del day, acc, amount

    def per_month(total: int | np.integer) -> int:  # a total over the span, per month
        return int(total) * 3044 // (cal.n_days * 100)

    saving = _ceil_to(np.int64(per_month(spent) * 5 // 100), 5_000)  # 5% of the spending
    b.transfer(sched["savings"][0], "giro", "savings", saving, saving, "Savings",
               "Dauerauftrag Sparen")
    loan = np.int64(38_900)
    b.transfer(sched["loan"][0], "giro", "loan", loan, loan, None, "Rate Autokredit")
    card_days, card_months = sched["card"]
    owed = np.maximum(-per[visa, card_months - 1], 1_000)
    b.transfer(card_days, "giro", "visa", owed, owed, "Credit card payment",
               "Kreditkartenabrechnung")
    cash_days, cash_months = sched["cash"]
    withdrawn = _ceil_to(np.maximum(-per[cash, cash_months], 1), 5_000)
    b.transfer(cash_days, "giro", "cash", withdrawn, withdrawn, None, "Geldautomat")
    usd_days, usd_months = sched["usd"]
    spent_usd = np.concatenate([[0], np.cumsum(-per[usd])])  # each quarter's USD spending
    quarter = spent_usd[np.minimum(usd_months + 3, cal.n_months)] - spent_usd[usd_months]
    received = _ceil_to(np.maximum(quarter, 1), 10_000)
    sent = _ceil_to(received * 10_050 // rate_bp[usd_months], 100)  # 0.5% fee, whole euros
    b.transfer(usd_days, "giro", "usd", sent, received, None, "Wise EUR → USD")

    pay_days, pay_months = sched["pay"]
    interest = (ACCOUNTS["savings"][3] + saving * pay_months) * 275 // 120_000  # 2.75% p.a.
    b.add(pay_days, KEYS.index("savings"), interest, b.category("Interest"),
          b.text(["DKB AG"])[0], b.text(["Zinsgutschrift"])[0])
    outflow = (-per[giro].sum() + saving * len(sched["savings"][0]) + loan
               * len(sched["loan"][0]) + owed.sum() + withdrawn.sum() + sent.sum())
    need = per_month(outflow)
    pay = _ceil_to(np.int64(need) * np.where(pay_months >= 12, 103, 100) // 100, 100)
    months = cal.months.astype("datetime64[D]").astype(object)
    for employer, share in EMPLOYERS:  # a raise after the first year
        b.add(pay_days, giro, pay * share // 100, b.category("Salary"), b.text([employer])[0],
              b.text([f"Gehalt {m:%m/%Y}" for m in months[pay_months]]))
    bonus_days, bonus_months = sched["bonus"]
    bonus = pay[np.searchsorted(pay_months, bonus_months)] * EMPLOYERS[0][1] // 200
    b.add(bonus_days, giro, bonus, b.category("Bonus"), b.text([EMPLOYERS[0][0]])[0],
          b.text(["Weihnachtsgeld"])[0])
    return need




def check_count(transactions: int) -> None:
    if transactions < MIN_TRANSACTIONS:
        raise ValidationError("transactions", f"at least {MIN_TRANSACTIONS:,} are needed")
    if transactions > MAX_TRANSACTIONS:
        raise ValidationError("transactions", f"{transactions:,} is too many; the demo "
                                              f"generates at most {MAX_TRANSACTIONS:,}")

