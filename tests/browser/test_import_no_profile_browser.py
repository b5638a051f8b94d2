"""Statements of banks FinTrack has no profile for, imported through the real file picker as
a new user would: a German export with a preamble and Soll/Haben columns, and a Dutch one
with an unsigned amount and an Af/Bij direction column (issue 9)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_overview_browser import log_in

pytestmark = pytest.mark.browser

GENERIC = Path(__file__).resolve().parents[1] / "fixtures" / "statements" / "generic"


@pytest.mark.parametrize(("name", "new", "summary"), [
    ("de_soll_haben_preamble.csv", 7, "8 rows read: 7 new, 0 duplicates, 1 skipped"),
    ("nl_af_bij.csv", 6, "6 rows read: 6 new, 0 duplicates, 0 skipped, 0 invalid"),
])
def test_a_statement_of_a_bank_without_a_profile_imports_right_first_time(
        page: Page, demo_server: Server, name: str, new: int, summary: str) -> None:
    log_in(page, demo_server)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
    page.get_by_role("link", name=re.compile("Import")).click()
    expect(page.get_by_text("Import statements")).to_be_visible(timeout=30_000)
    chooser = page.get_by_test_id("stMultiSelect").first
    expect(chooser).to_be_visible(timeout=30_000)
    if "Cash wallet" not in chooser.inner_text():  # offered again after the first import
        chooser.click()
        page.get_by_role("option", name="Cash wallet (EUR)").click()
        page.keyboard.press("Escape")
    page.locator("input[type=file]").first.set_input_files(str(GENERIC / name))

    button = page.get_by_role("button", name=re.compile(rf"Import {new} transaction"))
    expect(button).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(re.escape(summary)))).to_be_visible(timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"import_no_profile_{name[:2]}.png"), full_page=True)
    button.click()
    expect(page.get_by_text(re.compile(rf"Imported {new} transaction\(s\) from "
                                       rf"{re.escape(name)}"))).to_be_visible(timeout=30_000)
