"""The real thing: Chromium logs in to a running FinTrack with demo data and reads the total."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.demo import DEMO_PASSWORD, DEMO_USERNAME
from fintrack_core.ledger.books import list_books
from fintrack_core.ledger.overview import overview
from fintrack_core.ledger.users import get_user
from fintrack_core.money import format_money
from fintrack_ui.login import COOKIE_NAME
from tests.browser.conftest import ARTIFACTS, Server

pytestmark = pytest.mark.browser


def expected_total(db_url: str) -> str:
    db = Database(db_url)
    user = get_user(db, DEMO_USERNAME)
    book = list_books(db, user.id)[0]
    data = overview(Scope(db, user.id, book.id))
    db.dispose()
    return format_money(data.total_minor, data.base_currency)


def log_in(page: Page, server: Server) -> None:
    page.goto(server.url)
    page.get_by_role("textbox", name="Username").fill(DEMO_USERNAME)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Login").click()
    # The login cookie is written by a component, confirmed by one more rerun; a click that
    # lands during that rerun can be lost, so wait for the cookie and the rerun to settle.
    for _ in range(300):
        if any(c["name"] == COOKIE_NAME for c in page.context.cookies()):
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(1000)


def test_login_shows_the_right_net_worth(page: Page, demo_server: Server) -> None:
    log_in(page, demo_server)
    metric = page.get_by_test_id("stMetric").filter(has_text="Net worth")
    expect(metric).to_be_visible(timeout=30_000)
    expect(metric.get_by_test_id("stMetricValue")).to_have_text(
        expected_total(demo_server.db_url))
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    page.wait_for_timeout(1500)  # let the Plotly chart finish drawing for the screenshot
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)


def test_transactions_page_pages_in_sql(page: Page, demo_server: Server) -> None:
    log_in(page, demo_server)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
    page.get_by_role("link", name=re.compile("Transactions")).click()
    expect(page.get_by_text(re.compile(r"[\d,]+ matching transactions"))).to_be_visible(
        timeout=30_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "transactions.png"), full_page=True)


def test_a_page_url_without_login_shows_the_login_form(page: Page,
                                                       demo_server: Server) -> None:
    page.goto(f"{demo_server.url}/transactions")
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("matching transactions")).to_have_count(0)
