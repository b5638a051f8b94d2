"""JSON shapes of the ledger resources, with examples for the OpenAPI document.

Money is always ``{"amount": "<decimal string>", "currency": "<ISO 4217>"}``: a float would
round cents (0.1 + 0.2), and an amount without its currency means nothing in a book with
EUR and USD accounts. Dates are ISO 8601 (``2024-03-05``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from fintrack_core.api import ValidationError
from fintrack_core.ledger.accounts import AccountView
from fintrack_core.ledger.books import BookView, MemberView
from fintrack_core.ledger.categories import CategoryView
from fintrack_core.ledger.users import UserView
from fintrack_core.money import to_decimal

MAX_TEXT_FIELD = 10_000  # the core checks the real limits and names the field


def _in_utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# A moment the core stores as naive UTC, sent with its offset ("2024-03-05T10:00:00Z"): the
# schema's date-time (RFC 3339) requires one, and a client must not guess the zone.
UtcDateTime = Annotated[dt.datetime, AfterValidator(_in_utc)]


class Strict(BaseModel):
    """Request bodies refuse unknown fields: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


def changes_of(body: BaseModel, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a PATCH body sets; ``null`` only where it means something (removing a
    transaction's category), else 422 naming the field rather than a half-applied edit."""
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in nullable:
            raise ValidationError(name, "may not be null; leave it out to keep it")
    return changes


class Money(BaseModel):
    amount: str = Field(examples=["-64.37"], description="Exact decimal, never a float")
    currency: str = Field(examples=["EUR"])


def money(minor: int, currency: str) -> Money:
    return Money(amount=str(to_decimal(minor, currency)), currency=currency)


class User(BaseModel):
    id: int = Field(examples=[1])
    username: str = Field(examples=["alice"])
    name: str = Field(examples=["Alice"])
    email: str = Field(examples=["alice@example.org"])
    is_admin: bool = Field(examples=[False])

    @classmethod
    def of(cls, u: UserView) -> User:
        return cls(id=u.id, username=u.username, name=u.name, email=u.email,
                   is_admin=u.is_admin)


class Book(BaseModel):
    id: int = Field(examples=[1])
    name: str = Field(examples=["Alice's book"])
    base_currency: str = Field(examples=["EUR"])
    role: Literal["owner", "editor", "viewer"] = Field(examples=["owner"])

    @classmethod
    def of(cls, b: BookView) -> Book:
        return cls(id=b.id, name=b.name, base_currency=b.base_currency, role=b.role.value)


class Member(BaseModel):
    user_id: int = Field(examples=[2])
    username: str = Field(examples=["bob"])
    name: str = Field(examples=["Bob"])
    role: Literal["owner", "editor", "viewer"] = Field(examples=["viewer"])

    @classmethod
    def of(cls, m: MemberView) -> Member:
        return cls(user_id=m.user_id, username=m.username, name=m.name, role=m.role.value)


class MemberIn(Strict):
    username: str = Field(max_length=200, examples=["bob"])
    role: Literal["owner", "editor", "viewer"] = Field(examples=["editor"])


AccountKind = Literal["checking", "savings", "credit_card", "cash", "loan", "investment"]


class Account(BaseModel):
    id: int = Field(examples=[3])
    name: str = Field(examples=["Girokonto"])
    type: str = Field(examples=["checking"])
    currency: str = Field(examples=["EUR"])
    opening_balance: Money
    opened_on: dt.date = Field(examples=["2024-01-01"])
    closed_on: dt.date | None = Field(examples=[None])
    institution: str = Field(examples=["DKB"])
    number: str = Field(examples=["DE89370400440532013000"])

    @classmethod
    def of(cls, a: AccountView) -> Account:
        return cls(id=a.id, name=a.name, type=a.type.value, currency=a.currency,
                   opening_balance=money(a.opening_balance, a.currency),
                   opened_on=a.opened_on, closed_on=a.closed_on,
                   institution=a.institution, number=a.number)


class AccountIn(Strict):
    name: str = Field(max_length=1000, examples=["Girokonto"])
    type: AccountKind = Field(examples=["checking"])
    currency: str = Field(max_length=3, examples=["EUR"])
    opening_balance: str = Field("0", max_length=40, examples=["1500.00"],
                                 description="Decimal string in the account's currency")
    opened_on: dt.date | None = Field(None, examples=["2024-01-01"])
    institution: str = Field("", max_length=1000, examples=["DKB"])
    number: str = Field("", max_length=100, examples=["DE89370400440532013000"])


class AccountPatch(Strict):
    """Fields to change; the currency is fixed once the account exists."""

    name: str | None = Field(None, max_length=1000, examples=["Joint account"])
    type: AccountKind | None = None
    opening_balance: str | None = Field(None, max_length=40, examples=["1600.00"])
    opened_on: dt.date | None = None
    institution: str | None = Field(None, max_length=1000)
    number: str | None = Field(None, max_length=100)


class Balance(BaseModel):
    account_id: int = Field(examples=[3])
    as_of: dt.date = Field(examples=["2024-03-31"])
    balance: Money


class Category(BaseModel):
    id: int = Field(examples=[12])
    name: str = Field(examples=["Groceries"])
    kind: Literal["income", "expense", "transfer"] = Field(examples=["expense"])
    parent_id: int | None = Field(examples=[10])
    color: str = Field(examples=["#4c9a2a"])
    path: str = Field(examples=["Food → Groceries"])
    depth: int = Field(examples=[1])

    @classmethod
    def of(cls, c: CategoryView) -> Category:
        return cls(id=c.id, name=c.name, kind=c.kind.value, parent_id=c.parent_id,
                   color=c.color, path=c.path, depth=c.depth)


class CategoryIn(Strict):
    name: str = Field(max_length=1000, examples=["Bakery"])
    kind: Literal["income", "expense", "transfer"] | None = Field(
        None, description="Needed at the top level; a sub-category takes its parent's")
    parent_id: int | None = Field(None, ge=1, examples=[10])
    color: str | None = Field(None, max_length=9, examples=["#aa7744"])


class CategoryPatch(Strict):
    name: str = Field(max_length=1000, examples=["Bakeries"])
    color: str | None = Field(None, max_length=9)


class CategoryMove(Strict):
    parent_id: int | None = Field(ge=1, examples=[10],
                                  description="The new parent, or null for the top level")


class CategoryMerge(Strict):
    into_id: int = Field(ge=1, examples=[12], description="The category that stays")


class Count(BaseModel):
    count: int = Field(examples=[17], description="How many rows the operation changed")
