"""Book & profile page (sharing, rates, locale) and the administrators' Admin page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from fintrack_core.ledger.books import list_members
from fintrack_core.ledger.fx import list_rates
from fintrack_core.ledger.users import authenticate
from tests.conftest import SmallBook
from tests.pages.conftest import ROOT, TIMEOUT, OpenPage, log_in

SETTINGS = "pages/settings.py"
ADMIN = "pages/admin.py"


def test_owner_shares_the_book_as_editor(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(SETTINGS)
    next(t for t in at.text_input if t.form_id == "share").input("carol")
    next(s for s in at.selectbox if s.form_id == "share").set_value("editor")
    next(b for b in at.button if b.label == "Share / change role").click().run()
    assert not at.exception
    roles = {m.username: m.role.value for m in list_members(small_book.owner)}
    assert roles == {"alice": "owner", "bob": "viewer", "carol": "editor"}


def test_owner_adds_an_exchange_rate(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(SETTINGS)
    form = {t.label: t for t in at.text_input if t.form_id == "rate"}
    form["1 unit of"].input("GBP")
    form["is worth"].input("1.1712")
    next(b for b in at.button if b.label == "Save rate").click().run()
    assert not at.exception
    assert any(r.base == "GBP" and r.rate == Decimal("1.1712")
               for r in list_rates(small_book.owner))


def test_locale_changes_money_formatting(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(SETTINGS)
    next(s for s in at.selectbox if s.label == "Number and date format").set_value("de_DE").run()
    at.switch_page("pages/overview.py").run()
    assert next(m.value for m in at.metric if m.label == "Net worth") == "8.060,99\xa0€"


def test_viewer_cannot_share_or_add_rates(small_book: SmallBook, as_viewer: OpenPage) -> None:
    at = as_viewer(SETTINGS)
    assert not [b for b in at.button if b.label in ("Share / change role", "Save rate")]
    assert "Only owners can share the book." in [c.value for c in at.caption]


def test_admin_page_is_listed_for_administrators_only(small_book: SmallBook) -> None:
    owner = log_in("alice", "wonderland-42")
    owner.switch_page(ADMIN).run()
    assert owner.title[0].value == "Admin"
    viewer = log_in("bob", "builder-jobs1")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        viewer.switch_page(ADMIN)
    # Even run directly with bob's session, the page refuses him.
    direct = AppTest.from_file(str(ROOT / ADMIN), default_timeout=TIMEOUT)
    direct.session_state["authentication_status"] = True
    direct.session_state["username"] = "bob"
    direct.session_state["session_epoch"] = 0
    direct.run()
    assert direct.error[0].value == "This page is for administrators."
    assert not direct.dataframe


def test_admin_adds_a_user_and_resets_a_password(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(ADMIN)
    form = {t.label: t for t in at.text_input if t.form_id == "add_user"}
    form["Username"].input("dave")
    form["Name"].input("Dave")
    form["Initial password"].input("goliath-slayer")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not at.exception
    assert authenticate(small_book.db, "dave", "goliath-slayer") is not None
    next(s for s in at.selectbox if s.form_id == "reset_pw").set_value("bob")
    next(t for t in at.text_input if t.form_id == "reset_pw").input("fresh-start-88")
    next(b for b in at.button if b.label == "Reset password").click().run()
    assert authenticate(small_book.db, "bob", "fresh-start-88") is not None
    assert log_in("dave", "goliath-slayer").title[0].value == "Overview"
