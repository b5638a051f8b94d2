"""Subscriptions and Forecast in a real browser with demo data; screenshots kept in
tests/artifacts (page_subscriptions.png, page_forecast.png) to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_overview_browser import log_in

pytestmark = pytest.mark.browser


def open_page(page: Page, title: str) -> None:
    link = page.get_by_role("link", name=re.compile(f"^{title}$"))
    link.click()
    heading = page.get_by_role("heading", name=re.compile(f"^{title}"))
    try:
        expect(heading).to_be_visible(timeout=15_000)
    except AssertionError:  # a click during a rerun of the previous page can be dropped
        link.click()
        expect(heading).to_be_visible(timeout=30_000)


def test_subscriptions_show_the_demos_alerts(page: Page, demo_server: Server) -> None:
    log_in(page, demo_server)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
    # The Overview: bills due this week and the demo's two alerts.
    expect(page.get_by_role("heading", name="Upcoming bills")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Urban Sports Club").first).to_be_visible()
    page.get_by_role("heading", name="Upcoming bills").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview_bills.png"))
    open_page(page, "Subscriptions")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile("Spotify: price changed from"))).to_be_visible()
    expect(page.get_by_text(re.compile("Urban Sports Club: the payment of"))).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.wait_for_timeout(2000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page_subscriptions.png"), full_page=True)
    page.get_by_role("button", name="Confirm as schedule").scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "page_subscriptions_form.png"))


def test_forecast_draws_the_balances_ahead(page: Page, demo_server: Server) -> None:
    log_in(page, demo_server)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
    open_page(page, "Forecast")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Expected payments")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.wait_for_timeout(2000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page_forecast.png"), full_page=True)
