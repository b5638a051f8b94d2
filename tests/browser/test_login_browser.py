"""A login holds in a real browser: across a reload and in a new tab, until logging out or a
password change elsewhere (issue 7, items 9 and 12)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from fintrack_core.db.engine import Database
from fintrack_core.demo import DEMO_PASSWORD, DEMO_USERNAME
from fintrack_core.ledger.users import change_password, get_user
from fintrack_ui.login import COOKIE_NAME
from tests.browser.conftest import Server
from tests.browser.test_overview_browser import log_in

pytestmark = pytest.mark.browser


def login_cookie(context: BrowserContext, timeout: float = 15) -> dict[str, Any] | None:
    """The login cookie, once the browser has it (the component sets it asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for cookie in context.cookies():
            if cookie["name"] == COOKIE_NAME:
                return dict(cookie)
        time.sleep(0.2)
    return None


def expect_logged_in(page: Page) -> None:
    expect(page.get_by_test_id("stMetric").filter(has_text="Net worth")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_role("textbox", name="Username")).to_have_count(0)


def expect_login_form(page: Page) -> None:
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)


def test_a_reload_and_a_new_tab_stay_logged_in_until_logout(page: Page,
                                                           demo_server: Server) -> None:
    log_in(page, demo_server)
    expect_logged_in(page)
    cookie = login_cookie(page.context)
    assert cookie is not None, "the login cookie was never set"
    assert cookie["expires"] > time.time() + 6 * 86400  # lives for the configured 7 days
    assert cookie["sameSite"] == "Strict"

    page.reload()
    expect_logged_in(page)

    tab = page.context.new_page()
    tab.goto(demo_server.url)
    expect_logged_in(tab)
    tab.close()

    page.get_by_role("button", name="Log out").click()
    expect_login_form(page)
    deadline = time.monotonic() + 15
    while login_cookie(page.context, timeout=0.2) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert login_cookie(page.context, timeout=0.2) is None, "logout left the cookie behind"
    page.reload()
    expect_login_form(page)


def test_a_password_change_elsewhere_ends_the_browser_session(page: Page,
                                                             demo_server: Server) -> None:
    log_in(page, demo_server)
    expect_logged_in(page)
    assert login_cookie(page.context) is not None
    db = Database(demo_server.db_url)
    user_id = get_user(db, DEMO_USERNAME).id
    change_password(db, user_id, DEMO_PASSWORD, "changed-elsewhere-1")
    try:
        page.reload()  # the cookie is still there, but from before the change
        expect_login_form(page)
        expect(page.get_by_test_id("stMetric")).to_have_count(0)
    finally:
        change_password(db, user_id, "changed-elsewhere-1", DEMO_PASSWORD)
        db.dispose()
