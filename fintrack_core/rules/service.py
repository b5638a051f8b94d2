"""Import rules of a book: store, order, preview and re-apply them.

A rule's conditions and actions are JSON in ``rules.conditions``/``rules.actions``; they are
validated (``rule_spec``) before they are stored, and ids they name (accounts, a category)
must belong to the book, so a stored rule can always be loaded and applied. The evaluation
itself lives in ``rule_engine.apply_rules_frame`` and is shared by imports, ``preview_rule``
and ``reapply_rules``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.audit import record_for
from fintrack_core.budgets.alerts import check_budget_alerts
from fintrack_core.db.models import Book, Category, CategoryKind, Rule, Transaction
from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger.accounts import get_account
from fintrack_core.ledger.categories import get_category
from fintrack_core.ledger.search import matching_ids
from fintrack_core.rules.engine import FRAME_COLUMNS, apply_rules_frame
from fintrack_core.rules.spec import (
    ACTION_KINDS,
    FIELD_OPS,
    MODES,
    OP_LABELS,
    Action,
    Condition,
    RuleSpec,
    RuleView,
    check_regex,
    describe_rule,
    suggest_payee_condition,
)

__all__ = [
    "ACTION_KINDS", "FIELD_OPS", "FRAME_COLUMNS", "MODES", "OP_LABELS", "Action", "Condition",
    "RuleChange", "RulePreview", "RuleSpec", "RuleView", "active_rules", "apply_rules_frame",
    "check_regex", "create_rule", "delete_rule", "describe_rule", "get_rule_mode", "list_rules",
    "load_rules", "preview_rule", "reapply_rules", "reorder_rules", "rule_from_transaction",
    "rules_for_import", "set_rule_mode", "update_rule",
]

MAX_PREVIEW = 500


@dataclass(frozen=True, slots=True)
class RuleChange:
    """One existing transaction a rule would change: before and after."""

    transaction_id: int
    date: dt.date
    account_id: int
    amount_minor: int
    currency: str
    payee_before: str
    payee_after: str
    category_before: int | None
    category_after: int | None
    tags_before: str
    tags_after: str


@dataclass(frozen=True, slots=True)
class RulePreview:
    total: int  # transactions the rule would change
    changes: list[RuleChange]  # newest first, at most ``limit``


# --- loading ----------------------------------------------------------------------------------


def _view(rule_id: int, priority: int, spec: RuleSpec,
          categories: dict[int, Category]) -> RuleView:
    """A view with the category target's kind resolved (a deleted category drops the action
    and is reported in ``problems`` instead of breaking every import)."""
    actions: list[Action] = []
    kind, problems = None, []
    for action in spec.actions:
        if action.kind == "set_category":
            cat = categories.get(int(action.value))  # type: ignore[arg-type]
            if cat is None:
                problems.append(f"its category #{action.value} no longer exists")
                continue
            kind = cat.kind.value
        actions.append(action)
    return RuleView(rule_id, spec.name, priority, spec.match, spec.conditions, tuple(actions),
                    spec.enabled, kind, tuple(problems))


def _spec(rule: Rule) -> RuleSpec:
    return RuleSpec(rule.name, tuple(Condition.from_json(c) for c in json.loads(rule.conditions)),
                    tuple(Action.from_json(a) for a in json.loads(rule.actions)), rule.match,
                    rule.enabled)


def _categories(s: Session, book_id: int) -> dict[int, Category]:
    return {c.id: c for c in s.scalars(select(Category).where(Category.book_id == book_id))}


def _rules(s: Session, book_id: int) -> list[RuleView]:
    cats = _categories(s, book_id)
    rows = s.scalars(select(Rule).where(Rule.book_id == book_id)
                     .order_by(Rule.priority, Rule.id)).all()
    return [_view(r.id, r.priority, _spec(r), cats) for r in rows]


def _mode(s: Session, book_id: int) -> str:
    return str(s.scalar(select(Book.rule_mode).where(Book.id == book_id)) or "first")


def active_rules(session: Session, book_id: int) -> tuple[list[RuleView], str]:
    """Enabled rules in priority order and the book's mode, inside a caller's session.

    For the import service, which already holds a write session and has checked the role.
    """
    return [r for r in _rules(session, book_id) if r.enabled], _mode(session, book_id)


def load_rules(scope: Scope) -> tuple[list[RuleView], str]:
    """What an import needs to call ``apply_rules_frame(rules, frame, mode)``."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return active_rules(s, scope.book_id)


rules_for_import = load_rules


def list_rules(scope: Scope) -> list[RuleView]:
    """Every rule of the book (enabled or not) in the order they are applied."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return _rules(s, scope.book_id)


def get_rule_mode(scope: Scope) -> str:
    with scope.db.read() as s:
        require(s, scope, READ)
        return _mode(s, scope.book_id)


def set_rule_mode(scope: Scope, mode: str) -> None:
    """'first': the first matching rule settles a row; 'all': every matching rule acts."""
    mode = str(mode or "").strip().lower()
    if mode not in MODES:
        raise ValidationError("mode", f"{mode!r}: choose 'first' or 'all'")
    with scope.db.write() as s:
        require(s, scope, WRITE)
        s.execute(update(Book).where(Book.id == scope.book_id).values(rule_mode=mode))


# --- writing ----------------------------------------------------------------------------------


def _check_refs(s: Session, book_id: int, spec: RuleSpec) -> RuleSpec:
    """The spec is complete and every id it names is this book's (else ``NotFound``)."""
    spec.check()
    for cond in spec.conditions:
        if cond.field == "account":
            for account_id in cast(tuple[int, ...], cond.value):  # account conditions hold ids
                get_account(s, book_id, account_id)
    for action in spec.actions:
        if action.kind == "set_category":
            cat = get_category(s, book_id, int(action.value))  # type: ignore[arg-type]
            if cat.kind == CategoryKind.TRANSFER:
                raise ValidationError("category", f"{cat.name!r} is a transfer category; rules "
                                                  "never change transfers")
    return spec


def _store(rule: Rule, spec: RuleSpec) -> None:
    rule.name, rule.match, rule.enabled = spec.name, spec.match, spec.enabled
    rule.conditions = json.dumps([c.to_json() for c in spec.conditions])
    rule.actions = json.dumps([a.to_json() for a in spec.actions])


def _get(s: Session, book_id: int, rule_id: int) -> Rule:
    rule = s.get(Rule, rule_id)
    if rule is None or rule.book_id != book_id:
        raise NotFound("rule", rule_id)
    return rule


def _one(s: Session, book_id: int, rule_id: int) -> RuleView:
    return next(r for r in _rules(s, book_id) if r.id == rule_id)


def create_rule(scope: Scope, spec: RuleSpec, priority: int | None = None) -> RuleView:
    """Save a new rule; without ``priority`` it goes last (applied after the others)."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        _check_refs(s, scope.book_id, spec)
        if priority is None:
            last = s.scalar(select(func.max(Rule.priority)).where(Rule.book_id == scope.book_id))
            priority = int(last or 0) + 1
        rule = Rule(book_id=scope.book_id, priority=int(priority))
        _store(rule, spec)
        s.add(rule)
        s.flush()
        return _one(s, scope.book_id, rule.id)


def update_rule(scope: Scope, rule_id: int, spec: RuleSpec) -> RuleView:
    """Replace a rule's name, match, conditions, actions and enabled flag (not its place)."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        rule = _get(s, scope.book_id, rule_id)
        _store(rule, _check_refs(s, scope.book_id, spec))
        s.flush()
        return _one(s, scope.book_id, rule.id)


def delete_rule(scope: Scope, rule_id: int) -> None:
    with scope.db.write() as s:
        require(s, scope, WRITE)
        s.delete(_get(s, scope.book_id, rule_id))


def reorder_rules(scope: Scope, ordered_ids: list[int]) -> list[RuleView]:
    """Renumber priorities 1, 2, 3… in the given order, which must list every rule once."""
    ids = [int(i) for i in ordered_ids]
    with scope.db.write() as s:
        require(s, scope, WRITE)
        for rule_id in ids:
            _get(s, scope.book_id, rule_id)
        existing = set(s.scalars(select(Rule.id).where(Rule.book_id == scope.book_id)))
        if len(ids) != len(set(ids)) or set(ids) != existing:
            raise ValidationError("ordered_ids", "list every rule of the book exactly once")
        for priority, rule_id in enumerate(ids, start=1):
            _get(s, scope.book_id, rule_id).priority = priority
        s.flush()
        return _rules(s, scope.book_id)


# --- existing transactions --------------------------------------------------------------------


def _book_frame(s: Session, scope: Scope, flt: TransactionFilter | None = None) -> pd.DataFrame:
    """The book's transactions (optionally filtered as on the Transactions page) as a frame."""
    q = select(Transaction.id, Transaction.date, Transaction.account_id,
               Transaction.amount_minor, Transaction.currency, Transaction.payee,
               Transaction.description, Transaction.category_id, Transaction.tags,
               Transaction.transfer_id).where(Transaction.book_id == scope.book_id)
    if flt is not None:
        q = q.where(Transaction.id.in_(matching_ids(s, scope, flt)))
    columns = ["id", "date", "account_id", "amount_minor", "currency", "payee", "description",
               "category_id", "tags", "transfer_id"]
    frame = pd.DataFrame(s.execute(q).all(), columns=columns)
    frame["amount_minor"] = frame["amount_minor"].astype("int64")
    frame["category_id"] = frame["category_id"].astype("Int64")
    return frame


def _changed(before: pd.DataFrame, after: pd.DataFrame) -> pd.Series:
    return ((before["payee"] != after["payee"]) | (before["tags"] != after["tags"])
            | (before["category_id"].fillna(0) != after["category_id"].fillna(0)))


def preview_rule(scope: Scope, rule_or_spec: int | RuleSpec | RuleView,
                 limit: int = 50) -> RulePreview:
    """What one rule, on its own, would change in the book's existing transactions.

    Takes a saved rule's id or an unsaved spec (checked like a save, so another book's ids are
    ``NotFound``). A disabled rule is previewed as if enabled: that is what testing is for.
    """
    limit = max(1, min(int(limit), MAX_PREVIEW))
    with scope.db.read() as s:
        require(s, scope, READ)
        if isinstance(rule_or_spec, int):
            _get(s, scope.book_id, rule_or_spec)
            view = _one(s, scope.book_id, rule_or_spec)
        else:
            spec = rule_or_spec.spec if isinstance(rule_or_spec, RuleView) else rule_or_spec
            _check_refs(s, scope.book_id, spec)
            view = _view(-1, 0, spec, _categories(s, scope.book_id))
        view = RuleView(view.id, view.name, 0, view.match, view.conditions, view.actions,
                        True, view.category_kind)
        before = _book_frame(s, scope)
    after = apply_rules_frame([view], before, "first")
    rows = before.assign(payee_after=after["payee"], category_after=after["category_id"],
                         tags_after=after["tags"])[_changed(before, after)]
    rows = rows.sort_values(["date", "id"], ascending=False)
    changes = [RuleChange(int(r.id), r.date, int(r.account_id), int(r.amount_minor), r.currency,
                          r.payee, r.payee_after, _opt(r.category_id), _opt(r.category_after),
                          r.tags, r.tags_after)
               for r in cast(Iterable[Any], rows.head(limit).itertuples())]  # fields: see columns
    return RulePreview(len(rows), changes)


def _opt(value: object) -> int | None:
    return None if pd.isna(value) else int(value)  # type: ignore[call-overload]


def reapply_rules(scope: Scope, transaction_filter: TransactionFilter | None = None) -> int:
    """Run the book's enabled rules over existing transactions (all, or those matching the
    filter) and store the results in one database transaction. Returns how many changed.

    Rules overwrite what they set, manual categories included; pass
    ``TransactionFilter(uncategorised=True)`` to only fill gaps.
    """
    with scope.db.write() as s:
        require(s, scope, WRITE)
        rules, mode = active_rules(s, scope.book_id)
        before = _book_frame(s, scope, transaction_filter)
        if not rules or before.empty:
            return 0
        after = apply_rules_frame(rules, before, mode)
        changed = after[_changed(before, after)]
        if changed.empty:
            return 0
        params = [{"id": int(r.id), "payee": r.payee, "tags": r.tags,
                   "category_id": _opt(r.category_id)}
                  for r in cast(Iterable[Any], changed.itertuples())]  # fields: see columns
        # by primary key, and still only this book's rows (defence in depth)
        s.execute(update(Transaction).where(Transaction.book_id == scope.book_id), params,
                  execution_options={"synchronize_session": None})
        record_for(s, scope, "rules.reapply", changed=len(params), ids=[p["id"] for p in params])
        old = before.set_index("id").loc[changed["id"]]
        check_budget_alerts(s, scope.book_id, [
            *zip((_opt(c) for c in old["category_id"]), old["date"], strict=True),
            *zip((_opt(c) for c in changed["category_id"]), changed["date"], strict=True)])
        return len(params)


def rule_from_transaction(scope: Scope, transaction_id: int) -> RuleSpec:
    """A suggested, unsaved rule: this payee (or its stem) → this transaction's category.

    The spec may lack an action (the transaction has no category yet); the form fills it in.
    """
    with scope.db.read() as s:
        require(s, scope, READ)
        t = s.get(Transaction, transaction_id)
        if t is None or t.book_id != scope.book_id:
            raise NotFound("transaction", transaction_id)
        if t.transfer_id:
            raise ValidationError("transaction_id", "transfer legs are never changed by rules; "
                                                    "pick an ordinary transaction")
        if t.payee.strip():
            cond = suggest_payee_condition(t.payee)
        elif t.description.strip():
            cond = Condition("description", "contains", t.description)
        else:
            raise ValidationError("transaction_id", "the transaction has no payee or "
                                                    "description to match on")
        actions: tuple[Action, ...] = ()
        name = str(cond.value)
        if t.category_id is not None:
            cat = get_category(s, scope.book_id, t.category_id)
            if cat.kind != CategoryKind.TRANSFER:
                actions = (Action("set_category", cat.id),)
                name = f"{name} → {cat.name}"
        return RuleSpec(name[:200], (cond,), actions)
