"""The login gate: first run, login, logout, and no page without a login."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fintrack_core.db.engine import Database
from fintrack_core.ledger.users import authenticate, count_users, get_user
from tests.conftest import SmallBook
from tests.pages.conftest import ROOT, TIMEOUT, log_in, new_app

PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


def test_first_run_offers_the_administrator_form_and_demo_data(db: Database) -> None:
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "Welcome to FinTrack"
    assert any(b.label == "Explore with demo data" for b in at.button)
    labels = [t.label for t in at.text_input]
    assert "Username" in labels
    assert "Password" in labels


def test_first_user_created_from_the_welcome_screen_is_administrator(db: Database) -> None:
    at = new_app().run()
    form = {t.label: t for t in at.text_input}
    form["Username"].input("ada")
    form["Your name"].input("Ada L.")
    form["Password"].input("correct-horse")
    form["Repeat password"].input("correct-horse")
    form["Base currency (ISO 4217)"].input("GBP")
    next(b for b in at.button if b.label == "Create account").click().run()
    assert not at.exception
    assert count_users(db) == 1
    user = authenticate(db, "ada", "correct-horse")
    assert user is not None
    assert user.is_admin
    assert "please log in" in at.success[0].value
    at.run()
    assert "please log in" in at.success[0].value  # until the login, not for one run only
    at = log_in("ada", "correct-horse")
    assert at.title[0].value == "Overview"


def test_mismatched_passwords_create_nobody(db: Database) -> None:
    at = new_app().run()
    form = {t.label: t for t in at.text_input}
    form["Username"].input("ada")
    form["Password"].input("correct-horse")
    form["Repeat password"].input("correct-horsE")
    next(b for b in at.button if b.label == "Create account").click().run()
    assert at.error[0].value == "The two passwords differ."
    assert count_users(db) == 0


def test_wrong_password_is_refused(small_book: SmallBook) -> None:
    at = log_in("alice", "not-her-password")
    assert any("incorrect" in e.value for e in at.error)
    assert not any(t.value == "Overview" for t in at.title)


def test_login_then_logout(small_book: SmallBook) -> None:
    at = log_in("alice", "wonderland-42")
    assert at.title[0].value == "Overview"
    next(b for b in at.sidebar.button if b.label == "Log out").click().run()
    assert not at.exception
    assert [t.label for t in at.text_input][:2] == ["Username", "Password"]


@pytest.mark.parametrize("page", PAGES)
def test_a_logged_out_session_cannot_open_a_page_directly(small_book: SmallBook,
                                                          page: str) -> None:
    """A page file run on its own (as Streamlit's legacy mode would for its URL) shows no data."""
    at = AppTest.from_file(str(Path(ROOT, "pages", page)), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.warning[0].value == "Please log in first."
    assert not at.dataframe
    assert not at.metric


def test_explore_with_demo_data_creates_the_demo_user(db: Database) -> None:
    at = new_app().run()
    next(b for b in at.button if b.label == "Explore with demo data").click().run()
    assert not at.exception
    hint = "Demo data ready. Log in as 'demo' with password 'explore-fintrack'."
    assert at.success[0].value == hint
    at.run()  # a later rerun (the cookie component's, seconds after) keeps the hint
    assert [m.value for m in at.success] == [hint]
    at = log_in("demo", "explore-fintrack")
    assert at.title[0].value == "Overview"
    assert len(at.dataframe[0].value) == 7  # six demo accounts and the demo depot


def test_after_demo_data_the_administrator_can_still_be_created(db: Database) -> None:
    """The demo user (published password) is no administrator; the login page leads to the
    form that creates the real one, and then stops offering it."""
    at = new_app().run()
    next(b for b in at.button if b.label == "Explore with demo data").click().run()
    assert not get_user(db, "demo").is_admin
    assert at.info[0].value == "This FinTrack has no administrator yet."
    next(b for b in at.button if b.label == "Create the administrator").click().run()
    assert at.title[0].value == "Welcome to FinTrack"
    assert not any(b.label == "Explore with demo data" for b in at.button)
    form = {t.label: t for t in at.text_input}
    form["Username"].input("ada")
    form["Password"].input("correct-horse")
    form["Repeat password"].input("correct-horse")
    next(b for b in at.button if b.label == "Create account").click().run()
    assert not at.exception
    assert get_user(db, "ada").is_admin
    assert not at.info
    assert [t.label for t in at.text_input][:2] == ["Username", "Password"]
