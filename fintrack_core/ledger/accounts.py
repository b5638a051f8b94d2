"""Accounts of a book: create, edit, close/reopen, delete; balances as of any date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.audit import record_for
from fintrack_core.db.models import Account, AccountType, Transaction
from fintrack_core.errors import Conflict, NotFound, ValidationError
from fintrack_core.money import check_currency, to_minor
from fintrack_core.text import MAX_NAME, clean_text

LIABILITY_TYPES = frozenset({AccountType.CREDIT_CARD, AccountType.LOAN})
MAX_NUMBER = 64
# What banks put between the groups of an IBAN or account number ("DE89 3704 0044 ...").
_NUMBER_SEPARATORS = str.maketrans("", "", " -./")


def number_key(number: str) -> str:
    """The form two account numbers are compared in: IBANs are printed in groups of four and
    in either case, so ``de89 3704-0044`` and ``DE8937040044`` are the same account."""
    return number.translate(_NUMBER_SEPARATORS).upper()


def _check_number(value: str) -> str:
    number = clean_text(value, "number", MAX_NUMBER)
    if number and not number_key(number).isalnum():
        raise ValidationError("number", f"{number!r}: an account number or IBAN has letters "
                                        "and digits only (spaces and dashes allowed)")
    return number


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    name: str
    type: AccountType
    currency: str
    opening_balance: int
    opened_on: dt.date
    closed_on: dt.date | None
    institution: str
    number: str = ""  # IBAN or account number as in the bank's statements ("" when unset)

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    @property
    def is_liability(self) -> bool:
        return self.type in LIABILITY_TYPES


def _view(a: Account) -> AccountView:
    return AccountView(a.id, a.name, a.type, a.currency, a.opening_balance, a.opened_on,
                       a.closed_on, a.institution, a.number)


def get_account(session: Session, book_id: int, account_id: int, field: str = "account") -> Account:
    """Load an account of this book, or ``NotFound`` (another book's account looks absent)."""
    acc = session.get(Account, NotFound.unless_id(field, account_id))
    if acc is None or acc.book_id != book_id:
        raise NotFound(field, account_id)
    return acc


def find_account(scope: Scope, name: str) -> AccountView:
    with scope.db.read() as s:
        require(s, scope, READ)
        acc = s.scalar(select(Account).where(Account.book_id == scope.book_id,
                                             Account.name == name.strip()))
        if acc is None:
            raise NotFound("account", name)
        return _view(acc)


def _account_type(value: str | AccountType) -> AccountType:
    try:
        return AccountType(value)
    except ValueError:
        allowed = ", ".join(t.value for t in AccountType)
        raise ValidationError("type", f"{value!r} is not one of {allowed}") from None


def _check_name(s: Session, book_id: int, name: str, exclude_id: int | None = None) -> str:
    name = clean_text(name, "name", MAX_NAME)
    if not name:
        raise ValidationError("name", "an account needs a name")
    clash = s.scalar(select(Account.id).where(Account.book_id == book_id, Account.name == name,
                                              Account.id != (exclude_id or -1)))
    if clash is not None:
        raise Conflict(f"an account named {name!r} already exists in this book")
    return name


def create_account(
    scope: Scope,
    name: str,
    type: str | AccountType,
    currency: str,
    opening_balance: Decimal | str | int = 0,
    opened_on: dt.date | None = None,
    institution: str = "",
    number: str = "",
) -> AccountView:
    ccy = check_currency(currency)
    acc_type = _account_type(type)
    opening = to_minor(opening_balance, ccy, "opening_balance")
    with scope.db.write() as s:
        require(s, scope, WRITE)
        acc = Account(book_id=scope.book_id, name=_check_name(s, scope.book_id, name),
                      type=acc_type, currency=ccy, opening_balance=opening,
                      opened_on=opened_on or dt.date.today(),
                      institution=clean_text(institution, "institution", MAX_NAME),
                      number=_check_number(number))
        s.add(acc)
        s.flush()
        return _view(acc)


def update_account(
    scope: Scope,
    account_id: int,
    *,
    name: str | None = None,
    type: str | AccountType | None = None,
    opening_balance: Decimal | str | int | None = None,
    opened_on: dt.date | None = None,
    institution: str | None = None,
    number: str | None = None,
) -> AccountView:
    """Edit an account. The currency is fixed once created (its transactions are in it)."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        acc = get_account(s, scope.book_id, account_id)
        if name is not None:
            acc.name = _check_name(s, scope.book_id, name, exclude_id=acc.id)
        if type is not None:
            acc.type = _account_type(type)
        if opening_balance is not None:
            acc.opening_balance = to_minor(opening_balance, acc.currency, "opening_balance")
        if opened_on is not None:
            acc.opened_on = opened_on
        if institution is not None:
            acc.institution = clean_text(institution, "institution", MAX_NAME)
        if number is not None:
            acc.number = _check_number(number)
        return _view(acc)


def close_account(scope: Scope, account_id: int, on: dt.date | None = None) -> None:
    with scope.db.write() as s:
        require(s, scope, WRITE)
        acc = get_account(s, scope.book_id, account_id)
        on = on or dt.date.today()
        if on < acc.opened_on:
            raise ValidationError("closed_on",
                                  f"{on} is before the account opened ({acc.opened_on})")
        acc.closed_on = on


def reopen_account(scope: Scope, account_id: int) -> None:
    with scope.db.write() as s:
        require(s, scope, WRITE)
        get_account(s, scope.book_id, account_id).closed_on = None


def transaction_count(scope: Scope, account_id: int) -> int:
    """How many transactions deleting this account would take with it (asked before deleting)."""
    with scope.db.read() as s:
        require(s, scope, READ)
        get_account(s, scope.book_id, account_id)
        return int(s.scalar(select(func.count(Transaction.id)).where(
            Transaction.book_id == scope.book_id, Transaction.account_id == account_id)) or 0)


def delete_account(scope: Scope, account_id: int, *, confirm_transactions: int = 0) -> int:
    """Delete an account and its transactions.

    ``confirm_transactions`` must equal the number of transactions that go with it: the caller
    shows that number to the user first, so nobody deletes history they did not see.
    Transfer legs in other accounts lose their counterpart and become ordinary transactions.
    """
    with scope.db.write() as s:
        require(s, scope, WRITE)
        acc = get_account(s, scope.book_id, account_id)
        in_account = (Transaction.book_id == acc.book_id) & (Transaction.account_id == acc.id)
        count = int(s.scalar(select(func.count(Transaction.id)).where(in_account)) or 0)
        if count and confirm_transactions != count:
            raise Conflict(f"account {acc.name!r} has {count} transactions; "
                           f"confirm deleting them ({count})")
        transfer_ids = select(Transaction.transfer_id).where(
            in_account, Transaction.transfer_id.is_not(None))
        s.execute(cast(Table, Transaction.__table__).update().where(
            Transaction.book_id == acc.book_id, Transaction.transfer_id.in_(transfer_ids),
            Transaction.account_id != account_id
        ).values(transfer_id=None))
        s.execute(delete(Transaction).where(in_account))
        s.delete(acc)
        record_for(s, scope, "account.delete", id=acc.id, name=acc.name, transactions=count)
        return count


def list_accounts(scope: Scope, include_closed: bool = True) -> list[AccountView]:
    with scope.db.read() as s:
        require(s, scope, READ)
        q = select(Account).where(Account.book_id == scope.book_id)
        if not include_closed:
            q = q.where(Account.closed_on.is_(None))
        return [_view(a) for a in s.scalars(q.order_by(Account.name))]


def account_view(scope: Scope, account_id: int) -> AccountView:
    """One account of the book (NotFound for any other id)."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return _view(get_account(s, scope.book_id, account_id))


# Every account of the book with its opening balance (once open) plus its transactions up to
# the day; exact integer minor units (BIGINT sums of BIGINT), never converted.
_BALANCES_SQL = """
SELECT a.id, CAST(CASE WHEN CAST(a.opened_on AS DATE) <= ? THEN a.opening_balance ELSE 0 END
                  + coalesce(s.total, 0) AS BIGINT) AS balance
FROM accounts a
LEFT JOIN (SELECT account_id, sum(amount_minor) AS total FROM tx WHERE date <= ?
           GROUP BY account_id) s ON s.account_id = a.id
"""


def balances(scope: Scope, as_of: dt.date | None = None) -> dict[int, int]:
    """Minor-unit balance of every account of the book at the end of ``as_of`` (default today).

    Balance = opening balance (once the account is open) + sum of transactions up to the date.
    Summed on the book's columnar copy (``reports.store``), which each call first brings up
    to the book's data version (and checks the role): one scan of two integer columns instead
    of a row-by-row SUM over the live table.
    """
    from fintrack_core.reports.store import report_store

    as_of = as_of or dt.date.today()
    rows = report_store(scope.db).rows(scope, _BALANCES_SQL, [as_of, as_of])
    return {int(aid): int(total) for aid, total in rows}


def balance(scope: Scope, account_id: int, as_of: dt.date | None = None) -> int:
    bals = balances(scope, as_of)
    if account_id not in bals:
        raise NotFound("account", account_id)
    return bals[account_id]
