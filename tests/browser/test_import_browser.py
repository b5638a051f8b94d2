"""A statement goes in through the real file picker and its transactions show up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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
    page.locator("input[type=file]").first.set_input_files(str(statement))  # not the profiles'

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


FINNISH = Path(__file__).resolve().parents[1] / "fixtures" / "statements" / "quirks" / \
    "finnish_compact_dates.csv"


def _choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``, once the rerun that
    redraws the form has removed the previous one (its widgets are keyed anew). The list is
    virtualised (a long one shows only its top), so the option is typed to filter it; a
    click that lands during a rerun is lost, so it is tried again once."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label)
    for attempt in range(2):
        expect(box).to_have_count(1, timeout=30_000)
        box.click()
        try:
            expect(page.get_by_role("listbox")).to_be_visible(timeout=5_000)
            page.keyboard.type(option)
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            return
        except (AssertionError, PlaywrightTimeout):
            if attempt:
                raise
            page.keyboard.press("Escape")


def test_a_file_detection_cannot_read_is_mapped_by_hand_and_saved_as_a_profile(
        page: Page, demo_server: Server) -> None:
    """Finnish headers and 05032024 dates: detection finds the date column by its Finnish
    name but cannot read 05032024; the user names the format, imports, and saves the
    mapping as a bank profile."""
    log_in(page, demo_server)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
    page.get_by_role("link", name=re.compile("Import")).click()
    expect(page.get_by_text("Import statements")).to_be_visible(timeout=30_000)
    accounts = page.get_by_test_id("stMultiSelect").first
    if "Car loan (EUR)" not in accounts.inner_text():  # the last import's, when run after it
        accounts.click()
        page.get_by_role("option", name="Car loan (EUR)").click()
        page.keyboard.press("Escape")
    page.locator("input[type=file]").first.set_input_files(str(FINNISH))
    expect(page.get_by_text(re.compile("'Kirjauspäivä' does not hold dates"))).to_be_visible(
        timeout=30_000)
    expect(page.get_by_text("Kirjauspäivä;Saaja/Maksaja;Viesti;Summa;Valuutta")).to_be_visible()

    _choose(page, "Date format", "DDMMYYYY (05032024)")
    button = page.get_by_role("button", name=re.compile(r"Import 3 transaction"))
    expect(button).to_be_visible(timeout=30_000)
    _choose(page, "Payee column", "Saaja/Maksaja")
    expect(page.get_by_text("K-Market Kamppi").locator("visible=true").first).to_be_visible(
        timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import_mapping_by_hand.png"), full_page=True)

    offer = page.get_by_text(re.compile("was read with a mapping you made by hand"))
    for attempt in range(2):  # a click that lands during a rerun is dropped: once more
        page.get_by_role("button", name=re.compile(r"Import 3 transaction")).click()
        try:
            expect(offer).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            if attempt:
                raise
    page.get_by_role("textbox", name="Profile name").first.fill("nordea_fi")
    page.get_by_role("button", name="Save as a bank profile").first.click()
    expect(page.get_by_text(re.compile("Saved the bank profile 'nordea_fi'"))).to_be_visible(
        timeout=30_000)
    expect(page.get_by_role("button", name="Export")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Built-in profiles (12)")).to_have_count(1, timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "import_profile_saved.png"), full_page=True)
