"""Books and members: owners share as editor or viewer, change roles, remove members; a book
always keeps one owner."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from fintrack_core.access import Scope
from fintrack_core.db.models import Role
from fintrack_core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.categories import list_categories

if TYPE_CHECKING:
    from tests.conftest import SmallBook


def user_id(sb: SmallBook, username: str) -> int:
    return users.get_user(sb.db, username).id


def roles(scope: Scope) -> dict[str, Role]:
    return {m.username: m.role for m in books.list_members(scope)}


def test_list_books_shows_each_users_books_with_their_role(small_book: SmallBook) -> None:
    sb = small_book
    alice, bob, carol = (user_id(sb, n) for n in ("alice", "bob", "carol"))
    assert [(b.name, b.role) for b in books.list_books(sb.db, alice)] == [
        ("Alice's book", Role.OWNER)]
    assert [(b.name, b.role) for b in books.list_books(sb.db, bob)] == [
        ("Alice's book", Role.VIEWER), ("Bob's book", Role.OWNER)]
    assert [(b.name, b.role) for b in books.list_books(sb.db, carol)] == [
        ("Carol's book", Role.OWNER)]
    assert books.list_books(sb.db, 9999) == []


def test_get_book_reports_the_callers_role(small_book: SmallBook) -> None:
    owner_view = books.get_book(small_book.owner)
    viewer_view = books.get_book(small_book.viewer)
    assert (owner_view.name, owner_view.base_currency, owner_view.role) == (
        "Alice's book", "EUR", Role.OWNER)
    assert viewer_view.role == Role.VIEWER
    assert viewer_view.id == owner_view.id


def test_create_book_makes_the_creator_owner_with_default_categories(small_book: SmallBook) -> None:
    alice = user_id(small_book, "alice")
    holiday = books.create_book(small_book.db, alice, "Holiday house", "chf")
    assert (holiday.name, holiday.base_currency, holiday.role) == (
        "Holiday house", "CHF", Role.OWNER)
    scope = Scope(small_book.db, alice, holiday.id)
    assert "Transportation → Car → Fuel" in {c.path for c in list_categories(scope)}
    assert accounts.list_accounts(scope) == []


@pytest.mark.parametrize(
    ("name", "currency", "field"),
    [("  ", "EUR", "name"), ("Holiday house", "EURO", "base_currency")],
)
def test_create_book_validates_name_and_currency(small_book: SmallBook, name: str, currency: str,
                                                 field: str) -> None:
    alice = user_id(small_book, "alice")
    with pytest.raises(ValidationError) as err:
        books.create_book(small_book.db, alice, name, currency)
    assert err.value.field == field
    assert len(books.list_books(small_book.db, alice)) == 1


def test_owner_renames_and_changes_base_currency(small_book: SmallBook) -> None:
    books.update_book(small_book.owner, name=" Family ", base_currency="usd")
    view = books.get_book(small_book.owner)
    assert (view.name, view.base_currency) == ("Family", "USD")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"name": ""}, "name"), ({"base_currency": "DOLLAR"}, "base_currency")],
)
def test_update_book_validates(small_book: SmallBook, changes: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        books.update_book(small_book.owner, **changes)
    assert err.value.field == field
    assert books.get_book(small_book.owner).name == "Alice's book"


def test_an_editor_writes_but_cannot_manage_the_book(small_book: SmallBook) -> None:
    sb = small_book
    books.share_book(sb.owner, "carol", Role.EDITOR)
    carol_in_a = Scope(sb.db, user_id(sb, "carol"), sb.owner.book_id)
    added = tx.add_transaction(carol_in_a, tx.TransactionInput(
        sb.checking.id, dt.date(2024, 3, 20), "-3.20", "Bäckerei",
        category_id=sb.categories["Coffee"]))
    assert added.amount_minor == -320
    with pytest.raises(PermissionDenied):
        books.update_book(carol_in_a, name="Carol's now")
    with pytest.raises(PermissionDenied):
        books.share_book(carol_in_a, "bob", Role.EDITOR)
    with pytest.raises(PermissionDenied):
        books.remove_member(carol_in_a, user_id(sb, "bob"))
    assert roles(sb.owner) == {"alice": Role.OWNER, "bob": Role.VIEWER, "carol": Role.EDITOR}


def test_a_viewer_reads_but_cannot_write(small_book: SmallBook) -> None:
    sb = small_book
    assert [a.name for a in accounts.list_accounts(sb.viewer)] == [
        "Girokonto", "Tagesgeld", "US Visa"]
    with pytest.raises(PermissionDenied, match="viewer"):
        tx.add_transaction(sb.viewer, tx.TransactionInput(sb.checking.id, dt.date(2024, 3, 20),
                                                          "-3.20", "Bäckerei"))


def test_owner_changes_a_members_role(small_book: SmallBook) -> None:
    books.share_book(small_book.owner, "bob", "editor")
    assert roles(small_book.owner)["bob"] == Role.EDITOR
    account = accounts.create_account(small_book.viewer, "Cash", "cash", "EUR", "40")
    assert account.opening_balance == 4000


def test_share_with_unknown_user_or_role_is_refused(small_book: SmallBook) -> None:
    with pytest.raises(NotFound):
        books.share_book(small_book.owner, "nobody", Role.VIEWER)
    with pytest.raises(ValidationError) as err:
        books.share_book(small_book.owner, "carol", "admin")
    assert err.value.field == "role"
    assert set(roles(small_book.owner)) == {"alice", "bob"}


def test_share_finds_the_user_whatever_the_case(small_book: SmallBook) -> None:
    books.share_book(small_book.owner, " Carol ", Role.VIEWER)
    assert roles(small_book.owner)["carol"] == Role.VIEWER


def test_removed_member_loses_access(small_book: SmallBook) -> None:
    sb = small_book
    bob = user_id(sb, "bob")
    books.remove_member(sb.owner, bob)
    assert roles(sb.owner) == {"alice": Role.OWNER}
    assert [b.name for b in books.list_books(sb.db, bob)] == ["Bob's book"]
    with pytest.raises(PermissionDenied, match="not a member"):
        accounts.list_accounts(sb.viewer)


def test_removing_a_non_member_is_not_found(small_book: SmallBook) -> None:
    with pytest.raises(NotFound):
        books.remove_member(small_book.owner, user_id(small_book, "carol"))


def test_the_last_owner_cannot_be_removed_or_demoted(small_book: SmallBook) -> None:
    sb = small_book
    alice = user_id(sb, "alice")
    with pytest.raises(Conflict, match="at least one owner"):
        books.remove_member(sb.owner, alice)
    with pytest.raises(Conflict, match="at least one owner"):
        books.share_book(sb.owner, "alice", Role.EDITOR)
    assert roles(sb.owner)["alice"] == Role.OWNER


def test_with_a_second_owner_the_first_may_step_down(small_book: SmallBook) -> None:
    sb = small_book
    books.share_book(sb.owner, "bob", Role.OWNER)
    books.share_book(sb.owner, "alice", Role.VIEWER)
    assert roles(sb.viewer) == {"alice": Role.VIEWER, "bob": Role.OWNER}
    with pytest.raises(PermissionDenied):
        books.update_book(sb.owner, name="Still mine?")
    books.remove_member(sb.viewer, user_id(sb, "alice"))
    assert roles(sb.viewer) == {"bob": Role.OWNER}
