"""A statement goes in through the real file picker and its transactions show up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_overview_browser import log_in

pytestmark = pytest.mark.browser

STATEMENT = (
    "Date,Description,Amount\n"
    "2026-10-02,Browser Test Bakery,-4.20\n"
    "2026-10-03,Browser Test Bookshop,-18.90\n"
)


def test_upload_preview_and_import_through_the_file_picker(page: Page, demo_server: Server,
                                                           tmp_path: Path) -> None:
    statement = tmp_path / "october.csv"
    statement.write_text(STATEMENT, encoding="utf-8")
    log_in(page, demo_server)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
    page.get_by_role("link", name=re.compile("Import")).click()
    expect(page.get_by_text("Import statements")).to_be_visible(timeout=30_000)
    # No account is preselected (issue 8): the user names the one the statement belongs to
    # (the one the old default chose; Girokonto has a demo purchase these rows resemble).
    page.get_by_test_id("stMultiSelect").first.click()
    page.get_by_role("option", name="Car loan (EUR)").click()
    page.keyboard.press("Escape")
    page.locator("input[type=file]").set_input_files(str(statement))
    button = page.get_by_role("button", name=re.compile(r"Import 2 transaction"))
    expect(button).to_be_visible(timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import_preview.png"), full_page=True)
    button.click()
    expect(page.get_by_text(re.compile(r"Imported 2 transaction\(s\) from october\.csv"))
           ).to_be_visible(timeout=30_000)
    page.get_by_role("link", name=re.compile("Transactions")).click()
    page.get_by_label("Text (payee, description, notes)").fill("Browser Test")
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"^2 matching transactions"))).to_be_visible(
        timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "import_result.png"), full_page=True)
