"""The demo book: realistic enough to explore, consistent enough that every page can trust it.

Most checks read one 10,000-row demo built once for the module; the rest build small ones.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import func, select, text

from fintrack_core import demo
from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Account, Category, CategoryKind, FxRate, Transaction, User
from fintrack_core.db.schema import upgrade
from fintrack_core.demo import DEMO_PASSWORD, DEMO_USERNAME, DemoResult, create_demo
from fintrack_core.errors import Conflict, ValidationError
from fintrack_core.ledger import users
from fintrack_core.ledger.books import list_books
from fintrack_core.ledger.fx import list_rates
from fintrack_core.ledger.overview import overview

END = dt.date(2025, 6, 15)
# The demo portfolio's trades write cash legs in the depot on top of the generated rows:
# 43 trades up to END, all but the split move cash.
DEPOT_ROWS = 42
Demo = tuple[Database, DemoResult]


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    upgrade(db)
    yield db, create_demo(db, end=END)
    db.dispose()


class Tx(NamedTuple):
    date: dt.date
    amount: int
    currency: str
    payee: str
    description: str
    tags: str
    transfer_id: str | None
    account: str
    category: str | None
    kind: CategoryKind | None
    category_book: int | None


def rows(db: Database, book_id: int) -> list[Tx]:
    """Every transaction of the book with its account and category, in id order."""
    with db.read() as s:
        return [Tx(*r) for r in s.execute(
            select(Transaction.date, Transaction.amount_minor, Transaction.currency,
                   Transaction.payee, Transaction.description, Transaction.tags,
                   Transaction.transfer_id, Account.name, Category.name, Category.kind,
                   Category.book_id)
            .join(Account, Account.id == Transaction.account_id)
            .outerjoin(Category, Category.id == Transaction.category_id)
            .where(Transaction.book_id == book_id).order_by(Transaction.id))]


def test_default_demo_has_ten_thousand_rows_in_two_currencies(demo_book: Demo) -> None:
    db, result = demo_book
    # The depot's rows are the cash legs of the demo portfolio's trades, made by the trades
    # themselves on top of the 10,000 generated rows (see test_the_demo_has_a_portfolio).
    data = [r for r in rows(db, result.book_id) if r.account != "Depot"]
    assert result.transactions == len(data) == 10_000
    assert {r.currency for r in data} == {"EUR", "USD"}
    with db.read() as s:
        accounts = {a.name: a for a in s.scalars(
            select(Account).where(Account.book_id == result.book_id))}
    assert set(accounts) == {"Girokonto", "Tagesgeld", "Visa Card", "Cash wallet",
                             "US Checking", "Car loan", "Depot"}
    assert accounts["US Checking"].currency == "USD"
    assert accounts["Car loan"].opening_balance < 0 < accounts["Girokonto"].opening_balance


def test_spans_about_two_years_and_nothing_after_end(demo_book: Demo) -> None:
    db, result = demo_book
    dates = [r.date for r in rows(db, result.book_id)]
    assert min(dates) == dt.date(2023, 7, 1)
    assert max(dates) <= END
    assert 700 <= (END - min(dates)).days <= 731


def test_every_transfer_is_two_opposite_legs_in_different_accounts(demo_book: Demo) -> None:
    db, result = demo_book
    legs = defaultdict(list)
    for r in rows(db, result.book_id):
        if r.transfer_id is not None:
            legs[r.transfer_id].append(r)
    assert len(legs) > 100
    assert all(re.fullmatch(r"[0-9a-f]{32}", tid) for tid in legs)
    cross_currency = 0
    for pair in legs.values():
        assert len(pair) == 2
        (out, into) = sorted(pair, key=lambda r: r.amount)
        assert out.amount < 0 < into.amount
        assert out.account != into.account
        assert out.date == into.date
        assert out.payee == into.account  # the payee of a leg is the other account
        assert into.payee == out.account
        assert out.category == into.category
        assert out.kind in (None, CategoryKind.TRANSFER)
        if out.currency == into.currency:
            assert out.amount + into.amount == 0
        else:
            cross_currency += 1
    assert cross_currency >= 4  # quarterly EUR → USD top-ups
    card = [p for p in legs.values() if {r.account for r in p} == {"Girokonto", "Visa Card"}]
    assert len(card) >= 22
    assert all(p[0].category == "Credit card payment" for p in card)


def test_categories_belong_to_the_book_and_fit_the_amounts(demo_book: Demo) -> None:
    db, result = demo_book
    data = rows(db, result.book_id)
    assert {r.category_book for r in data if r.category is not None} == {result.book_id}
    assert all(r.amount > 0 for r in data if r.kind == CategoryKind.INCOME)
    assert all(r.transfer_id is not None for r in data if r.kind == CategoryKind.TRANSFER)
    refunds = [r for r in data if r.kind == CategoryKind.EXPENSE and r.amount > 0]
    assert 20 <= len(refunds) <= 300
    used = {r.category for r in data}
    assert {"Groceries", "Restaurants", "Coffee", "Subscriptions", "Rent", "Utilities",
            "Flights", "Hotels", "Salary", "Savings"} <= used
    netflix = [r for r in data if r.payee == "Netflix"]
    assert len(netflix) == 24
    assert len({r.amount for r in netflix}) == 1


def test_salary_arrives_every_month(demo_book: Demo) -> None:
    db, result = demo_book
    paid = {(r.date.year, r.date.month) for r in rows(db, result.book_id) if r.category == "Salary"}
    months = {(2023 + (6 + i) // 12, (6 + i) % 12 + 1) for i in range(23)}  # 2023-07..2025-05
    assert months <= paid


def test_tags_are_canonical_and_used(demo_book: Demo) -> None:
    db, result = demo_book
    tags = [r.tags for r in rows(db, result.book_id)]
    assert all(t == "" or re.fullmatch(r",([a-z-]+,)+", t) for t in tags)
    counts = {name: sum(f",{name}," in t for t in tags) for name in
              ("vacation", "business", "weekly")}
    assert all(c > 50 for c in counts.values()), counts
    assert 0.05 < sum(t != "" for t in tags) / len(tags) < 0.4


def test_balances_stay_plausible(demo_book: Demo) -> None:
    """Income covers spending and savings: nothing drifts far into the red over two years."""
    db, result = demo_book
    with db.read() as s:
        opening = dict(s.execute(select(Account.name, Account.opening_balance)
                                 .where(Account.book_id == result.book_id)).all())
    by_day: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows(db, result.book_id):
        by_day[r.account][r.date] += r.amount
    lowest, final = {}, {}
    for name, days in by_day.items():
        running = list(accumulate((days[d] for d in sorted(days)), initial=opening[name]))
        lowest[name], final[name] = min(running), running[-1]
    assert lowest["Girokonto"] > 0
    assert lowest["Cash wallet"] >= 0
    assert lowest["US Checking"] > 0
    assert lowest["Visa Card"] > -10_000_00
    assert final["Girokonto"] < 3 * opening["Girokonto"]
    assert final["Tagesgeld"] > opening["Tagesgeld"]
    assert opening["Car loan"] < final["Car loan"] < 0


def test_the_demo_user_can_log_in(demo_book: Demo) -> None:
    db, result = demo_book
    user = users.authenticate(db, DEMO_USERNAME, DEMO_PASSWORD)
    assert user is not None
    assert user.id == result.user_id
    assert not user.is_admin, "the demo password is published: never an administrator"
    assert users.authenticate(db, DEMO_USERNAME, "wrong-password") is None
    assert [b.id for b in list_books(db, result.user_id)] == [result.book_id]


def test_a_second_demo_with_the_same_name_is_refused(demo_book: Demo) -> None:
    db, result = demo_book
    with pytest.raises(Conflict, match="'demo' already exists"):
        create_demo(db, end=END)
    with db.read() as s:
        assert s.scalar(select(func.count(User.id))) == 1
    assert len(rows(db, result.book_id)) == 10_000 + DEPOT_ROWS


def test_overview_converts_every_account_to_euro(demo_book: Demo) -> None:
    db, result = demo_book
    scope = Scope(db, result.user_id, result.book_id)
    ov = overview(scope, as_of=END)
    assert ov.base_currency == "EUR"
    assert ov.unconverted == []
    assert all(a.base_minor is not None for a in ov.accounts)
    assert ov.total_minor > 0
    assert ov.month.unconverted == {}
    rates = list_rates(scope)
    assert len(rates) == 24
    assert {(r.base, r.quote, r.source) for r in rates} == {("EUR", "USD", "manual")}
    assert all(r.date.day == 1 and Decimal("1.05") <= r.rate <= Decimal("1.12") for r in rates)


def _fresh(tmp_path: Path, name: str) -> Database:
    db = Database(f"sqlite:///{tmp_path / name}")
    upgrade(db)
    return db


def test_same_seed_gives_the_same_book(tmp_path: Path) -> None:
    books = []
    for name, seed in (("a.db", 7), ("b.db", 7), ("c.db", 8)):
        db = _fresh(tmp_path, name)
        books.append(rows(db, create_demo(db, 2_000, seed=seed, end=END).book_id))
        db.dispose()
    assert books[0] == books[1]
    assert books[0] != books[2]


def test_default_end_is_today(today: dt.date, db: Database) -> None:
    result = create_demo(db, 1_000)
    dates = [r.date for r in rows(db, result.book_id)]
    assert max(dates) <= today
    assert (today - min(dates)).days <= 731


def test_larger_demos_keep_the_span_and_hit_the_count(db: Database) -> None:
    calls: list[tuple[int, int]] = []
    result = create_demo(db, 60_000, end=END,
                         progress=lambda done, total: calls.append((done, total)))
    data = [r for r in rows(db, result.book_id) if r.account != "Depot"]
    assert len(data) == result.transactions == 60_000
    assert min(r.date for r in data) == dt.date(2023, 7, 1)
    assert max(r.date for r in data) <= END
    assert calls[0] == (0, 60_000)
    assert calls[-1] == (60_000, 60_000)
    assert len(calls) == 3
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_on_a_fresh_install_the_demo_user_is_not_an_administrator(db: Database) -> None:
    result = create_demo(db, 1_000, end=END)
    assert not users.get_user(db, DEMO_USERNAME).is_admin
    assert users.count_admins(db) == 0
    ada = users.create_user(db, "ada", "lovelace-1815", base_currency="EUR")
    assert ada.is_admin, "the first-run screen can still create the administrator"
    assert result.book_id not in {b.id for b in list_books(db, ada.id)}


def test_an_existing_administrator_creates_the_demo_user(db: Database) -> None:
    alice = users.create_user(db, "alice", "wonderland-42", base_currency="EUR")
    result = create_demo(db, 1_000, end=END)
    demo_user = users.get_user(db, DEMO_USERNAME)
    assert demo_user.id == result.user_id
    assert not demo_user.is_admin
    assert result.book_id not in {b.id for b in list_books(db, alice.id)}


def test_a_failed_fill_leaves_nothing_behind(
        db: Database, snapshot: Callable[..., dict[str, list[tuple[object, ...]]]]) -> None:
    before = snapshot(db)

    def interrupt(done: int, total: int) -> None:
        if done == total:  # every row inserted, not yet committed
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        create_demo(db, 1_000, end=END, progress=interrupt)
    assert snapshot(db) == before
    assert create_demo(db, 1_000, end=END).transactions == 1_000


def test_the_fill_is_one_database_transaction(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even the raw sqlite3 inserts roll back with the session (cleanup switched off here)."""
    monkeypatch.setattr(demo.load, "_remove_user", lambda *args: None)

    def interrupt(done: int, total: int) -> None:
        if done == total:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        create_demo(db, 1_000, end=END, progress=interrupt)
    with db.read() as s:
        assert s.scalar(select(func.count(User.id))) == 1  # the user was committed first
        for model in (Transaction, Account, FxRate):
            assert s.scalar(select(func.count()).select_from(model)) == 0
    with db.engine.connect() as conn:  # the bigger insert cache was given back
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -2000


def test_bad_arguments_are_refused_before_anything_is_written(db: Database) -> None:
    with pytest.raises(ValidationError, match="transactions"):
        create_demo(db, 10, end=END)
    with pytest.raises(ValidationError, match="future"):
        create_demo(db, end=dt.date.today() + dt.timedelta(days=1))
    assert users.count_users(db) == 0


def test_raw_sqlite_and_core_inserts_store_the_same_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Core path is what PostgreSQL uses; it must store exactly what the fast path does."""
    stored = []
    for raw in (True, False):
        monkeypatch.setattr(demo.load, "RAW_INSERT", raw)
        db = _fresh(tmp_path, f"{raw}.db")
        result = create_demo(db, 1_000, end=END)
        with db.read() as s:
            stored.append(s.execute(select(Transaction.__table__).order_by(Transaction.id))
                          .all())
        assert result.transactions + DEPOT_ROWS == len(stored[-1])
        db.dispose()
    strip = [[tuple(r)[:-1] for r in table] for table in stored]  # all but created_at
    assert strip[0] == strip[1]


@pytest.mark.postgres
def test_postgresql_gets_the_same_book_through_copy_in_one_transaction(
        pg_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pg = Database(pg_server)
    with pg.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(pg)
    lite = _fresh(tmp_path, "lite.db")
    on_pg, on_lite = (create_demo(db, 2_000, end=END) for db in (pg, lite))
    assert rows(pg, on_pg.book_id) == rows(lite, on_lite.book_id)
    assert overview(Scope(pg, on_pg.user_id, on_pg.book_id), as_of=END).unconverted == []

    monkeypatch.setattr(demo.load, "_remove_user", lambda *args: None)

    def interrupt(done: int, total: int) -> None:
        if done == total:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        create_demo(pg, 2_000, end=END, username="demo2", progress=interrupt)
    with pg.read() as s:
        assert s.scalar(select(func.count(Transaction.id))) == 2_000 + DEPOT_ROWS  # the first's
    pg.dispose()
    lite.dispose()


def test_the_demo_has_budgets_near_and_over_their_limits(demo_book: Demo) -> None:
    from fintrack_core.budgets.inbox import list_alerts
    from fintrack_core.budgets.status import budget_status

    db, result = demo_book
    scope = Scope(db, result.user_id, result.book_id)
    status = {s.budget.category: s for s in budget_status(scope, END)}
    assert set(status) == {"Food", "Food → Groceries", "Food → Restaurants", "Food → Coffee",
                           "Shopping", "Transportation → Public transport", "Entertainment"}
    assert {c for c, s in status.items() if s.budget.period.value == "weekly"} == {
        "Transportation → Public transport"}
    assert {c for c, s in status.items() if s.budget.rollover} == {"Food → Coffee"}
    assert status["Shopping"].budget.start_day == 25
    # Sized from the book's own spending up to END: one at its 80 % warning, one over.
    assert status["Food → Groceries"].level == "warning"
    assert status["Food → Restaurants"].level == "over"
    assert {c for c, s in status.items() if s.level == "over"} == {"Food → Restaurants"}
    # Every budget ran for the 12 periods before END's, so the history chart is full.
    assert all(s.budget.starts_on < END - dt.timedelta(days=80) for s in status.values())
    # Their crossings are in the alert list (others may have crossed a warning on their own).
    assert {("Food → Groceries", 80), ("Food → Restaurants", 80), ("Food → Restaurants", 100)} \
        <= {(a.category, a.threshold) for a in list_alerts(scope)}


def test_the_demo_has_a_portfolio_priced_offline_with_demo_prices(demo_book: Demo) -> None:
    from fintrack_core.portfolio.assets import list_assets
    from fintrack_core.portfolio.gains import income_received, realised_gains
    from fintrack_core.portfolio.trades import list_trades
    from fintrack_core.portfolio.valuation import valuation
    from fintrack_core.prices import demo_price_history

    db, result = demo_book
    scope = Scope(db, result.user_id, result.book_id)
    assets = {a.symbol: a for a in list_assets(scope)}
    assert {(s, a.kind.value, a.currency) for s, a in assets.items()} == {
        ("VWCE", "etf", "EUR"), ("EUNL", "etf", "EUR"), ("AAPL", "stock", "USD"),
        ("MSFT", "stock", "USD"), ("BTC", "crypto", "USD")}
    assert {a.provider.value for a in assets.values()} == {"manual"}  # never fetched online
    trades = list_trades(scope)
    assert result.trades == len(trades) == 43
    assert {t.kind.value for t in trades} == {"buy", "sell", "dividend", "split"}
    assert all(dt.date(2023, 7, 1) <= t.date <= END for t in trades)
    [split] = [t for t in trades if t.kind.value == "split"]
    assert (split.symbol, split.quantity, split.date) == ("MSFT", Decimal(2), dt.date(2024, 8, 4))
    income, missing_rates = income_received(scope)
    assert (len(income), missing_rates) == (14, ())  # AAPL and MSFT each quarter
    [sale] = realised_gains(scope).rows
    assert (sale.symbol, sale.quantity, sale.sold) == ("EUNL", Decimal(12), dt.date(2024, 12, 2))

    worth = valuation(scope, END)
    assert worth.missing == ()
    assert {h.symbol: h.quantity for h in worth.holdings} == {
        "AAPL": 15, "BTC": Decimal("0.05"), "EUNL": 18, "MSFT": 8, "VWCE": 84}
    assert {h.price.source for h in worth.holdings if h.price} == {"demo"}
    # the latest close is the demo walk's, to the cent (VWCE: Friday 13 June 2025)
    vwce = next(h for h in worth.holdings if h.symbol == "VWCE")
    assert vwce.price is not None
    assert vwce.price.close == demo_price_history(["VWCE.DE"], END - dt.timedelta(days=7),
                                                  END)["VWCE.DE"][-1].close
    assert all(c.amount > 0 for c in worth.cash)  # the opening balance paid for the buys
    # net worth is one number: the Overview counts the holdings at market value
    ov = overview(scope, as_of=END)
    assert ov.investments_minor == int(sum(h.value_base or 0 for h in worth.holdings) * 100)
    assert ov.unvalued == ()


def test_the_demo_raises_a_price_change_a_missed_payment_and_has_bills_due(
        demo_book: Demo) -> None:
    """Relative to the demo's last day (END, 15 June 2025): Spotify's latest payment (12 June)
    costs 12.99 instead of 10.99, Urban Sports Club's June debit (2 June, 40 days are empty)
    is late, and bills fall due in the next week."""
    from fintrack_core.budgets.subscriptions import subscription_alerts, upcoming_bills

    db, result = demo_book
    scope = Scope(db, result.user_id, result.book_id)
    alerts = {(a.kind, a.view.name) for a in subscription_alerts(scope, END)}
    assert alerts == {("price_change", "Spotify"), ("missed", "Urban Sports Club")}
    spotify = next(a.view for a in subscription_alerts(scope, END) if a.kind == "price_change")
    assert spotify.price_change == (-1099, -1299, dt.date(2025, 6, 12))
    assert upcoming_bills(scope, 7, as_of=END)


@pytest.mark.parametrize("end", [dt.date(2026, 11, 1) + dt.timedelta(days=n)
                                 for n in range(0, 62)], ids=str)
def test_bills_and_alerts_on_any_last_day(end: dt.date) -> None:
    """The demo is generated up to today, whatever today is: some bill is always due within
    the Overview's seven days (standing orders on the 1st to 25th and the month's last day),
    Spotify's price change and Urban Sports Club's missed debit are always news."""
    import pandas as pd

    from fintrack_core.budgets.recurring import detect_series
    from fintrack_core.budgets.subscriptions import SeriesView, alerts_of
    from fintrack_core.demo.household import ACCOUNTS, KEYS

    data = demo.generate(1_000, end=end)
    own = data.transfer < 0
    frame = pd.DataFrame({
        "account_id": data.account[own].astype(int),
        "date": [data.start + dt.timedelta(days=int(d)) for d in data.day[own]],
        "payee": [data.texts[p] for p in data.payee[own]],
        "amount_minor": data.amount[own],
        "currency": [ACCOUNTS[KEYS[a]][2] for a in data.account[own]],
        "category_id": data.category[own].astype(int)})
    found = detect_series(frame)
    due = [s.payee for s in found
           if s.amount_minor < 0 and end <= s.next_date <= end + dt.timedelta(days=7)]
    assert due, end
    views = [SeriesView(s, "detected", s.payee, s.amount_minor, s.cadence, s.next_date)
             for s in found]
    alerts = {(a.kind, a.view.name) for a in alerts_of(views, end)}
    assert {("price_change", "Spotify"), ("missed", "Urban Sports Club")} <= alerts, end
