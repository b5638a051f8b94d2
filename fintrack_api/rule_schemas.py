"""JSON shapes of import rules: conditions and actions as the Rules page builds them."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from fintrack_api.schemas import Money, Strict, money
from fintrack_core.rules.service import RuleChange, RulePreview
from fintrack_core.rules.spec import Action, Condition, RuleSpec, RuleView


class ConditionIn(Strict):
    field: Literal["payee", "description", "amount", "account", "date"] = Field(
        examples=["payee"])
    op: str = Field(max_length=20, examples=["contains"], description=(
        "payee/description: contains, equals, starts_with, regex; amount: equals, between, "
        "greater_than, less_than; account: in; date: on, before, after, between"))
    value: str | list[int] = Field(examples=["rewe"], description=(
        "Text; a decimal string for amounts (negative = money out); an ISO date; a list of "
        "account ids for 'in'"))
    value2: str | None = Field(None, max_length=40, description="The upper end of 'between'")

    def core(self) -> Condition:
        value = tuple(self.value) if isinstance(self.value, list) else self.value
        return Condition(self.field, self.op, value, self.value2)


class ActionIn(Strict):
    kind: Literal["set_category", "rename_payee", "add_tags"] = Field(examples=["set_category"])
    value: int | str | list[str] = Field(examples=[12], description=(
        "A category id, the new payee, or the tags to add"))

    def core(self) -> Action:
        return Action(self.kind, tuple(self.value) if isinstance(self.value, list)
                      else self.value)


class RuleIn(Strict):
    name: str = Field(max_length=1000, examples=["Supermarkets"])
    match: Literal["all", "any"] = Field("all", description="Every condition, or any one")
    enabled: bool = True
    conditions: list[ConditionIn] = Field(max_length=20)
    actions: list[ActionIn] = Field(max_length=3)

    def spec(self) -> RuleSpec:
        return RuleSpec(self.name, tuple(c.core() for c in self.conditions),
                        tuple(a.core() for a in self.actions), self.match, self.enabled)


class NewRule(RuleIn):
    priority: int | None = Field(None, ge=1, le=1_000_000,
                                 description="Where it goes; default: last (applied after the "
                                             "others)")


class ConditionOut(BaseModel):
    field: str = Field(examples=["payee"])
    op: str = Field(examples=["contains"])
    value: str | list[int] = Field(examples=["rewe"])
    value2: str | None = Field(None, examples=[None])


class ActionOut(BaseModel):
    kind: str = Field(examples=["set_category"])
    value: int | str | list[str] = Field(examples=[12])


class Rule(BaseModel):
    id: int = Field(examples=[4])
    name: str = Field(examples=["Supermarkets"])
    priority: int = Field(examples=[1])
    match: str = Field(examples=["all"])
    enabled: bool
    conditions: list[ConditionOut]
    actions: list[ActionOut]
    problems: list[str] = Field(examples=[[]], description="e.g. its category was deleted")

    @classmethod
    def of(cls, r: RuleView) -> Rule:
        return cls(id=r.id, name=r.name, priority=r.priority, match=r.match, enabled=r.enabled,
                   conditions=[ConditionOut(**c.to_json()) for c in r.conditions],
                   actions=[ActionOut(**a.to_json()) for a in r.actions],
                   problems=list(r.problems))


class Change(BaseModel):
    transaction_id: int = Field(examples=[41])
    date: dt.date
    account_id: int
    amount: Money
    payee_before: str
    payee_after: str
    category_before: int | None
    category_after: int | None
    tags_before: list[str]
    tags_after: list[str]

    @classmethod
    def of(cls, c: RuleChange) -> Change:
        return cls(transaction_id=c.transaction_id, date=c.date, account_id=c.account_id,
                   amount=money(c.amount_minor, c.currency), payee_before=c.payee_before,
                   payee_after=c.payee_after, category_before=c.category_before,
                   category_after=c.category_after,
                   tags_before=[t for t in c.tags_before.split(",") if t],
                   tags_after=[t for t in c.tags_after.split(",") if t])


class RuleTest(BaseModel):
    """What the rule, on its own, would change in the book's existing transactions."""

    total: int = Field(examples=[12])
    changes: list[Change] = Field(description="Newest first, at most `limit`")

    @classmethod
    def of(cls, p: RulePreview) -> RuleTest:
        return cls(total=p.total, changes=[Change.of(c) for c in p.changes])
