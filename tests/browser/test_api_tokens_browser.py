"""Book & profile → API tokens in a real browser: create a token, see its secret once in a
code block, then the list; screenshot kept in tests/artifacts/settings_api_tokens.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_overview_browser import log_in
from tests.browser.test_subscriptions_browser import open_page

pytestmark = pytest.mark.browser


def test_a_token_is_created_and_its_secret_shown_once(page: Page, demo_server: Server) -> None:
    log_in(page, demo_server)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
    open_page(page, "Book & profile")
    page.get_by_role("tab", name="API tokens").click()
    page.get_by_role("textbox", name="Token name").fill("home assistant")
    page.get_by_text("Read and write").click()
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_test_id("stCode").filter(has_text=re.compile(r"ftp_"))
    expect(secret).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Copy it now: it is not shown again.")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "settings_api_tokens.png"), full_page=True)
