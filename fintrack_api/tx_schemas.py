"""JSON shapes of transactions and transfers (money and dates as in ``schemas``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from fintrack_api.schemas import MAX_TEXT_FIELD, Money, Strict, money
from fintrack_core.ledger.search import Row
from fintrack_core.ledger.transactions import TransactionView, TransferView, split_tags


class Transaction(BaseModel):
    id: int = Field(examples=[41])
    account_id: int = Field(examples=[3])
    date: dt.date = Field(examples=["2024-03-05"])
    amount: Money
    payee: str = Field(examples=["REWE"])
    description: str = Field(examples=["Groceries"])
    category_id: int | None = Field(examples=[12])
    notes: str = Field(examples=[""])
    tags: list[str] = Field(examples=[["food", "weekly"]])
    scheduled: bool = Field(examples=[False])
    transfer_id: str | None = Field(examples=[None])
    external_id: str | None = Field(None, examples=["2024030512345"])

    @classmethod
    def of(cls, t: TransactionView) -> Transaction:
        return cls(id=t.id, account_id=t.account_id, date=t.date,
                   amount=money(t.amount_minor, t.currency), payee=t.payee,
                   description=t.description, category_id=t.category_id, notes=t.notes,
                   tags=t.tags, scheduled=t.scheduled, transfer_id=t.transfer_id,
                   external_id=t.external_id)


class ListedTransaction(BaseModel):
    """A row of a list: the transaction with its account's and category's names."""

    id: int = Field(examples=[41])
    account_id: int = Field(examples=[3])
    account: str = Field(examples=["Girokonto"])
    date: dt.date = Field(examples=["2024-03-05"])
    amount: Money
    payee: str = Field(examples=["REWE"])
    description: str = Field(examples=["Groceries"])
    category_id: int | None = Field(examples=[12])
    category: str = Field(examples=["Groceries"])
    notes: str = Field(examples=[""])
    tags: list[str] = Field(examples=[["food"]])
    scheduled: bool = Field(examples=[False])
    transfer_id: str | None = Field(examples=[None])

    @classmethod
    def of(cls, r: Row) -> ListedTransaction:
        return cls(id=r.id, account_id=r.account_id, account=r.account, date=r.date,
                   amount=money(r.amount_minor, r.currency), payee=r.payee,
                   description=r.description, category_id=r.category_id, category=r.category,
                   notes=r.notes, tags=split_tags(r.tags), scheduled=r.scheduled,
                   transfer_id=r.transfer_id)


class TransactionPage(BaseModel):
    items: list[ListedTransaction]
    next_cursor: str | None = Field(
        examples=["eyJ2IjogIjIwMjQtMDMtMDUiLCAiaSI6IDQxfQ"],
        description="Pass as ?cursor= for the next page; null on the last page")


class TransactionIn(Strict):
    account_id: int = Field(ge=1, examples=[3])
    date: dt.date = Field(examples=["2024-03-05"])
    amount: str = Field(max_length=40, examples=["-64.37"],
                        description="Decimal string in the account's currency; negative is "
                                    "money out")
    payee: str = Field("", max_length=MAX_TEXT_FIELD, examples=["REWE"])
    description: str = Field("", max_length=MAX_TEXT_FIELD, examples=["Groceries"])
    category_id: int | None = Field(None, ge=1, examples=[12])
    notes: str = Field("", max_length=MAX_TEXT_FIELD)
    tags: list[str] = Field(default_factory=list, max_length=100, examples=[["food"]])
    scheduled: bool = Field(False, description="Needed for a date after today")
    external_id: str | None = Field(
        None, max_length=100, examples=["2024030512345"],
        description="The bank's id of this row; posting it again to the same account "
                    "returns the first transaction instead of adding a second")


class TransactionPatch(Strict):
    """Fields to change. A transfer leg's amount and account cannot change (delete the
    transfer and enter it again); its date moves both legs."""

    account_id: int | None = Field(None, ge=1)
    date: dt.date | None = None
    amount: str | None = Field(None, max_length=40, examples=["-70.00"])
    payee: str | None = Field(None, max_length=MAX_TEXT_FIELD)
    description: str | None = Field(None, max_length=MAX_TEXT_FIELD)
    category_id: int | None = Field(None, ge=1, description="null removes the category")
    notes: str | None = Field(None, max_length=MAX_TEXT_FIELD)
    tags: list[str] | None = Field(None, max_length=100)
    scheduled: bool | None = None


class BudgetAlert(BaseModel):
    """A budget threshold this write crossed (``fired``) or fell back under (``resolved``)."""

    kind: str = Field(examples=["fired"])
    budget_id: int = Field(examples=[2])
    category: str = Field(examples=["Food → Groceries"])
    threshold: int = Field(examples=[80], description="Percent of the budget")
    period_start: dt.date = Field(examples=["2024-03-01"])
    period_end: dt.date = Field(examples=["2024-03-31"])
    spent: Money
    limit: Money
    message: str = Field(examples=["Groceries: 80% of the March budget spent"])


class TransactionCreated(Transaction):
    budget_alerts: list[BudgetAlert] = Field(default_factory=list)


class TransferIn(Strict):
    from_account_id: int = Field(ge=1, examples=[3])
    to_account_id: int = Field(ge=1, examples=[4])
    amount: str = Field(max_length=40, examples=["300.00"],
                        description="Sent, positive, in the source account's currency")
    received: str | None = Field(None, max_length=40, examples=[None],
                                 description="Across currencies: the amount that arrived")
    date: dt.date = Field(examples=["2024-03-15"])
    description: str = Field("", max_length=MAX_TEXT_FIELD, examples=["Monthly saving"])
    category_id: int | None = Field(None, ge=1)
    scheduled: bool = False


class Transfer(BaseModel):
    transfer_id: str = Field(examples=["3f2b9c0d4e5f4a6b8c7d9e0f1a2b3c4d"])
    out_leg: Transaction
    in_leg: Transaction
    rate: str = Field(examples=["1"], description="Received per unit sent, exact")

    @classmethod
    def of(cls, t: TransferView) -> Transfer:
        return cls(transfer_id=t.transfer_id, out_leg=Transaction.of(t.out_leg),
                   in_leg=Transaction.of(t.in_leg), rate=str(t.rate))
