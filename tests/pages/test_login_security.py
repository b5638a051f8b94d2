"""The login page signs in through fintrack_core.auth.signin (throttled, second factor), and a
password change ends the user's other sessions (issue 7, items 10 and 12)."""

from __future__ import annotations

import datetime as dt

import pyotp
import time_machine

from fintrack_core.auth import twofactor
from fintrack_core.auth.signin import utcnow
from fintrack_core.ledger.users import authenticate, reset_password
from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.pages.conftest import log_in

START = dt.datetime(2026, 11, 30, 23, 59, 0, tzinfo=dt.UTC)  # a month end, before midnight


def errors(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.value for e in at.error]


def test_five_wrong_passwords_lock_the_login_even_for_the_right_one(
        small_book: SmallBook) -> None:
    with time_machine.travel(START):
        for _ in range(4):
            assert errors(log_in("alice", "wrong-guess-123")) == [
                "Username or password is incorrect."]
        assert errors(log_in("alice", "wrong-guess-123")) == [
            "Username or password is incorrect; too many failed attempts; try again in "
            "1 minute."]
        at = log_in("alice", "wonderland-42")
        assert errors(at) == ["Too many failed attempts; try again in 1 minute."]
        assert not any(t.value == "Overview" for t in at.title)
    with time_machine.travel(START + dt.timedelta(minutes=1, seconds=5)):
        assert log_in("alice", "wonderland-42").title[0].value == "Overview"


def test_an_unknown_username_gets_the_same_message(small_book: SmallBook) -> None:
    assert errors(log_in("nobody", "wrong-guess-123")) == ["Username or password is incorrect."]


def test_two_factor_login_asks_for_the_code(small_book: SmallBook) -> None:
    setup = twofactor.new_totp_setup("alice")
    totp = pyotp.TOTP(setup.secret)
    earlier = utcnow() - dt.timedelta(minutes=2)
    twofactor.enable_totp(small_book.db, small_book.owner.user_id, "wonderland-42",
                          setup.secret, totp.at(earlier.replace(tzinfo=dt.UTC)), earlier)
    at = log_in("alice", "wonderland-42")
    assert not any(t.value == "Overview" for t in at.title)
    assert at.info[0].value.startswith("Enter the 6-digit code")
    inputs = {t.label: t for t in at.text_input}
    inputs["Authentication code"].input(totp.now())
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Overview"


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
        small_book: SmallBook) -> None:
    elsewhere = log_in("alice", "wonderland-42")  # e.g. a phone
    at = log_in("alice", "wonderland-42")
    at.switch_page("pages/settings.py").run()

    def change(current: str, new: str) -> None:
        fields = {t.label: t for t in at.text_input if t.form_id == "password"}
        fields["Current password"].input(current)
        fields["New password"].input(new)
        fields["Repeat new password"].input(new)
        next(b for b in at.button if b.label == "Change password").click().run()

    change("not-my-password", "looking-glass-7")
    assert errors(at) == [md("current_password: is not your current password")]
    assert authenticate(small_book.db, "alice", "wonderland-42")
    change("wonderland-42", "looking-glass-7")
    assert not at.exception
    assert at.success[0].value.startswith(md("Password changed."))
    assert authenticate(small_book.db, "alice", "looking-glass-7")
    at.switch_page("pages/overview.py").run()
    assert at.title[0].value == "Overview", "this session goes on"
    elsewhere.switch_page("pages/overview.py").run()
    assert [t.label for t in elsewhere.text_input][:2] == ["Username", "Password"]
    assert elsewhere.success[0].value == "Your password was changed; please log in again."


def test_an_admin_reset_ends_the_users_sessions(small_book: SmallBook) -> None:
    bob = log_in("bob", "builder-jobs1")
    assert bob.title[0].value == "Overview"
    reset_password(small_book.db, small_book.owner.user_id, "bob", "fresh-start-77")
    bob.run()
    assert [t.label for t in bob.text_input][:2] == ["Username", "Password"]
