"""A demo book: about two years of a two-earner household in EUR and USD, generated with numpy.

The same generator fills the 10,000-row book people click through and the 1M/10M-row books the
benchmarks measure, so nothing may cost a Python loop per transaction: every column is a numpy
array (money as int64 minor units) and rows become Python objects only chunk by chunk while
they are inserted. One seed fixes everything, so a demo or a benchmark can be repeated exactly.
Floats only shape random samples; each sampled amount is rounded once to whole cents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, TypeVar, cast

import numpy as np
from sqlalchemy import Connection, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from fintrack_core.db.engine import Database
from fintrack_core.db.models import (
    Account,
    AccountType,
    Book,
    Category,
    FxRate,
    Membership,
    Transaction,
    User,
)
from fintrack_core.errors import Conflict, ValidationError
from fintrack_core.ledger.books import list_books
from fintrack_core.ledger.users import create_user

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "explore-fintrack"  # noqa: S105 - published on the login page on purpose
MIN_TRANSACTIONS = 1_000  # below this the fixed monthly rows would be most of the book
# Generation holds every row in memory (~200 bytes each): 20M is ~4 GB, past a laptop.
MAX_TRANSACTIONS = 20_000_000
CHUNK_ROWS = 50_000
# Insert with the driver's bulk path (sqlite3 executemany, psycopg COPY) rather than SQLAlchemy
# Core; see ``_insert``. The benchmark turns it off to compare.
RAW_INSERT = True
SQLITE_CACHE_KIB = 262_144  # insert page cache: 10M rows 136 s -> 104 s (1 GiB: 98 s)

# key: (name, type, currency, opening balance in minor units, institution). The checking
# account's opening balance is computed from the spending so the first month does not overdraw.
ACCOUNTS: dict[str, tuple[str, AccountType, str, int, str]] = {
    "giro": ("Girokonto", AccountType.CHECKING, "EUR", 0, "DKB"),
    "savings": ("Tagesgeld", AccountType.SAVINGS, "EUR", 850_000, "DKB"),
    "visa": ("Visa Card", AccountType.CREDIT_CARD, "EUR", 0, "DKB"),
    "cash": ("Cash wallet", AccountType.CASH, "EUR", 8_000, ""),
    "usd": ("US Checking", AccountType.CHECKING, "USD", 60_000, "Chase"),
    "loan": ("Car loan", AccountType.LOAN, "EUR", -1_500_000, "Santander Consumer Bank"),
}
KEYS = tuple(ACCOUNTS)  # the account column holds an index into this


@dataclass(frozen=True)
class DemoResult:
    user_id: int
    book_id: int
    transactions: int


@dataclass(frozen=True)
class _Kind:
    """One kind of everyday spending; ``weight`` is its share of the variable rows."""

    category: str
    weight: float
    median: int  # minor units of the account's currency
    sigma: float  # lognormal spread
    payees: str  # "|"-separated; the first ones are the most frequent
    descriptions: str  # "|"-separated
    accounts: str  # "key:share ..."
    weekdays: tuple[float, ...] = (1, 1, 1, 1, 1, 1, 1)  # Monday first
    when: str = "home"  # home | trip_eu | trip_us | before_trip
    december: float = 1.0  # Christmas shopping
    step: int = 1  # amounts are multiples of this (coffee costs 3.90, not 3.87)
    tags: tuple[tuple[str, float], ...] = ()  # canonical ",tag," and its probability
    sign: int = -1  # +1: refunds, money back into an expense category


_SHOPS = (0.9, 1.0, 1.0, 1.1, 1.3, 1.7, 0.05)  # German shops close on Sundays
_WORK = (1.2, 1.2, 1.2, 1.2, 1.1, 0.5, 0.3)
_NIGHTS = (0.6, 0.7, 0.8, 1.0, 1.7, 1.9, 1.0)
_TRIP = ((",vacation,", 1.0),)
_BUSINESS = ((",business,", 0.06),)

_KINDS = (
    _Kind("Groceries", 20, 1_500, 0.65, "REWE|EDEKA|Aldi Süd|Lidl|Kaufland|Netto Marken-Discount"
          "|Denns BioMarkt|Bäckerei Rischart", "Kartenzahlung|Wocheneinkauf|Einkauf",
          "giro:.5 visa:.25 cash:.25", _SHOPS, tags=((",weekly,", .2),)),
    _Kind("Coffee", 13, 380, 0.3, "Starbucks|Balzac Coffee|Coffee Fellows|Café Lotte|Einstein "
          "Kaffee", "Cappuccino|Flat white|Coffee & croissant", "cash:.5 visa:.3 giro:.2", _WORK,
          step=10),
    _Kind("Restaurants", 8, 2_200, 0.6, "Vapiano|L'Osteria|Hans im Glück|Sushi Circle|Lieferando"
          "|Pizzeria Da Michele|Block House|Thai Orchid", "Dinner|Lunch|Takeaway",
          "visa:.6 giro:.2 cash:.2", _NIGHTS, step=10, tags=_BUSINESS),
    _Kind("Public transport", 7, 450, 0.9, "MVG|Deutsche Bahn|FlixBus|BVG", "Ticket|Fahrkarte",
          "giro:.6 visa:.4", _WORK, step=10, tags=_BUSINESS),
    _Kind("Taxi", 1.5, 1_700, 0.45, "Uber|FREE NOW|Bolt|Taxi München eG", "Ride", "visa:1",
          _NIGHTS, step=10, tags=((",business,", .2),)),
    _Kind("Fuel", 2.5, 5_800, 0.25, "Shell|Aral|Esso|JET|TotalEnergies", "Tanken",
          "visa:.8 giro:.2"),
    _Kind("Parking", 2, 400, 0.6, "APCOA Parking|Contipark|EasyPark", "Parken", "visa:.7 cash:.3",
          _WORK, step=10),
    _Kind("Service", 0.15, 18_000, 0.5, "A.T.U|Autohaus Kramer|Pit Stop",
          "Inspektion|Reifenwechsel|Reparatur", "giro:1", _WORK),
    _Kind("Clothing", 2.5, 3_500, 0.7, "Zalando|H&M|Uniqlo|Zara|Decathlon|Peek & Cloppenburg",
          "Online order|Store purchase", "visa:.7 giro:.3", _SHOPS, december=1.8),
    _Kind("Electronics", 1.2, 4_000, 1.0, "MediaMarkt|Saturn|Amazon|Apple Store|Cyberport",
          "Order|Zubehör", "visa:1", _SHOPS, december=2.5),
    _Kind("Household", 6, 1_200, 0.8, "dm-drogerie markt|Rossmann|IKEA|Amazon|OBI|Müller "
          "Drogerie", "Einkauf|Order", "giro:.4 visa:.4 cash:.2", _SHOPS),
    _Kind("Pharmacy", 2, 1_150, 0.6, "Apotheke am Markt|Shop Apotheke|DocMorris", "Medikamente",
          "giro:.5 cash:.5", _SHOPS),
    _Kind("Doctor", 0.6, 4_000, 0.6, "Dr. med. Anna Müller|Zahnarztpraxis Weber|Physiotherapie "
          "Vogel", "Rechnung|Zuzahlung", "giro:1", _WORK),
    _Kind("Events", 1.5, 3_000, 0.5, "Eventim|Kino Cinestar|Ticketmaster|Staatstheater",
          "Tickets", "visa:1", _NIGHTS),
    _Kind("Hobbies", 2.5, 1_600, 0.8, "Thalia|Steam|Hugendubel|Decathlon|Boulderwelt",
          "Purchase|Eintritt", "visa:.7 giro:.3", _NIGHTS, december=1.5),
    _Kind("Gifts & donations", 1, 3_000, 0.7, "Amazon|Blumen Fischer|Thalia|Manufactum",
          "Geschenk", "visa:.7 cash:.3", _SHOPS, december=4.0, tags=((",gifts,", 1.0),)),
    _Kind("Flights", 0.25, 16_000, 0.5, "Lufthansa|Eurowings|Ryanair|Condor", "Flight booking",
          "visa:1", when="before_trip", tags=_TRIP),
    _Kind("Hotels", 0.2, 24_000, 0.6, "Booking.com|Airbnb|Motel One|NH Hotels", "Hotel stay",
          "visa:1", when="trip_eu", tags=_TRIP),
    _Kind("Hotels", 0.15, 30_000, 0.5, "Marriott|Hilton|Airbnb|Holiday Inn Express",
          "Hotel stay", "usd:1", when="trip_us", tags=_TRIP),
    _Kind("Holiday spending", 3.5, 1_800, 0.8, "Trattoria Roma|Carrefour|Museo del Prado"
          "|Chiringuito Playa|Souvenir shop", "Urlaub", "visa:.7 cash:.3", when="trip_eu",
          tags=_TRIP),
    _Kind("Holiday spending", 2, 2_200, 0.8, "Whole Foods Market|Target|Shake Shack|Walgreens"
          "|Trader Joe's|Uber", "Vacation", "usd:1", when="trip_us", tags=_TRIP),
    _Kind("Clothing", 0.6, 4_000, 0.6, "Zalando|H&M|Uniqlo", "Retoure / refund",
          "visa:.7 giro:.3", sign=1),
    _Kind("Household", 0.4, 2_500, 0.8, "Amazon|IKEA", "Refund", "visa:1", sign=1),
)


@dataclass(frozen=True)
class _Fixed:
    """A standing order or direct debit; ``day`` 0 means the last business day of the month."""

    day: int
    account: str
    amount: int
    category: str
    payee: str
    description: str
    every: int = 1  # months between payments
    phase: int = 0  # calendar month (0 = January) the payments are aligned to
    tags: str = ""


_FIXED = (
    _Fixed(1, "giro", -115_000, "Rent", "Hausverwaltung Schmidt & Co.", "Miete"),
    _Fixed(15, "giro", -9_500, "Utilities", "Stadtwerke München", "Abschlag Strom/Gas"),
    _Fixed(5, "giro", -3_995, "Internet", "Telekom Deutschland GmbH", "MagentaZuhause L"),
    _Fixed(10, "giro", -2_499, "Phone", "Vodafone GmbH", "Mobilfunk"),
    _Fixed(1, "giro", -3_420, "Insurance", "Allianz Versicherungs-AG", "Haftpflicht + Hausrat"),
    _Fixed(15, "giro", -2_000, "Gifts & donations", "Ärzte ohne Grenzen e.V.", "Spende"),
    _Fixed(0, "giro", -450, "Bank fees", "DKB AG", "Kontoführung"),
    _Fixed(15, "giro", -5_508, "Taxes", "ARD ZDF Deutschlandradio", "Rundfunkbeitrag", 3),
    _Fixed(10, "giro", -51_240, "Insurance", "HUK-COBURG", "Kfz-Versicherung", 12),
    _Fixed(7, "visa", -1_399, "Subscriptions", "Netflix", "Netflix Standard"),
    _Fixed(12, "visa", -1_099, "Subscriptions", "Spotify", "Spotify Premium"),
    _Fixed(20, "visa", -299, "Subscriptions", "Apple", "iCloud+ 200 GB"),
    _Fixed(3, "visa", -999, "Subscriptions", "Disney+", "Disney+ Standard"),
    _Fixed(2, "visa", -5_900, "Fitness", "Urban Sports Club", "Membership M"),
    _Fixed(18, "visa", -8_990, "Subscriptions", "Amazon", "Prime membership", 12, 5),
    _Fixed(14, "usd", -1_240, "Subscriptions", "Amazon Web Services", "AWS", tags=",business,"),
)
_EMPLOYERS = (("Nordlicht Software GmbH", 58), ("Klinikum rechts der Isar", 42))


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


_Ints = TypeVar("_Ints", np.ndarray, np.int64)  # amounts: a column or one scalar


def _ceil_to(values: _Ints, step: int) -> _Ints:
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


def _day_weights(kind: _Kind, cal: _Calendar, trip: np.ndarray, starts: np.ndarray) -> np.ndarray:
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


def _spend(b: _Builder, rng: np.random.Generator, kind: _Kind, count: int,
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
    sched.update({f"fixed{i}": cal.monthly(f.day, f.every, f.phase) for i, f in enumerate(_FIXED)})
    per_date = {"pay": len(_EMPLOYERS) + 1, "savings": 2, "loan": 2, "cash": 2, "card": 2,
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
    _check_count(transactions)
    rng = np.random.default_rng(seed)
    b = _Builder()
    trip, starts = _trips(rng, cal)
    counts = _allocate(transactions - n_recurring, [k.weight for k in _KINDS])
    for kind, count in zip(_KINDS, counts, strict=True):
        _spend(b, rng, kind, int(count), _day_weights(kind, cal, trip, starts))
    for i, f in enumerate(_FIXED):
        b.add(sched[f"fixed{i}"][0], KEYS.index(f.account), f.amount, b.category(f.category),
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
    for employer, share in _EMPLOYERS:  # a raise after the first year
        b.add(pay_days, giro, pay * share // 100, b.category("Salary"), b.text([employer])[0],
              b.text([f"Gehalt {m:%m/%Y}" for m in months[pay_months]]))
    bonus_days, bonus_months = sched["bonus"]
    bonus = pay[np.searchsorted(pay_months, bonus_months)] * _EMPLOYERS[0][1] // 200
    b.add(bonus_days, giro, bonus, b.category("Bonus"), b.text([_EMPLOYERS[0][0]])[0],
          b.text(["Weihnachtsgeld"])[0])
    return need


def _check_count(transactions: int) -> None:
    if transactions < MIN_TRANSACTIONS:
        raise ValidationError("transactions", f"at least {MIN_TRANSACTIONS:,} are needed")
    if transactions > MAX_TRANSACTIONS:
        raise ValidationError("transactions", f"{transactions:,} is too many; the demo "
                                              f"generates at most {MAX_TRANSACTIONS:,}")


def create_demo(db: Database, transactions: int = 10_000, *, seed: int = 42,
                end: dt.date | None = None, username: str = DEMO_USERNAME,
                password: str = DEMO_PASSWORD,
                progress: Callable[[int, int], None] | None = None) -> DemoResult:
    """Create the demo user and fill their own EUR book with about two years of data.

    The demo user is never an administrator (its password is published): on a fresh install
    it is created without an actor and the first-run screen still offers to create the
    administrator; otherwise an existing administrator is the acting user. Accounts, FX rates
    and transactions are then written in one database transaction; if that fails the new user
    and book are removed again, so a retry is not refused as a duplicate.
    ``progress(done, total)`` is called once before the first chunk and after every chunk of
    rows inserted.
    """
    end = end or dt.date.today()
    if end > dt.date.today():
        raise ValidationError("end", f"{end} is in the future; demo data ends today at the latest")
    if seed < 0:
        raise ValidationError("seed", "must be zero or a positive integer")
    _check_count(transactions)
    name = (username or "").strip()
    with db.read() as s:
        if s.scalar(select(User.id).where(func.lower(User.username) == name.lower())):
            raise Conflict(f"a user named {name!r} already exists; delete it or choose another "
                           "username for the demo")
        admin_id = s.scalar(select(User.id).where(User.is_admin.is_(True)).order_by(User.id)
                            .limit(1))
    user = create_user(db, name, password, "Demo", base_currency="EUR", acting_user_id=admin_id,
                       never_admin=True)
    book_id = list_books(db, user.id)[0].id
    try:
        data = generate(transactions, seed=seed, end=end, salt=book_id)
        with db.write() as s:
            _store(s, book_id, data, progress)
    except BaseException:
        _remove_user(db, user.id, book_id)
        raise
    return DemoResult(user.id, book_id, len(data))


_COLUMNS = ("book_id", "account_id", "date", "amount_minor", "currency", "payee", "description",
            "category_id", "tags", "transfer_id")
_CONSTANTS = {"notes": "", "scheduled": False, "import_batch_id": None, "fingerprint": None}
_SQLITE_INSERT = ("INSERT INTO transactions (book_id, account_id, date, amount_minor, currency, "
                  "payee, description, category_id, tags, transfer_id, notes, scheduled, "
                  "import_batch_id, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, "
                  "NULL, NULL)")
_PG_COPY = (f"COPY transactions ({', '.join(_COLUMNS)}, {', '.join(_CONSTANTS)}) "
            "FROM STDIN")


def _store(s: Session, book_id: int, data: DemoData,
           progress: Callable[[int, int], None] | None) -> None:
    """Accounts, FX rates and transactions of ``data`` in the session's one transaction."""
    accounts = [Account(book_id=book_id, name=n, type=t, currency=c, institution=inst,
                        opening_balance=data.openings[k], opened_on=data.start)
                for k, (n, t, c, _, inst) in ACCOUNTS.items()]
    s.add_all(accounts)
    s.flush()
    by_name = dict(s.execute(select(Category.name, Category.id)
                             .where(Category.book_id == book_id)).all())
    missing = sorted(set(data.categories) - set(by_name))
    if missing:
        raise LookupError(f"the default category tree lacks {missing}; update demo.py")
    conn = s.connection()
    conn.execute(insert(cast(Table, FxRate.__table__)), [
        {"book_id": book_id, "base": "EUR", "quote": "USD", "date": d, "rate": r,
         "source": "manual"} for d, r in data.rates])

    path = {"pysqlite": "sqlite", "psycopg": "copy"}.get(conn.dialect.driver, "core")
    path = path if RAW_INSERT else "core"
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:  # a bigger page cache while the indexes grow; given back to the app afterwards
        cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    try:
        acc_ids = [a.id for a in accounts]
        for cols in _chunks(book_id, data, acc_ids, by_name, path == "sqlite", progress):
            _insert(conn, path, cols)
    finally:
        if sqlite:
            conn.exec_driver_sql(f"PRAGMA cache_size={cache}")


def _chunks(book_id: int, data: DemoData, acc_ids: list[int], category_ids: dict[str, int],
            iso_dates: bool, progress: Callable[[int, int], None] | None,
            ) -> Iterator[tuple[Iterable[object], ...]]:
    """Columns of ``CHUNK_ROWS`` rows as Python values (rows exist as objects only here).

    ``progress`` runs when the caller asks for the next chunk, i.e. after it stored this one.
    """
    # numpy ``take`` maps index columns to values; index -1 hits the trailing None.
    accs = np.array(acc_ids, object)
    currencies = np.array([ACCOUNTS[k][2] for k in KEYS], object)
    cats = np.array([*(category_ids[c] for c in data.categories), None], object)
    texts = np.array(data.texts, object)
    tids = np.array([*data.transfer_ids, None], object)
    days = np.datetime64(data.start, "D") + np.arange((data.end - data.start).days + 1)
    dates = np.datetime_as_string(days).astype(object) if iso_dates else days.astype(object)
    total = len(data)
    if progress:
        progress(0, total)
    for lo in range(0, total, CHUNK_ROWS):
        sl = slice(lo, min(lo + CHUNK_ROWS, total))
        acc = data.account[sl]
        yield (repeat(book_id), accs[acc].tolist(), dates[data.day[sl]].tolist(),
               data.amount[sl].tolist(), currencies[acc].tolist(),
               texts[data.payee[sl]].tolist(), texts[data.description[sl]].tolist(),
               cats[data.category[sl]].tolist(), texts[data.tags[sl]].tolist(),
               tids[data.transfer[sl]].tolist())
        if progress:
            progress(sl.stop, total)


def _insert(conn: Connection, path: str, cols: tuple[Iterable[object], ...]) -> None:
    """One chunk by the fastest route the driver offers, inside the connection's transaction.

    Measured with benchmarks/bench_demo.py (1M rows): sqlite3 ``executemany`` 7.2 s against
    15.2 s for SQLAlchemy Core on SQLite; psycopg COPY 17.9 s against 41.8 s on PostgreSQL.
    """
    driver: Any = conn.connection.driver_connection
    if path == "sqlite":
        cursor = driver.cursor()
        cursor.executemany(_SQLITE_INSERT, zip(*cols, strict=False))
        cursor.close()
    elif path == "copy":
        constants = (repeat(v) for v in _CONSTANTS.values())
        with driver.cursor() as cursor, cursor.copy(_PG_COPY) as copy:
            for row in zip(*cols, *constants, strict=False):
                copy.write_row(row)
    else:
        conn.execute(insert(cast(Table, Transaction.__table__)),
                     [dict(zip(_COLUMNS, row, strict=True), **_CONSTANTS)
                      for row in zip(*cols, strict=False)])


def _remove_user(db: Database, user_id: int, book_id: int) -> None:
    """Undo ``create_user`` after a failed fill (the fill itself was rolled back)."""
    with db.write() as s:
        s.execute(update(Category).where(Category.book_id == book_id).values(parent_id=None))
        for model in (Transaction, FxRate, Account, Category, Membership):
            s.execute(delete(model).where(model.book_id == book_id))
        s.execute(delete(Book).where(Book.id == book_id))
        s.execute(delete(User).where(User.id == user_id))
