"""Transactions: add, edit, delete, transfers between accounts, bulk edits.

Validation happens here, once, for the UI, the CLI and imports alike, and each error names the
field. Transfers write both legs in one database transaction or neither.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.audit import record_for
from fintrack_core.budgets.alerts import Touched, check_budget_alerts
from fintrack_core.db.models import Account, CategoryKind, Transaction
from fintrack_core.errors import Conflict, NotFound, ValidationError
from fintrack_core.ledger.accounts import get_account
from fintrack_core.ledger.categories import get_category
from fintrack_core.money import to_decimal, to_minor
from fintrack_core.text import MAX_PAYEE, MAX_TAG, MAX_TAGS, MAX_TEXT, clean_text

# The text fields of a transaction: (limit, may span lines, surrounding blanks trimmed).
TEXT_FIELDS = {"payee": (MAX_PAYEE, False, True), "description": (MAX_TEXT, True, False),
               "notes": (MAX_TEXT, True, False)}


def normalise_tags(tags: Iterable[str] | str | None) -> str:
    """Canonical ``,a,b,`` form: lower-case, trimmed, unique, sorted (empty string for none).

    Each tag is held to ``MAX_TAG`` characters without control characters, and all of them
    to ``MAX_TAGS``."""
    if tags is None:
        return ""
    items = tags.replace(";", ",").split(",") if isinstance(tags, str) else list(tags)
    clean = sorted({clean_text(str(t).strip().lower().lstrip("#"), "tags", MAX_TAG)
                    for t in items if t and str(t).strip()})
    stored = f",{','.join(clean)}," if clean else ""
    if len(stored) > MAX_TAGS:
        raise ValidationError("tags", f"are {len(stored):,} characters together; the limit is "
                                      f"{MAX_TAGS:,}")
    return stored


def split_tags(stored: str | None) -> list[str]:
    return [t for t in (stored or "").split(",") if t]


@dataclass(frozen=True, slots=True)
class TransactionInput:
    """What a person types; amounts as ``Decimal``/str in the account's currency."""

    account_id: int
    date: dt.date
    amount: Decimal | str | int
    payee: str = ""
    description: str = ""
    category_id: int | None = None
    notes: str = ""
    tags: tuple[str, ...] | list[str] | str = field(default_factory=tuple)
    scheduled: bool = False
    external_id: str | None = None  # the bank's id of the row: unique per account


@dataclass(frozen=True, slots=True)
class TransactionView:
    id: int
    account_id: int
    date: dt.date
    amount_minor: int
    currency: str
    payee: str
    description: str
    category_id: int | None
    notes: str
    tags: list[str]
    scheduled: bool
    transfer_id: str | None
    external_id: str | None = None

    @property
    def amount(self) -> Decimal:
        return to_decimal(self.amount_minor, self.currency)


def view(t: Transaction) -> TransactionView:
    return TransactionView(t.id, t.account_id, t.date, t.amount_minor, t.currency, t.payee,
                           t.description, t.category_id, t.notes, split_tags(t.tags),
                           t.scheduled, t.transfer_id, t.external_id)


def _text(value: object, name: str) -> str:
    limit, multiline, strip = TEXT_FIELDS[name]
    return clean_text(value, name, limit, multiline=multiline, strip=strip)


def check_date(date: dt.date, scheduled: bool, acc: Account, name: str = "date") -> None:
    if not isinstance(date, dt.date):
        raise ValidationError(name, f"{date!r} is not a date")
    if date > dt.date.today() and not scheduled:
        raise ValidationError(name, f"{date} is in the future; mark it as scheduled to allow it")
    if acc.closed_on is not None:
        raise ValidationError("account", f"account {acc.name!r} is closed since {acc.closed_on}")


def _check_category(s: Session, book_id: int, category_id: int | None, amount_minor: int,
                    is_transfer: bool) -> None:
    if category_id is None:
        return
    cat = get_category(s, book_id, category_id)
    if cat.kind == CategoryKind.TRANSFER and not is_transfer:
        raise ValidationError("category", f"{cat.name!r} is a transfer category; "
                                          "use a transfer between two accounts instead")
    if cat.kind == CategoryKind.INCOME and amount_minor < 0:
        raise ValidationError("category", f"{cat.name!r} is an income category but the amount "
                                          "is money out")


def _amount(value: Decimal | str | int, currency: str, name: str = "amount") -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(name, "is empty")
    minor = to_minor(value, currency, name)
    if minor == 0:
        raise ValidationError(name, "must not be zero")
    return minor


def add_transaction(scope: Scope, data: TransactionInput) -> TransactionView:
    return add_transaction_once(scope, data)[0]


def add_transaction_once(scope: Scope, data: TransactionInput) -> tuple[TransactionView, bool]:
    """Add a transaction, unless its account already holds one with the same
    ``external_id``: then that one is returned unchanged, with ``False`` (not created).

    Why: a sync script that posts the same bank row twice (a retry, an overlapping
    statement) must not book it twice; the bank's id is the duplicate key, as on import.
    """
    external_id = _external_id(data.external_id)
    try:
        with scope.db.write() as s:
            require(s, scope, WRITE, rewrites=False)  # only adds rows
            if external_id is not None:
                acc = get_account(s, scope.book_id, data.account_id)
                existing = _by_external_id(s, acc.id, external_id)
                if existing is not None:
                    return view(existing), False
            return view(add_in_session(s, scope, data)), True
    except IntegrityError:
        if external_id is None:
            raise
    # Two posts of one bank row raced (PostgreSQL); the other one won: return its row.
    with scope.db.read() as s:
        existing = _by_external_id(s, data.account_id, external_id)
        if existing is None or existing.book_id != scope.book_id:
            raise NotFound("account", data.account_id)
        return view(existing), False


def add_in_session(s: Session, scope: Scope, data: TransactionInput) -> Transaction:
    """``add_transaction`` inside the caller's write session (role already checked), for
    writes that add a transaction as part of something larger (a trade's cash leg): the
    same checks and budget alert check, and the caller's commit or rollback covers both."""
    acc = get_account(s, scope.book_id, data.account_id)
    minor = _amount(data.amount, acc.currency)
    check_date(data.date, data.scheduled, acc)
    _check_category(s, scope.book_id, data.category_id, minor, is_transfer=False)
    t = Transaction(book_id=scope.book_id, account_id=acc.id, date=data.date,
                    amount_minor=minor, currency=acc.currency,
                    payee=_text(data.payee, "payee"),
                    description=_text(data.description, "description"),
                    category_id=data.category_id, notes=_text(data.notes, "notes"),
                    tags=normalise_tags(data.tags), scheduled=data.scheduled,
                    external_id=_external_id(data.external_id))
    s.add(t)
    s.flush()
    check_budget_alerts(s, scope.book_id, [(t.category_id, t.date)])
    return t


MAX_EXTERNAL_ID = 100


def _external_id(value: str | None) -> str | None:
    if value is None:
        return None
    clean = clean_text(value, "external_id", MAX_EXTERNAL_ID)
    return clean or None


def _by_external_id(s: Session, account_id: int, external_id: str) -> Transaction | None:
    return s.scalar(select(Transaction).where(Transaction.account_id == account_id,
                                              Transaction.external_id == external_id))


def _get(s: Session, book_id: int, transaction_id: int) -> Transaction:
    t = s.get(Transaction, NotFound.unless_id("transaction", transaction_id))
    if t is None or t.book_id != book_id:
        raise NotFound("transaction", transaction_id)
    return t


def get_transaction(scope: Scope, transaction_id: int) -> TransactionView:
    """One transaction of the book (NotFound for any other id)."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return view(_get(s, scope.book_id, transaction_id))


_UNSET = object()


def update_transaction(scope: Scope, transaction_id: int, **changes: object) -> TransactionView:
    """Change some fields of a transaction (same names as ``TransactionInput``).

    For a transfer leg, the date moves both legs; amount and account edits are refused (delete
    and re-enter the transfer so both legs stay consistent).
    """
    _check_fields(changes)
    with scope.db.write() as s:
        require(s, scope, WRITE)
        touched: list[Touched] = []
        changed = _apply(s, scope, transaction_id, changes, touched)
        check_budget_alerts(s, scope.book_id, touched)
        return changed


EDITABLE = frozenset({"account_id", "date", "amount", "payee", "description", "category_id",
                      "notes", "tags", "scheduled"})


def _check_fields(changes: dict[str, object]) -> None:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(sorted(unknown)[0], "is not an editable field")


def update_transactions(scope: Scope, edits: list[tuple[int, dict[str, object]]]
                        ) -> list[TransactionView]:
    """Apply several edits (transaction id, changed fields as for ``update_transaction``) in
    one database transaction: all of them or none. A bad edit raises the error of that edit,
    its field prefixed with the transaction id (``transaction 17: amount``), and the edits
    before it are rolled back too (a grid's "Save" is one write)."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        views = []
        touched: list[Touched] = []
        for transaction_id, changes in edits:
            try:
                _check_fields(changes)
                views.append(_apply(s, scope, transaction_id, dict(changes), touched))
            except ValidationError as exc:
                raise ValidationError(f"transaction {transaction_id}: {exc.field}",
                                      exc.message) from None
        check_budget_alerts(s, scope.book_id, touched)
        return views


def update_in_session(s: Session, scope: Scope, transaction_id: int,
                      changes: dict[str, object]) -> TransactionView:
    """``update_transaction`` inside the caller's write session (role already checked)."""
    _check_fields(changes)
    touched: list[Touched] = []
    changed = _apply(s, scope, transaction_id, changes, touched)
    check_budget_alerts(s, scope.book_id, touched)
    return changed


def delete_in_session(s: Session, scope: Scope, transaction_id: int) -> None:
    """Delete one transaction that is not a transfer leg inside the caller's write session
    (role already checked), audited and alert-checked as ``delete_transaction`` does."""
    t = _get(s, scope.book_id, transaction_id)
    if t.transfer_id:
        raise ValidationError("transaction", "is a transfer leg; delete the transfer instead")
    record_for(s, scope, "tx.delete", id=t.id, account_id=t.account_id, date=t.date,
               amount_minor=t.amount_minor, currency=t.currency, transfer_id=None)
    touched = [(t.category_id, t.date)]
    s.delete(t)
    s.flush()
    check_budget_alerts(s, scope.book_id, touched)


def _apply(s: Session, scope: Scope, transaction_id: int,
           changes: dict[str, object], touched: list[Touched]) -> TransactionView:
    """One edit inside the caller's write session (role already checked); the row's category
    and date before and after go to ``touched`` for the budget alert check."""
    t = _get(s, scope.book_id, transaction_id)
    touched.append((t.category_id, t.date))
    if t.transfer_id and ({"amount", "account_id"} & set(changes)):
        raise ValidationError("amount", "a transfer's amount and accounts cannot be edited "
                                        "leg by leg; delete the transfer and enter it again")
    # Caller-given values are checked where they are used (int() here, _amount below).
    acc = get_account(s, scope.book_id,
                      int(cast("int | str", changes.get("account_id", t.account_id))))
    if acc.id != t.account_id and acc.currency != t.currency and "amount" not in changes:
        raise ValidationError("account_id", f"{acc.name!r} is in {acc.currency}, the "
                                            f"transaction in {t.currency}; give the amount too")
    minor = (_amount(cast("Decimal | str | int", changes["amount"]), acc.currency)
             if "amount" in changes else t.amount_minor)
    scheduled = bool(changes.get("scheduled", t.scheduled))
    date = changes.get("date", t.date)
    check_date(date, scheduled, acc)  # type: ignore[arg-type]
    cat_id = changes.get("category_id", t.category_id)
    _check_category(s, scope.book_id, cat_id, minor, is_transfer=bool(t.transfer_id))  # type: ignore[arg-type]
    if acc.id != t.account_id and t.external_id is not None and _by_external_id(
            s, acc.id, t.external_id) is not None:
        raise Conflict(f"account {acc.name!r} already holds the bank's transaction "
                       f"{t.external_id!r}; moving this one there would book it twice")
    t.account_id, t.currency, t.amount_minor = acc.id, acc.currency, minor
    t.date, t.scheduled, t.category_id = date, scheduled, cat_id  # type: ignore[assignment]
    for name in TEXT_FIELDS:
        if name in changes:
            setattr(t, name, _text(changes[name], name))
    if "tags" in changes:
        t.tags = normalise_tags(changes["tags"])  # type: ignore[arg-type]
    if t.transfer_id and {"date", "scheduled"} & set(changes):
        # The other leg moves too, so its account must accept the date as well.
        others = s.scalars(select(Transaction.account_id).where(
            Transaction.book_id == scope.book_id, Transaction.transfer_id == t.transfer_id,
            Transaction.id != t.id)).all()
        for account_id in others:
            check_date(date, scheduled, get_account(s, scope.book_id, account_id))  # type: ignore[arg-type]
        s.execute(update(Transaction).where(Transaction.book_id == scope.book_id,
                                            Transaction.transfer_id == t.transfer_id)
                  .values(date=date, scheduled=scheduled))
    s.flush()
    touched.append((t.category_id, t.date))
    return view(t)


def delete_transaction(scope: Scope, transaction_id: int) -> int:
    """Delete a transaction; deleting a transfer leg deletes both legs. Returns rows removed."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        t = _get(s, scope.book_id, transaction_id)
        record_for(s, scope, "tx.delete", id=t.id, account_id=t.account_id, date=t.date,
                   amount_minor=t.amount_minor, currency=t.currency, transfer_id=t.transfer_id)
        if t.transfer_id:
            res = s.execute(delete(Transaction).where(Transaction.book_id == scope.book_id,
                                                      Transaction.transfer_id == t.transfer_id))
            return int(res.rowcount or 0)  # type: ignore[attr-defined]
        touched = [(t.category_id, t.date)]
        s.delete(t)
        s.flush()
        check_budget_alerts(s, scope.book_id, touched)
        return 1


@dataclass(frozen=True, slots=True)
class TransferView:
    transfer_id: str
    out_leg: TransactionView
    in_leg: TransactionView

    @property
    def rate(self) -> Decimal:
        """Units of the receiving currency per unit sent (1 for same-currency transfers)."""
        return (self.in_leg.amount / -self.out_leg.amount).normalize()


def transfer(
    scope: Scope,
    from_account_id: int,
    to_account_id: int,
    amount: Decimal | str | int,
    date: dt.date,
    *,
    received: Decimal | str | int | None = None,
    description: str = "",
    category_id: int | None = None,
    scheduled: bool = False,
) -> TransferView:
    """Move ``amount`` (positive, in the source currency) between two accounts of the book.

    Across currencies ``received`` is the amount that arrived; the rate is derived from the
    two amounts, never assumed. Both legs are written in one transaction, or neither.
    """
    with scope.db.write() as s:
        require(s, scope, WRITE, rewrites=False)  # only adds rows
        src = get_account(s, scope.book_id, from_account_id, "from_account")
        dst = get_account(s, scope.book_id, to_account_id, "to_account")
        if src.id == dst.id:
            raise ValidationError("to_account", "a transfer needs two different accounts")
        sent = _amount(amount, src.currency)
        if sent < 0:
            raise ValidationError("amount", "give the amount sent as a positive number")
        if src.currency == dst.currency:
            got = sent if received is None else _amount(received, dst.currency, "received")
            if got != sent:
                raise ValidationError("received", "same-currency transfers receive what is sent")
        else:
            if received is None:
                raise ValidationError("received", f"{src.currency} → {dst.currency}: give the "
                                                  f"amount received in {dst.currency}")
            got = _amount(received, dst.currency, "received")
            if got < 0:
                raise ValidationError("received", "give the amount received as a positive number")
        check_date(date, scheduled, src, "date")
        check_date(date, scheduled, dst, "date")
        _check_category(s, scope.book_id, category_id, -sent, is_transfer=True)
        tid = uuid.uuid4().hex
        legs = []
        for acc, minor, payee in ((src, -sent, dst.name), (dst, got, src.name)):
            t = Transaction(book_id=scope.book_id, account_id=acc.id, date=date,
                            amount_minor=minor, currency=acc.currency, payee=payee,
                            description=_text(description, "description"),
                            category_id=category_id, transfer_id=tid, scheduled=scheduled)
            s.add(t)
            legs.append(t)
        s.flush()
        return TransferView(tid, view(legs[0]), view(legs[1]))


def bulk_set_category(scope: Scope, transaction_ids: list[int], category_id: int | None) -> int:
    """Re-categorise many transactions in one database transaction (all or none)."""
    ids = sorted(set(transaction_ids))
    with scope.db.write() as s:
        require(s, scope, WRITE)
        found = s.execute(select(Transaction.id, Transaction.amount_minor, Transaction.transfer_id,
                                 Transaction.category_id, Transaction.date)
                          .where(Transaction.book_id == scope.book_id,
                                 Transaction.id.in_(ids))).all()
        missing = set(ids) - {r.id for r in found}
        if missing:
            raise NotFound("transaction", min(missing))
        for r in found:
            _check_category(s, scope.book_id, category_id, r.amount_minor, bool(r.transfer_id))
        s.execute(update(Transaction).where(Transaction.book_id == scope.book_id,
                                            Transaction.id.in_(ids))
                  .values(category_id=category_id))
        record_for(s, scope, "tx.bulk_edit", count=len(ids), ids=ids, category_id=category_id)
        check_budget_alerts(s, scope.book_id, [(r.category_id, r.date) for r in found]
                            + [(category_id, r.date) for r in found])
        return len(ids)


def bulk_delete(scope: Scope, transaction_ids: list[int]) -> int:
    """Delete many transactions (and the other legs of any transfers) in one transaction."""
    ids = sorted(set(transaction_ids))
    with scope.db.write() as s:
        require(s, scope, WRITE)
        rows = s.execute(select(Transaction.id, Transaction.transfer_id, Transaction.category_id,
                                Transaction.date).where(
            Transaction.book_id == scope.book_id, Transaction.id.in_(ids))).all()
        missing = set(ids) - {r.id for r in rows}
        if missing:
            raise NotFound("transaction", min(missing))
        tids = {r.transfer_id for r in rows if r.transfer_id}
        cond: ColumnElement[bool] = Transaction.id.in_(ids)
        if tids:
            cond = cond | Transaction.transfer_id.in_(tids)
        res = s.execute(delete(Transaction).where(Transaction.book_id == scope.book_id, cond))
        removed = int(res.rowcount or 0)  # type: ignore[attr-defined]
        record_for(s, scope, "tx.bulk_delete", count=removed, ids=ids)
        check_budget_alerts(s, scope.book_id, [(r.category_id, r.date) for r in rows])
        return removed
