"""Clicking a bar in a real browser opens the transactions behind it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_overview_browser import log_in

pytestmark = pytest.mark.browser


def test_clicking_a_month_bar_lists_its_transactions(page: Page, demo_server: Server) -> None:
    log_in(page, demo_server)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
    more = page.get_by_text(re.compile(r"^View \d+ more$"))
    if more.count():
        more.first.click()
    page.get_by_role("link", name=re.compile("^Trends$")).click()
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1500)
    bars = chart.locator("g.trace.bars g.point path")
    expect(bars.first).to_be_visible(timeout=30_000)
    tallest = max(range(bars.count()),
                  key=lambda i: (bars.nth(i).bounding_box() or {"height": 0})["height"])
    box = bars.nth(tallest).bounding_box()
    assert box is not None
    # Plotly's drag layer sits above the bars: click where the bar is, as a person does.
    bars.nth(tallest).scroll_into_view_if_needed()
    box = bars.nth(tallest).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.get_by_text(re.compile(r"(Income|Expense) in .* · [\d,]+ transaction\(s\)"))
           ).to_be_visible(timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "drilldown.png"), full_page=True)
