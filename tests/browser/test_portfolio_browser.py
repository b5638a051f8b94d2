"""The Portfolio page in Chromium: Alice's small portfolio (an ETF in a EUR depot, a US stock
and bitcoin at a USD broker), priced from made-up market closes that stop three days ago,
so every price shows its age and the stale ones are marked.

Screenshots go to tests/artifacts (portfolio_owner, _lots, _performance, _dividends, _manage,
_offline .png) to be looked at; the ones in docs/screenshots are copies of those.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.portfolio_models import Price
from fintrack_core.db.schema import upgrade
from fintrack_core.ledger import accounts, books, fx, users
from fintrack_core.portfolio import assets, trades
from fintrack_core.portfolio.assets import AssetInput
from fintrack_core.portfolio.trades import TradeInput
from fintrack_core.prices import demo_price_history
from fintrack_ui.login import COOKIE_NAME
from tests.browser.conftest import ARTIFACTS, Server, streamlit_server

pytestmark = pytest.mark.browser

# asset symbol -> (kind, currency, provider, provider id, demo series)
HOLDINGS = {"VWCE.DE": ("etf", "EUR", "yahoo", "VWCE.DE", "VWCE.DE"),
            "AAPL": ("stock", "USD", "yahoo", "AAPL", "AAPL"),
            "BTC": ("crypto", "USD", "coingecko", "bitcoin", "bitcoin")}


def seed(db: Database, today: dt.date) -> None:
    """Alice's book: 20,000 EUR in the Depot and 10,000 USD at the US Broker from 2023 on;
    monthly VWCE buys, AAPL bought, partly sold and paying dividends, a little bitcoin."""
    alice = users.create_user(db, "alice", "wonderland-42", "Alice", base_currency="EUR")
    owner = Scope(db, alice.id, books.list_books(db, alice.id)[0].id)
    start, last = dt.date(2023, 1, 2), today - dt.timedelta(days=3)
    depot = accounts.create_account(owner, "Depot", "investment", "EUR", "20000", start)
    broker = accounts.create_account(owner, "US Broker", "investment", "USD", "10000", start)
    history = demo_price_history([h[4] for h in HOLDINGS.values()], start, last)
    closes = {sym: {c.day: c.close for c in history[h[4]]} for sym, h in HOLDINGS.items()}
    ids = {}
    for sym, (kind, ccy, provider, pid, _) in HOLDINGS.items():
        ids[sym] = assets.add_asset(owner, AssetInput(sym, kind, ccy, name={
            "VWCE.DE": "Vanguard FTSE All-World", "AAPL": "Apple", "BTC": "Bitcoin"}[sym],
            provider=provider, provider_id=pid)).id
    with db.write() as s:
        for sym, (_, ccy, provider, pid, _) in HOLDINGS.items():
            s.add_all(Price(book_id=None, provider=provider, provider_id=pid, date=d,
                            close=str(c), currency=ccy, source=f"{provider} close",
                            fetched_at=dt.datetime.combine(last, dt.time(22)))
                      for d, c in closes[sym].items())
    day = start
    while day <= last:
        fx.set_rate(owner, "USD", "EUR", day, "0.92" if day.year == 2023 else "0.94")
        day += dt.timedelta(days=30)

    def price_on(sym: str, day: dt.date) -> Decimal:
        return closes[sym][max(d for d in closes[sym] if d <= day)]

    def add(acc: int, sym: str, day: dt.date, kind: str, **numbers: str) -> None:
        trades.add_trade(owner, TradeInput(acc, ids[sym], day, kind, **numbers))

    month = start + dt.timedelta(days=7)
    while month <= last - dt.timedelta(days=20):
        add(depot.id, "VWCE.DE", month, "buy", quantity="3", price=str(price_on("VWCE.DE",
                                                                                  month)),
            fees="1.50")
        month = (month.replace(day=1) + dt.timedelta(days=40)).replace(day=9)
    add(broker.id, "AAPL", dt.date(2023, 2, 1), "buy", quantity="30",
        price=str(price_on("AAPL", dt.date(2023, 2, 1))), fees="1")
    add(broker.id, "AAPL", dt.date(2024, 6, 3), "sell", quantity="10",
        price=str(price_on("AAPL", dt.date(2024, 6, 3))), fees="1")
    for paid in (dt.date(2023, 5, 18), dt.date(2023, 8, 17), dt.date(2023, 11, 16),
                 dt.date(2024, 2, 15), dt.date(2024, 5, 16), dt.date(2024, 8, 15),
                 dt.date(2024, 11, 14), dt.date(2025, 2, 13), dt.date(2025, 5, 15),
                 dt.date(2025, 8, 14), dt.date(2025, 11, 13), dt.date(2026, 2, 12),
                 dt.date(2026, 5, 14), dt.date(2026, 8, 13)):
        if paid <= last:
            units = 30 if paid < dt.date(2024, 6, 3) else 20
            add(broker.id, "AAPL", paid, "dividend", amount=str(Decimal("0.24") * units),
                fees=str(Decimal("0.036") * units))
    add(broker.id, "BTC", dt.date(2023, 3, 10), "buy", quantity="0.15",
        price=str(price_on("BTC", dt.date(2023, 3, 10))), fees="2")


@pytest.fixture(scope="module")
def portfolio_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`streamlit run app.py` against a database holding only Alice's portfolio."""
    tmp = tmp_path_factory.mktemp("portfolio")
    db_url = f"sqlite:///{tmp / 'fintrack.db'}"
    db = Database(db_url)
    upgrade(db)
    seed(db, dt.date.today())
    db.dispose()
    yield from streamlit_server(tmp, db_url)


def log_in_as_alice(page: Page, server: Server) -> None:
    page.goto(server.url)
    page.get_by_role("textbox", name="Username").fill("alice")
    page.get_by_role("textbox", name="Password").fill("wonderland-42")
    page.get_by_role("button", name="Login").click()
    for _ in range(300):  # the login cookie's extra rerun (see test_overview_browser)
        if any(c["name"] == COOKIE_NAME for c in page.context.cookies()):
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(1000)


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option).click()


def shot(page: Page, name: str, full_page: bool = True) -> Path:
    page.wait_for_timeout(2000)  # Plotly finishes drawing
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def test_owner_sees_the_portfolio_with_price_ages_lots_and_returns(
        page: Page, portfolio_server: Server) -> None:
    log_in_as_alice(page, portfolio_server)
    page.get_by_role("link", name=re.compile("^Portfolio$")).click()
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible(timeout=30_000)
    total = page.get_by_test_id("stMetric").filter(has_text="Total value (EUR)")
    expect(total).to_be_visible(timeout=30_000)
    # the table is drawn on a canvas (its cells are not in the DOM): the screenshot shows
    # each price's age; the caption explains the mark
    expect(page.get_by_text(re.compile("marks a market price older than the last trading "
                                       "day"))).to_be_visible()
    expect(page.get_by_role("button", name="Refresh prices")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(3, timeout=30_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "portfolio_owner.png")

    lots = page.get_by_test_id("stExpander").filter(has_text=re.compile(r"VWCE\.DE in Depot:"))
    lots.get_by_text(re.compile(r"^VWCE\.DE in Depot:")).click()
    expect(lots.get_by_test_id("stDataFrame")).to_be_visible(timeout=15_000)
    lots.scroll_into_view_if_needed()
    shot(page, "portfolio_lots.png", full_page=False)

    page.get_by_text("Performance", exact=True).click()
    expect(page.get_by_text("Time-weighted return (TWR)")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Money-weighted return (XIRR)")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=30_000)
    choose(page, "Period", "Since the start")
    expect(page.get_by_text(re.compile(r"^2023-01-02 to "))).to_be_visible(timeout=30_000)
    choose(page, "Compare with a benchmark", "VWCE.DE · Vanguard FTSE All-World")
    expect(page.get_by_text("VWCE.DE (scaled)")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "portfolio_performance.png")

    page.get_by_text("Dividends", exact=True).click()
    expect(page.get_by_text(re.compile("Projected income, next 12 months"))).to_be_visible(
        timeout=30_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "portfolio_dividends.png")

    page.get_by_text("Manage", exact=True).click()
    expect(page.get_by_role("button", name="Add trade")).to_be_visible(timeout=30_000)
    page.get_by_role("textbox", name="Price per unit").fill("abc")
    page.get_by_role("button", name="Add trade").click()
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("price", timeout=30_000)
    shot(page, "portfolio_manage.png")


def test_refresh_offline_keeps_the_page_and_says_so_once(page: Page,
                                                         portfolio_server: Server) -> None:
    """This machine has no network: the real providers fail at once, the page stays with the
    last known prices, and the one sentence of the failure is shown (once)."""
    log_in_as_alice(page, portfolio_server)
    page.get_by_role("link", name=re.compile("^Portfolio$")).click()
    expect(page.get_by_role("button", name="Refresh prices")).to_be_visible(timeout=30_000)
    began = time.monotonic()
    page.get_by_role("button", name="Refresh prices").click()
    warning = page.get_by_test_id("stAlertContentWarning").filter(
        has_text="prices could not be updated")
    expect(warning).to_be_visible(timeout=90_000)
    assert time.monotonic() - began < 60  # the refresh's own deadline
    expect(page.get_by_test_id("stMetric").filter(has_text="Total value (EUR)")).to_be_visible()
    shot(page, "portfolio_offline.png", full_page=False)
    page.get_by_text("Dividends", exact=True).click()  # any next run
    expect(page.get_by_text(re.compile("Projected income"))).to_be_visible(timeout=30_000)
    expect(warning).to_have_count(0)
