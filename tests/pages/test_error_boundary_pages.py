"""The error boundary in app.py and the filter checks, seen from the pages (issue 7, item 7).

Before: a bug or a filter amount of ``NaN``/``Infinity``/``1e400`` showed a full traceback.
"""

from __future__ import annotations

import re

import pytest

from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

REPORT_PAGES = ["pages/report_monthly.py", "pages/report_trends.py",
                "pages/report_categories.py", "pages/report_cashflow.py",
                "pages/report_explore.py"]


def test_a_bug_in_a_page_shows_an_error_id_not_a_traceback(
        small_book: SmallBook, as_owner: OpenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    import fintrack_core.ledger.overview

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("internal detail that users must not see")

    at = as_owner(None)
    monkeypatch.setattr(fintrack_core.ledger.overview, "overview", broken)
    at.run()
    assert not at.exception  # nothing reached Streamlit's own traceback display
    [shown] = [e.value for e in at.error]
    assert re.fullmatch(r"Something went wrong on this page \(error id \*\*[0-9a-f]{8}\*\*\)\. "
                        r"It was logged; please quote the id when reporting the problem\.",
                        shown)
    assert "ZeroDivisionError" not in shown
    assert "internal detail" not in shown
    assert at.sidebar.button(key="logout_button")  # the rest of the app still works


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-inf", "1e400"])
def test_transactions_filter_amounts_that_are_not_numbers_name_the_field(
        small_book: SmallBook, as_owner: OpenPage, amount: str) -> None:
    at = as_owner("pages/transactions.py")
    at.text_input(key="f_amin").input(amount).run()
    assert not at.exception, at.exception
    [shown] = [e.value for e in at.error]
    assert shown.startswith(md("amount_min: "))
    assert md(f"'{amount}' is not a number") in shown


def test_transactions_inverted_amount_range_is_explained(small_book: SmallBook,
                                                         as_owner: OpenPage) -> None:
    at = as_owner("pages/transactions.py")
    at.text_input(key="f_amin").input("70").run()
    at.text_input(key="f_amax").input("40").run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [md("amount_min: 70 is more than amount_max 40")]


@pytest.mark.parametrize("page", REPORT_PAGES)
@pytest.mark.parametrize("amount", ["NaN", "1e400"])
def test_report_filter_amounts_that_are_not_numbers_name_the_field(
        small_book: SmallBook, as_owner: OpenPage, page: str, amount: str) -> None:
    at = as_owner(page)
    at.sidebar.text_input(key="rf_amax").input(amount).run()
    assert not at.exception, at.exception
    [shown] = [e.value for e in at.error]
    assert shown.startswith(md("Report filters: amount_max: "))
