"""Transactions and transfers: validated once with errors naming the field, transfers write
both legs or none, bulk edits are all-or-nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from fintrack_core.db.models import Transaction
from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.ledger import accounts
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.categories import list_categories
from fintrack_core.ledger.search import list_transactions
from tests.conftest import clock_kept_on

if TYPE_CHECKING:
    from tests.conftest import SmallBook

DAY = dt.date(2024, 3, 20)
TOMORROW = dt.date.today() + dt.timedelta(days=1)


_clock = clock_kept_on(TOMORROW - dt.timedelta(days=1))

Snap = Callable[..., Any]


def entry(sb: SmallBook, **changes: Any) -> tx.TransactionInput:
    """A realistic grocery purchase on the checking account, with ``changes`` applied."""
    values: dict[str, Any] = {"account_id": sb.checking.id, "date": DAY, "amount": "-23.45",
                              "payee": "Edeka", "description": "Groceries",
                              "category_id": sb.categories["Groceries"]}
    values.update(changes)
    return tx.TransactionInput(**values)


def stored(sb: SmallBook, transaction_id: int) -> Transaction | None:
    with sb.db.read() as s:
        return s.get(Transaction, transaction_id)


def book_rows(sb: SmallBook) -> list[tuple[int, int, int, str | None]]:
    with sb.db.read() as s:
        return [tuple(r) for r in s.execute(  # type: ignore[misc]
            select(Transaction.id, Transaction.account_id, Transaction.amount_minor,
                   Transaction.transfer_id).where(Transaction.book_id == sb.owner.book_id)
            .order_by(Transaction.id))]


# --- adding -------------------------------------------------------------------------------


def test_add_stores_exact_minor_units_in_the_account_currency(small_book: SmallBook) -> None:
    sb = small_book
    t = tx.add_transaction(sb.owner, entry(sb, payee="  Edeka  ", notes="Weekend shop",
                                           tags=["Food", " #weekly", "food"]))
    assert (t.amount_minor, t.currency, t.amount) == (-2345, "EUR", Decimal("-23.45"))
    assert (t.payee, t.notes, t.tags, t.scheduled, t.transfer_id) == (
        "Edeka", "Weekend shop", ["food", "weekly"], False, None)
    row = stored(sb, t.id)
    assert row is not None
    assert (row.amount_minor, row.tags, row.book_id) == (-2345, ",food,weekly,", sb.owner.book_id)


def test_add_in_a_usd_account_uses_usd(small_book: SmallBook) -> None:
    t = tx.add_transaction(small_book.owner, entry(small_book, account_id=small_book.card.id,
                                                   amount="-19.99", payee="Amazon.com",
                                                   category_id=small_book.categories["Electronics"]))
    assert (t.amount_minor, t.currency) == (-1999, "USD")


def test_uncategorised_transactions_are_allowed(small_book: SmallBook) -> None:
    t = tx.add_transaction(small_book.owner, entry(small_book, category_id=None))
    assert t.category_id is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": ""}, "amount", "is empty"),
        ({"amount": "   "}, "amount", "is empty"),
        ({"amount": "0.00"}, "amount", "must not be zero"),
        ({"amount": "-23.456"}, "amount", "more decimals"),
        ({"amount": 23.45}, "amount", "float"),
        ({"amount": "twelve"}, "amount", "not a number"),
        ({"date": TOMORROW}, "date", "in the future"),
        ({"date": "2024-03-20"}, "date", "not a date"),
        ({"category_key": "Savings"}, "category", "transfer category"),
        ({"category_key": "Salary"}, "category", "income category"),
        ({"payee": "x" * 201}, "payee", "limit is 200"),
        ({"notes": "x" * 2001}, "notes", "limit is 2000"),
    ],
)
def test_add_validation_names_the_field(small_book: SmallBook, snapshot: Snap,
                                        changes: dict[str, Any], field: str,
                                        message: str) -> None:
    sb = small_book
    if "category_key" in changes:
        changes = {"category_id": sb.categories[changes.pop("category_key")]}
    before = snapshot(sb.db)
    with pytest.raises(ValidationError) as err:
        tx.add_transaction(sb.owner, entry(sb, **changes))
    assert err.value.field == field
    assert message in err.value.message
    assert snapshot(sb.db) == before


def test_an_income_category_accepts_money_in_and_an_expense_category_a_refund(
        small_book: SmallBook) -> None:
    sb = small_book
    bonus = tx.add_transaction(sb.owner, entry(sb, amount="400", payee="ACME GmbH",
                                               category_id=sb.categories["Bonus"]))
    refund = tx.add_transaction(sb.owner, entry(sb, amount="5.99", payee="Edeka"))
    assert (bonus.amount_minor, refund.amount_minor) == (40000, 599)


def test_a_future_date_is_allowed_only_when_scheduled(small_book: SmallBook) -> None:
    sb = small_book
    rent = tx.add_transaction(sb.owner, entry(sb, date=TOMORROW, amount="-850", payee="Landlord",
                                              category_id=sb.categories["Rent"], scheduled=True))
    assert (rent.date, rent.scheduled) == (TOMORROW, True)
    assert accounts.balance(sb.owner, sb.checking.id, dt.date.today()) == 278563
    assert accounts.balance(sb.owner, sb.checking.id, TOMORROW) == 278563 - 85000


def test_a_closed_account_refuses_new_transactions(small_book: SmallBook) -> None:
    sb = small_book
    accounts.close_account(sb.owner, sb.checking.id, dt.date(2024, 3, 31))
    with pytest.raises(ValidationError) as err:
        tx.add_transaction(sb.owner, entry(sb))
    assert err.value.field == "account"
    assert "closed" in err.value.message


def not_found_text(err: pytest.ExceptionInfo[NotFound], ident: int) -> str:
    return str(err.value).replace(repr(ident), "<id>")


def test_another_books_account_looks_exactly_like_a_missing_one(small_book: SmallBook,
                                                                snapshot: Snap) -> None:
    sb = small_book
    before = snapshot(sb.db)
    with pytest.raises(NotFound) as missing:
        tx.add_transaction(sb.owner, entry(sb, account_id=999_999))
    with pytest.raises(NotFound) as foreign:
        tx.add_transaction(sb.owner, entry(sb, account_id=sb.carol_account.id))
    assert missing.value.kind == foreign.value.kind == "account"
    assert not_found_text(missing, 999_999) == not_found_text(foreign, sb.carol_account.id)
    assert snapshot(sb.db) == before


def test_another_books_category_looks_exactly_like_a_missing_one(small_book: SmallBook) -> None:
    sb = small_book
    carol_groceries = _carol_categories(sb)["Groceries"]
    with pytest.raises(NotFound) as missing:
        tx.add_transaction(sb.owner, entry(sb, category_id=999_999))
    with pytest.raises(NotFound) as foreign:
        tx.add_transaction(sb.owner, entry(sb, category_id=carol_groceries))
    assert missing.value.kind == foreign.value.kind == "category"
    assert not_found_text(missing, 999_999) == not_found_text(foreign, carol_groceries)


def _carol_categories(sb: SmallBook) -> dict[str, int]:
    return {c.name: c.id for c in list_categories(sb.other)}


# --- editing and deleting ---------------------------------------------------------------------


def test_update_changes_only_the_given_fields(small_book: SmallBook) -> None:
    sb = small_book
    t = tx.add_transaction(sb.owner, entry(sb))
    edited = tx.update_transaction(sb.owner, t.id, payee="EDEKA Center", notes="with receipt",
                                   tags="food; receipt", category_id=sb.categories["Household"])
    assert (edited.payee, edited.notes, edited.tags, edited.category_id) == (
        "EDEKA Center", "with receipt", ["food", "receipt"], sb.categories["Household"])
    assert (edited.amount_minor, edited.date, edited.description) == (-2345, DAY, "Groceries")


def test_update_amount_is_validated_like_a_new_one(small_book: SmallBook) -> None:
    sb = small_book
    salary = tx.add_transaction(sb.owner, entry(sb, amount="2500", payee="ACME GmbH",
                                                category_id=sb.categories["Salary"]))
    assert tx.update_transaction(sb.owner, salary.id, amount="2550.10").amount_minor == 255010
    for amount, field in (("-2500", "category"), ("0", "amount"), ("1.001", "amount")):
        with pytest.raises(ValidationError) as err:
            tx.update_transaction(sb.owner, salary.id, amount=amount)
        assert err.value.field == field
    row = stored(sb, salary.id)
    assert row is not None
    assert row.amount_minor == 255010


def test_update_refuses_unknown_fields_by_name(small_book: SmallBook) -> None:
    t = tx.add_transaction(small_book.owner, entry(small_book))
    with pytest.raises(ValidationError) as err:
        tx.update_transaction(small_book.owner, t.id, currency="USD")
    assert err.value.field == "currency"


def test_update_refuses_a_future_date_unless_scheduled(small_book: SmallBook) -> None:
    sb = small_book
    t = tx.add_transaction(sb.owner, entry(sb))
    with pytest.raises(ValidationError) as err:
        tx.update_transaction(sb.owner, t.id, date=TOMORROW)
    assert err.value.field == "date"
    moved = tx.update_transaction(sb.owner, t.id, date=TOMORROW, scheduled=True)
    assert (moved.date, moved.scheduled) == (TOMORROW, True)


def test_moving_to_an_account_in_another_currency_needs_the_new_amount(
        small_book: SmallBook) -> None:
    sb = small_book
    t = tx.add_transaction(sb.owner, entry(sb))
    with pytest.raises(ValidationError) as err:
        tx.update_transaction(sb.owner, t.id, account_id=sb.card.id)
    assert err.value.field == "account_id"
    moved = tx.update_transaction(sb.owner, t.id, account_id=sb.card.id, amount="-25.80")
    assert (moved.account_id, moved.amount_minor, moved.currency) == (sb.card.id, -2580, "USD")


def test_moving_within_a_currency_keeps_the_amount(small_book: SmallBook) -> None:
    sb = small_book
    t = tx.add_transaction(sb.owner, entry(sb))
    moved = tx.update_transaction(sb.owner, t.id, account_id=sb.savings.id)
    assert (moved.account_id, moved.amount_minor, moved.currency) == (sb.savings.id, -2345, "EUR")


def test_update_and_delete_of_another_books_transaction_are_not_found(
        small_book: SmallBook, snapshot: Snap) -> None:
    sb = small_book
    with sb.db.read() as s:
        carol_tx = s.scalar(select(Transaction.id).where(Transaction.book_id == sb.other.book_id))
    assert carol_tx is not None
    before = snapshot(sb.db)
    with pytest.raises(NotFound):
        tx.update_transaction(sb.owner, carol_tx, payee="Hacked")
    with pytest.raises(NotFound):
        tx.delete_transaction(sb.owner, carol_tx)
    assert snapshot(sb.db) == before


def test_delete_removes_one_transaction(small_book: SmallBook) -> None:
    sb = small_book
    t = tx.add_transaction(sb.owner, entry(sb))
    assert tx.delete_transaction(sb.owner, t.id) == 1
    assert stored(sb, t.id) is None
    with pytest.raises(NotFound):
        tx.delete_transaction(sb.owner, t.id)


# --- transfers -------------------------------------------------------------------------------


def test_same_currency_transfer_writes_two_legs_that_net_to_zero(small_book: SmallBook) -> None:
    sb = small_book
    tr = tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "250.00", DAY,
                     description="Holiday savings", category_id=sb.categories["Savings"])
    assert (tr.out_leg.account_id, tr.out_leg.amount_minor, tr.out_leg.payee) == (
        sb.checking.id, -25000, "Tagesgeld")
    assert (tr.in_leg.account_id, tr.in_leg.amount_minor, tr.in_leg.payee) == (
        sb.savings.id, 25000, "Girokonto")
    assert tr.out_leg.amount_minor + tr.in_leg.amount_minor == 0
    assert tr.out_leg.transfer_id == tr.in_leg.transfer_id == tr.transfer_id
    assert tr.in_leg.description == "Holiday savings"
    assert tr.rate == Decimal(1)
    assert accounts.balance(sb.owner, sb.checking.id, DAY) == 278563 - 25000
    assert accounts.balance(sb.owner, sb.savings.id, DAY) == 530000 + 25000


def test_cross_currency_transfer_derives_and_shows_the_rate(small_book: SmallBook) -> None:
    sb = small_book
    tr = tx.transfer(sb.owner, sb.checking.id, sb.card.id, "100", DAY, received="108.50",
                     description="Card payment")
    assert (tr.out_leg.amount_minor, tr.out_leg.currency) == (-10000, "EUR")
    assert (tr.in_leg.amount_minor, tr.in_leg.currency) == (10850, "USD")
    assert tr.rate == Decimal("1.085")
    assert str(tr.rate) == "1.085"
    assert accounts.balance(sb.owner, sb.card.id, DAY) == -2710 + 10850


def test_cross_currency_transfer_into_yen(small_book: SmallBook) -> None:
    sb = small_book
    yen = accounts.create_account(sb.owner, "Japan Post", "savings", "JPY", "0", DAY)
    tr = tx.transfer(sb.owner, sb.savings.id, yen.id, "1000.00", DAY, received="162340")
    assert (tr.out_leg.amount_minor, tr.in_leg.amount_minor) == (-100000, 162340)
    assert tr.rate == Decimal("162.34")


@pytest.mark.parametrize(
    ("to", "amount", "received", "field"),
    [
        ("checking", "50", None, "to_account"),
        ("savings", "-50", None, "amount"),
        ("savings", "0", None, "amount"),
        ("savings", "50.001", None, "amount"),
        ("savings", "50", "49.99", "received"),
        ("card", "50", None, "received"),
        ("card", "50", "-54.25", "received"),
        ("card", "50", "0", "received"),
        ("card", "50", "54.255", "received"),
        ("card", "50", "", "received"),
    ],
)
def test_transfer_validation_names_the_field(small_book: SmallBook, snapshot: Snap, to: str,
                                             amount: str, received: str | None,
                                             field: str) -> None:
    sb = small_book
    before = snapshot(sb.db)
    with pytest.raises(ValidationError) as err:
        tx.transfer(sb.owner, sb.checking.id, getattr(sb, to).id, amount, DAY, received=received)
    assert err.value.field == field
    assert snapshot(sb.db) == before


def test_transfer_date_and_category_rules(small_book: SmallBook) -> None:
    sb = small_book
    with pytest.raises(ValidationError) as err:
        tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "50", TOMORROW)
    assert err.value.field == "date"
    with pytest.raises(ValidationError) as err:
        tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "50", DAY,
                    category_id=sb.categories["Salary"])
    assert err.value.field == "category"
    planned = tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "50", TOMORROW,
                          scheduled=True)
    assert (planned.out_leg.scheduled, planned.in_leg.scheduled) == (True, True)


def test_transfer_to_a_closed_account_writes_nothing(small_book: SmallBook,
                                                     snapshot: Snap) -> None:
    sb = small_book
    accounts.close_account(sb.owner, sb.savings.id, dt.date(2024, 3, 31))
    before = snapshot(sb.db)
    with pytest.raises(ValidationError) as err:
        tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "75", DAY)
    assert err.value.field == "account"
    assert snapshot(sb.db) == before


def test_a_database_failure_on_the_second_leg_leaves_no_first_leg(small_book: SmallBook,
                                                                  snapshot: Snap) -> None:
    sb = small_book
    with sb.db.write() as s:  # the database refuses any row for the savings account
        s.execute(text(f"CREATE TRIGGER refuse_savings BEFORE INSERT ON transactions "
                       f"WHEN NEW.account_id = {sb.savings.id} "
                       f"BEGIN SELECT RAISE(ABORT, 'disk full'); END"))
    before = snapshot(sb.db)
    with pytest.raises(DatabaseError, match="disk full"):
        tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "75", DAY)
    assert snapshot(sb.db) == before
    assert accounts.balance(sb.owner, sb.checking.id, DAY) == 278563


def test_a_failure_after_both_legs_were_written_rolls_both_back(
        small_book: SmallBook, snapshot: Snap, monkeypatch: pytest.MonkeyPatch) -> None:
    sb = small_book
    real_view = tx.view
    calls: list[int] = []

    def failing_view(t: Transaction) -> tx.TransactionView:
        calls.append(t.id)
        if len(calls) == 2:
            raise RuntimeError("crash while building the result")
        return real_view(t)

    monkeypatch.setattr(tx, "view", failing_view)
    before = snapshot(sb.db)
    with pytest.raises(RuntimeError):
        tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "75", DAY)
    assert len(calls) == 2  # both legs had ids, i.e. were flushed to the database
    assert snapshot(sb.db) == before


def test_transfer_between_books_is_not_found(small_book: SmallBook, snapshot: Snap) -> None:
    sb = small_book
    before = snapshot(sb.db)
    with pytest.raises(NotFound) as err:
        tx.transfer(sb.owner, sb.checking.id, sb.carol_account.id, "10", DAY, received="8.50")
    assert err.value.kind == "to_account"
    with pytest.raises(NotFound) as err:
        tx.transfer(sb.owner, sb.carol_account.id, sb.checking.id, "10", DAY, received="11.60")
    assert err.value.kind == "from_account"
    assert snapshot(sb.db) == before


def test_deleting_one_leg_deletes_both(small_book: SmallBook) -> None:
    sb = small_book
    tr = tx.transfer(sb.owner, sb.checking.id, sb.card.id, "100", DAY, received="108.50")
    assert tx.delete_transaction(sb.owner, tr.in_leg.id) == 2
    assert stored(sb, tr.out_leg.id) is None
    assert accounts.balances(sb.owner, DAY) == {sb.checking.id: 278563, sb.savings.id: 530000,
                                                sb.card.id: -2710}


def test_bulk_delete_of_one_leg_deletes_both(small_book: SmallBook) -> None:
    sb = small_book
    tr = tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "40", DAY)
    assert tx.bulk_delete(sb.owner, [tr.out_leg.id]) == 2
    assert stored(sb, tr.in_leg.id) is None


def test_a_transfer_leg_moves_its_date_with_the_other_leg(small_book: SmallBook) -> None:
    sb = small_book
    tr = tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "40", DAY)
    tx.update_transaction(sb.owner, tr.in_leg.id, date=dt.date(2024, 3, 22))
    out_leg = stored(sb, tr.out_leg.id)
    assert out_leg is not None
    assert out_leg.date == dt.date(2024, 3, 22)


def test_a_transfer_leg_date_change_is_checked_against_both_accounts(
        small_book: SmallBook, snapshot: Snap) -> None:
    sb = small_book
    tr = tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "40", DAY)
    accounts.close_account(sb.owner, sb.savings.id, dt.date(2024, 3, 31))
    before = snapshot(sb.db)
    with pytest.raises(ValidationError) as err:  # edited from the open account's side
        tx.update_transaction(sb.owner, tr.out_leg.id, date=dt.date(2024, 3, 22))
    assert err.value.field == "account"
    assert snapshot(sb.db) == before


def test_scheduling_a_transfer_leg_schedules_both(small_book: SmallBook) -> None:
    sb = small_book
    tr = tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "40", DAY)
    tx.update_transaction(sb.owner, tr.out_leg.id, date=TOMORROW, scheduled=True)
    legs = [stored(sb, tr.out_leg.id), stored(sb, tr.in_leg.id)]
    assert [(leg.date, leg.scheduled) for leg in legs if leg] == [(TOMORROW, True)] * 2


@pytest.mark.parametrize("change", [{"amount": "41"}, {"account_id": "card"}])
def test_a_transfer_legs_amount_and_account_cannot_be_edited_alone(
        small_book: SmallBook, change: dict[str, str]) -> None:
    sb = small_book
    tr = tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "40", DAY)
    if "account_id" in change:
        change = {"account_id": sb.card.id}  # type: ignore[dict-item]
    with pytest.raises(ValidationError) as err:
        tx.update_transaction(sb.owner, tr.in_leg.id, **change)
    assert err.value.field == "amount"
    in_leg = stored(sb, tr.in_leg.id)
    assert in_leg is not None
    assert (in_leg.account_id, in_leg.amount_minor) == (sb.savings.id, 4000)


# --- bulk edits ------------------------------------------------------------------------------


def fixture_ids(sb: SmallBook) -> dict[str, int]:
    """Ids of the small book's ordinary transactions by payee/description."""
    with sb.db.read() as s:
        rows = s.execute(select(Transaction.id, Transaction.description)
                         .where(Transaction.book_id == sb.owner.book_id,
                                Transaction.transfer_id.is_(None))).all()
    return {d: i for i, d in rows}


def categories_of(sb: SmallBook) -> dict[int, int | None]:
    with sb.db.read() as s:
        return dict(s.execute(select(Transaction.id, Transaction.category_id)).all())


def test_bulk_set_category_recategorises_all_given(small_book: SmallBook) -> None:
    sb = small_book
    ids = fixture_ids(sb)
    chosen = [ids["Rent"], ids["Groceries"], ids["Fuel"]]
    # a repeated id counts once
    assert tx.bulk_set_category(sb.owner, [*chosen, ids["Rent"]],
                                sb.categories["Household"]) == 3
    after = categories_of(sb)
    assert [after[i] for i in chosen] == [sb.categories["Household"]] * 3
    assert after[ids["Salary March"]] == sb.categories["Salary"]
    assert tx.bulk_set_category(sb.owner, chosen, None) == 3
    assert [categories_of(sb)[i] for i in chosen] == [None, None, None]


@pytest.mark.parametrize("intruder", ["carol", "missing"])
def test_bulk_set_category_with_a_foreign_or_missing_id_changes_nothing(
        small_book: SmallBook, snapshot: Snap, intruder: str) -> None:
    sb = small_book
    ids = fixture_ids(sb)
    with sb.db.read() as s:
        carol_tx = s.scalar(select(Transaction.id).where(Transaction.book_id == sb.other.book_id))
    assert carol_tx is not None
    bad = carol_tx if intruder == "carol" else 999_999
    before = snapshot(sb.db)
    with pytest.raises(NotFound) as err:
        tx.bulk_set_category(sb.owner, [ids["Rent"], bad, ids["Groceries"]],
                             sb.categories["Household"])
    assert err.value.ident == bad
    assert snapshot(sb.db) == before


def test_bulk_set_category_refuses_a_kind_that_fits_not_every_row(small_book: SmallBook,
                                                                  snapshot: Snap) -> None:
    sb = small_book
    ids = fixture_ids(sb)
    before = snapshot(sb.db)
    with pytest.raises(ValidationError) as err:  # Salary (income) on the rent payment
        tx.bulk_set_category(sb.owner, [ids["Salary March"], ids["Rent"]],
                             sb.categories["Bonus"])
    assert err.value.field == "category"
    with pytest.raises(ValidationError):
        tx.bulk_set_category(sb.owner, [ids["Rent"]], sb.categories["Credit card payment"])
    with pytest.raises(NotFound):
        tx.bulk_set_category(sb.owner, [ids["Rent"]], _carol_categories(sb)["Rent"])
    assert snapshot(sb.db) == before


def test_bulk_set_category_may_give_transfer_legs_a_transfer_category(
        small_book: SmallBook) -> None:
    sb = small_book
    legs = [i for i, _, _, t in book_rows(sb) if t]
    assert tx.bulk_set_category(sb.owner, legs, sb.categories["Savings"]) == 2


def test_bulk_delete_deletes_all_given(small_book: SmallBook) -> None:
    sb = small_book
    ids = fixture_ids(sb)
    assert tx.bulk_delete(sb.owner, [ids["Fuel"], ids["Refund"]]) == 2
    assert accounts.balance(sb.owner, sb.card.id, DAY) == 0


@pytest.mark.parametrize("intruder", ["carol", "missing"])
def test_bulk_delete_with_a_foreign_or_missing_id_deletes_nothing(
        small_book: SmallBook, snapshot: Snap, intruder: str) -> None:
    sb = small_book
    ids = fixture_ids(sb)
    with sb.db.read() as s:
        carol_tx = s.scalar(select(Transaction.id).where(Transaction.book_id == sb.other.book_id))
    assert carol_tx is not None
    bad = carol_tx if intruder == "carol" else 999_999
    before = snapshot(sb.db)
    with pytest.raises(NotFound):
        tx.bulk_delete(sb.owner, [ids["Fuel"], bad])
    assert snapshot(sb.db) == before


@pytest.mark.parametrize(
    ("tags", "stored_form"),
    [
        (["Food", "food ", "#Weekly"], ",food,weekly,"),
        ("car; holiday,  ", ",car,holiday,"),
        ([], ""),
        (None, ""),
        ("", ""),
    ],
)
def test_tags_are_stored_in_one_canonical_form(tags: object, stored_form: str) -> None:
    assert tx.normalise_tags(tags) == stored_form  # type: ignore[arg-type]
    assert tx.split_tags(stored_form) == [t for t in stored_form.split(",") if t]


# --- several edits at once (the grid's Save) -------------------------------------------------


def test_several_edits_are_saved_together(small_book: SmallBook) -> None:
    rows = {r.payee: r for r in list_transactions(small_book.owner).rows}
    views = tx.update_transactions(small_book.owner, [
        (rows["REWE"].id, {"payee": "REWE Markt", "amount": "-65.00"}),
        (rows["Landlord"].id, {"tags": "home, rent"})])
    assert [(v.payee, v.amount_minor, v.tags) for v in views] == [
        ("REWE Markt", -6500, ["food", "weekly"]), ("Landlord", -85000, ["home", "rent"])]


def test_a_bad_edit_saves_none_of_the_edits_and_names_its_transaction_and_field(
        small_book: SmallBook) -> None:
    before = [(r.id, r.payee, r.amount_minor) for r in list_transactions(small_book.owner).rows]
    rows = {r.payee: r for r in list_transactions(small_book.owner).rows}
    bad = rows["Shell"].id
    with pytest.raises(ValidationError) as err:
        tx.update_transactions(small_book.owner, [
            (rows["REWE"].id, {"payee": "REWE Markt"}),
            (rows["Landlord"].id, {"amount": "-900"}),
            (bad, {"amount": "-1.001"})])
    assert err.value.field == f"transaction {bad}: amount"
    assert "more decimals" in str(err.value)
    assert [(r.id, r.payee, r.amount_minor)
            for r in list_transactions(small_book.owner).rows] == before


def test_an_unknown_field_in_one_edit_saves_nothing(small_book: SmallBook) -> None:
    rows = {r.payee: r for r in list_transactions(small_book.owner).rows}
    with pytest.raises(ValidationError, match="colour: is not an editable field"):
        tx.update_transactions(small_book.owner, [(rows["REWE"].id, {"payee": "X"}),
                                                  (rows["Landlord"].id, {"colour": "red"})])
    assert {r.payee for r in list_transactions(small_book.owner).rows} >= {"REWE"}
