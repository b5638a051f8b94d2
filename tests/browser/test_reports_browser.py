"""Each report page in a real browser with demo data: it renders a chart, and we keep a
screenshot of it (tests/artifacts/report_*.png) to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_overview_browser import log_in

pytestmark = pytest.mark.browser

PAGES = [("Monthly summary", "report_monthly"), ("Trends", "report_trends"),
         ("Category analytics", "report_categories"), ("Cash flow", "report_cashflow"),
         ("Net worth", "report_networth"), ("Explore", "report_explore")]


def test_every_report_page_draws_its_charts(page: Page, demo_server: Server) -> None:
    log_in(page, demo_server)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for title, slug in PAGES:
        # Every page is listed: none folded behind "View N more" (issue 8).
        expect(page.get_by_text(re.compile(r"^View \d+ more$"))).to_have_count(0)
        page.get_by_role("link", name=re.compile(f"^{title}$")).click()
        heading = page.get_by_role("heading", name=re.compile(title.split()[0]))
        try:
            expect(heading).to_be_visible(timeout=15_000)
        except AssertionError:  # a click during a rerun of the previous page can be dropped
            page.get_by_role("link", name=re.compile(f"^{title}$")).click()
            expect(heading).to_be_visible(timeout=30_000)
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / f"{slug}.png"), full_page=True)


OTHER_PAGES = [("Overview", "page_overview"), ("Transactions", "page_transactions"),
               ("Import", "page_import"), ("Accounts", "page_accounts"),
               ("Categories", "page_categories"), ("Rules", "page_rules"),
               ("Book & profile", "page_settings")]


def test_every_other_page_renders_for_a_screenshot(page: Page, demo_server: Server) -> None:
    """Screenshots (tests/artifacts/page_*.png) of the non-report pages, to look at."""
    log_in(page, demo_server)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for title, slug in OTHER_PAGES:
        page.get_by_role("link", name=re.compile(f"^{re.escape(title)}$")).click()
        expect(page.get_by_role("heading").first).to_be_visible(timeout=30_000)
        page.wait_for_timeout(2500)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / f"{slug}.png"), full_page=True)


def test_the_budgets_page_draws_its_bars_and_history(page: Page, demo_server: Server) -> None:
    """The demo's budgets in a real browser (tests/artifacts/page_budgets.png to look at)."""
    log_in(page, demo_server)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("link", name=re.compile("^Budgets$")).click()
    expect(page.get_by_role("heading", name="Budgets")).to_be_visible(timeout=30_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=30_000)
    expect(page.get_by_text("Food → Restaurants").first).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.wait_for_timeout(2500)
    page.screenshot(path=str(ARTIFACTS / "page_budgets.png"), full_page=True)
    page.get_by_role("heading", name="Alerts").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "page_budgets_lower.png"), full_page=True)
