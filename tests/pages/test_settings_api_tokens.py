"""Book & profile → API tokens: create a personal access token (its secret shown once),
list this book's tokens, revoke one after confirming; the same core as ``fintrack token``."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from fintrack_core.access import Scope
from fintrack_core.ledger.books import create_book
from fintrack_core.tokens.personal import TokenInvalid, create_token, list_tokens, verify_token
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

SETTINGS = "pages/settings.py"


def create_in_page(at: AppTest, name: str, access: str | None = None) -> AppTest:
    next(t for t in at.text_input if t.label == "Token name").input(name)
    if access:
        next(r for r in at.radio if r.label == "Access").set_value(access)
    next(b for b in at.button if b.label == "Create token").click().run()
    assert not at.exception, at.exception
    return at


def token_table(at: AppTest) -> list[str]:
    """The names in the API tokens table (the last dataframe of the page)."""
    frame = next(d.value for d in reversed(at.dataframe) if "Last used" in d.value.columns)
    return list(frame["Name"])


def test_a_new_token_is_shown_once_and_works(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = create_in_page(as_owner(SETTINGS), "bank sync", "read-write")

    [secret] = [c.value for c in at.code if c.value.startswith("ftp_")]
    identity = verify_token(small_book.db, secret)
    assert (identity.user_id, identity.book_id) == (small_book.owner.user_id,
                                                    small_book.owner.book_id)
    assert identity.writes
    assert token_table(at) == ["bank sync"]
    assert any("not shown again" in s.value for s in at.success)

    at.run()  # any next interaction: the secret is gone for good
    assert not [c for c in at.code if c.value.startswith("ftp_")]
    assert token_table(at) == ["bank sync"]


def test_an_expiry_date_is_the_last_day_the_token_works(small_book: SmallBook,
                                                         as_owner: OpenPage) -> None:
    at = as_owner(SETTINGS)
    last_day = dt.date.today() + dt.timedelta(days=30)
    next(d for d in at.date_input if d.label == "Works until (optional)").set_value(last_day)
    create_in_page(at, "quarterly export")
    [token] = list_tokens(small_book.db, small_book.owner.user_id)
    assert token.expires_at == dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())
    assert token.scope == "read"


def test_a_token_needs_a_name(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = create_in_page(as_owner(SETTINGS), "   ")
    assert any("needs a name" in e.value for e in at.error)
    assert list_tokens(small_book.db, small_book.owner.user_id) == []


def test_revoking_asks_first_then_the_token_stops_working(small_book: SmallBook,
                                                          as_owner: OpenPage) -> None:
    secret = create_token(small_book.owner, "old script", "read").secret
    at = as_owner(SETTINGS)
    next(b for b in at.button if b.label == "Revoke…").click().run()
    assert any("Revoke **old script**?" in w.value for w in at.warning)
    verify_token(small_book.db, secret)  # asking is not revoking

    next(b for b in at.button if b.label == "Yes, revoke").click().run()

    assert not at.exception
    with pytest.raises(TokenInvalid):
        verify_token(small_book.db, secret)
    frame = next(d.value for d in reversed(at.dataframe) if "Last used" in d.value.columns)
    assert list(frame["State"]) == ["revoked"]
    assert not [b for b in at.button if b.label == "Revoke…"]  # nothing left to revoke


def test_cancel_keeps_the_token(small_book: SmallBook, as_owner: OpenPage) -> None:
    secret = create_token(small_book.owner, "keeper", "read").secret
    at = as_owner(SETTINGS)
    next(b for b in at.button if b.label == "Revoke…").click().run()
    next(b for b in at.button if b.label == "Cancel").click().run()
    assert not at.warning
    assert verify_token(small_book.db, secret).token_id


def test_a_viewer_is_offered_read_tokens_only(small_book: SmallBook,
                                              as_viewer: OpenPage) -> None:
    at = as_viewer(SETTINGS)
    assert next(r for r in at.radio if r.label == "Access").options == ["Read only"]
    create_in_page(at, "bob's dashboard script")
    [secret] = [c.value for c in at.code if c.value.startswith("ftp_")]
    identity = verify_token(small_book.db, secret)
    assert (identity.user_id, identity.writes) == (small_book.viewer.user_id, False)


def test_tokens_of_other_books_and_other_users_are_not_listed(small_book: SmallBook,
                                                              as_owner: OpenPage) -> None:
    create_token(small_book.owner, "this book", "read")
    second = create_book(small_book.db, small_book.owner.user_id, "Holiday flat", "EUR")
    create_token(Scope(small_book.db, small_book.owner.user_id, second.id), "other book", "read")
    create_token(small_book.other, "carol's", "read")
    create_token(small_book.viewer, "bob's", "read")
    assert token_table(as_owner(SETTINGS)) == ["this book"]
