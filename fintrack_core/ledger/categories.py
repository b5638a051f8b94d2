"""The category tree of a book: any depth, income/expense/transfer, with colours.

Children share their root's kind, so "Car → Fuel" under an expense root is always an expense;
that single rule makes every roll-up in reports well defined.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.audit import record_for
from fintrack_core.db.models import Budget, Category, CategoryKind, Rule, Transaction
from fintrack_core.errors import Conflict, NotFound, ValidationError
from fintrack_core.text import MAX_CATEGORY_NAME, clean_text

# (name, kind, colour, children) — a modest default most households recognise.
DEFAULT_TREE: list[tuple[str, str, str, list[str]]] = [
    ("Income", "income", "#2e7d32", ["Salary", "Bonus", "Interest", "Refunds", "Other income"]),
    ("Housing", "expense", "#6d4c41", ["Rent", "Mortgage", "Utilities", "Internet", "Maintenance"]),
    ("Food", "expense", "#ef6c00", ["Groceries", "Restaurants", "Coffee"]),
    ("Transportation", "expense", "#1565c0", ["Public transport", "Taxi", "Car"]),
    ("Shopping", "expense", "#8e24aa", ["Clothing", "Electronics", "Household"]),
    ("Entertainment", "expense", "#c2185b", ["Subscriptions", "Events", "Hobbies"]),
    ("Health", "expense", "#00897b", ["Pharmacy", "Doctor", "Fitness"]),
    ("Travel", "expense", "#0097a7", ["Flights", "Hotels", "Holiday spending"]),
    ("Bills & fees", "expense", "#546e7a", ["Insurance", "Phone", "Bank fees", "Taxes"]),
    ("Gifts & donations", "expense", "#ad1457", []),
    ("Transfers", "transfer", "#9e9e9e", ["Credit card payment", "Savings"]),
]
SUBTREES = {"Car": ["Fuel", "Parking", "Service"]}


@dataclass(frozen=True, slots=True)
class CategoryView:
    id: int
    name: str
    kind: CategoryKind
    parent_id: int | None
    color: str
    path: str  # "Transportation → Car → Fuel"
    depth: int


def create_default_tree(session: Session, book_id: int) -> None:
    def add(name: str, kind: str, color: str, parent: int | None) -> int:
        cat = Category(book_id=book_id, name=name, kind=CategoryKind(kind), parent_id=parent,
                       color=color)
        session.add(cat)
        session.flush()
        return cat.id

    for root, kind, color, children in DEFAULT_TREE:
        root_id = add(root, kind, color, None)
        for child in children:
            child_id = add(child, kind, color, root_id)
            for grandchild in SUBTREES.get(child, []):
                add(grandchild, kind, color, child_id)


def category_tree(session: Session, book_id: int) -> list[CategoryView]:
    """The book's categories with paths and depths, inside a session whose role check is
    done — for callers that already hold one (a filter, a move or merge), where
    ``list_categories`` would open a second session.
    """
    cats = session.scalars(select(Category).where(Category.book_id == book_id)).all()
    by_id = {c.id: c for c in cats}

    def path(c: Category) -> list[str]:
        names, seen = [], set()
        while c is not None and c.id not in seen:
            seen.add(c.id)
            names.append(c.name)
            c = by_id.get(c.parent_id) if c.parent_id else None  # type: ignore[assignment]
        return names[::-1]

    views = [CategoryView(c.id, c.name, c.kind, c.parent_id, c.color,
                          " → ".join(p := path(c)), len(p) - 1) for c in cats]
    return sorted(views, key=lambda v: (v.kind != CategoryKind.INCOME,
                                        v.kind == CategoryKind.TRANSFER, v.path.lower()))


def list_categories(scope: Scope) -> list[CategoryView]:
    """The whole tree, ordered income first, then expenses, transfers, each by path."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return category_tree(s, scope.book_id)


def category_view(scope: Scope, category_id: int) -> CategoryView:
    """One category of the book, with its path and depth (NotFound for any other id)."""
    with scope.db.read() as s:
        require(s, scope, READ)
        get_category(s, scope.book_id, category_id)
        return next(v for v in category_tree(s, scope.book_id) if v.id == category_id)


def descendant_ids(categories: list[CategoryView], root_id: int) -> set[int]:
    """``root_id`` and every category below it (used by filters and roll-ups)."""
    children: dict[int | None, list[int]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c.id)
    out, stack = set(), [root_id]
    while stack:
        cid = stack.pop()
        if cid not in out:
            out.add(cid)
            stack.extend(children.get(cid, []))
    return out


def get_category(session: Session, book_id: int, category_id: int,
                 field: str = "category") -> Category:
    """Load a category of this book, or raise ``NotFound`` (another book's id looks absent)."""
    cat = session.get(Category, NotFound.unless_id(field, category_id))
    if cat is None or cat.book_id != book_id:
        raise NotFound(field, category_id)
    return cat


def _check_name(session: Session, book_id: int, name: str, parent_id: int | None,
                exclude_id: int | None = None) -> str:
    name = clean_text(name, "name", MAX_CATEGORY_NAME)
    if not name:
        raise ValidationError("name", "a category needs a name")
    clash = session.scalar(select(Category.id).where(
        Category.book_id == book_id, Category.name == name,
        Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id,
        Category.id != (exclude_id or -1)))
    if clash is not None:
        raise Conflict(f"a category named {name!r} already exists at that place")
    return name


def create_category(scope: Scope, name: str, kind: str | CategoryKind | None = None,
                    parent_id: int | None = None, color: str | None = None) -> CategoryView:
    """Add a category; under a parent it takes the parent's kind (and colour unless given)."""
    try:
        kind = None if kind is None else CategoryKind(kind)
    except ValueError:
        raise ValidationError("kind", f"{kind!r} is not income, expense or transfer") from None
    with scope.db.write() as s:
        require(s, scope, WRITE)
        if parent_id is not None:
            parent = get_category(s, scope.book_id, parent_id, "parent")
            if kind is not None and kind != parent.kind:
                raise ValidationError(
                    "kind", f"{kind.value} does not match parent "
                            f"{parent.name!r} ({parent.kind.value})")
            kind, color = parent.kind, color or parent.color
        elif kind is None:
            raise ValidationError("kind", "a top-level category needs a kind")
        cat = Category(book_id=scope.book_id, kind=kind, parent_id=parent_id,
                       name=_check_name(s, scope.book_id, name, parent_id),
                       color=color or "#888888")
        s.add(cat)
        s.flush()
        return next(v for v in category_tree(s, scope.book_id) if v.id == cat.id)


def rename_category(scope: Scope, category_id: int, name: str,
                    color: str | None = None) -> None:
    with scope.db.write() as s:
        require(s, scope, WRITE)
        cat = get_category(s, scope.book_id, category_id)
        cat.name = _check_name(s, scope.book_id, name, cat.parent_id, exclude_id=cat.id)
        if color:
            cat.color = color


def move_category(scope: Scope, category_id: int, new_parent_id: int | None) -> None:
    """Move under another parent (or to the top). No cycles; the kind must match."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        cat = get_category(s, scope.book_id, category_id)
        if new_parent_id is not None:
            parent = get_category(s, scope.book_id, new_parent_id, "parent")
            tree = category_tree(s, scope.book_id)
            if new_parent_id in descendant_ids(tree, cat.id):
                raise ValidationError("parent", "a category cannot move under itself or "
                                                "one of its sub-categories")
            if parent.kind != cat.kind:
                raise ValidationError("parent", f"{parent.name!r} is {parent.kind.value}, "
                                                f"{cat.name!r} is {cat.kind.value}")
        _check_name(s, scope.book_id, cat.name, new_parent_id, exclude_id=cat.id)
        cat.parent_id = new_parent_id


def usage_count(scope: Scope, category_id: int) -> int:
    """How many transactions use this category (not its children)."""
    with scope.db.read() as s:
        require(s, scope, READ)
        get_category(s, scope.book_id, category_id)
        return int(s.scalar(select(func.count(Transaction.id)).where(
            Transaction.book_id == scope.book_id, Transaction.category_id == category_id)) or 0)


def merge_categories(scope: Scope, source_id: int, target_id: int) -> int:
    """Move all of ``source``'s transactions and children to ``target``, then delete ``source``.

    Returns the number of transactions moved.
    """
    if source_id == target_id:
        raise ValidationError("target", "cannot merge a category into itself")
    with scope.db.write() as s:
        require(s, scope, WRITE)
        src = get_category(s, scope.book_id, source_id, "source")
        dst = get_category(s, scope.book_id, target_id, "target")
        _refuse_if_budgeted(s, scope.book_id, src.id, src.name)
        if src.kind != dst.kind:
            raise ValidationError("target", f"{dst.name!r} is {dst.kind.value}, "
                                            f"{src.name!r} is {src.kind.value}")
        if target_id in descendant_ids(category_tree(s, scope.book_id), source_id):
            raise ValidationError("target", "cannot merge a category into its own sub-category")
        _adopt_children(s, scope.book_id, source_id, target_id)
        moved = _reassign(s, scope.book_id, source_id, target_id)
        updated, disabled = _retarget_rules(s, scope.book_id, source_id, target_id)
        s.flush()
        s.delete(src)
        record_for(s, scope, "category.merge", source_id=source_id, source=src.name,
                   target_id=target_id, target=dst.name, moved=moved,
                   rules_updated=updated, rules_disabled=disabled)
        return moved


def delete_category(scope: Scope, category_id: int, move_to_id: int | None = None) -> int:
    """Delete a category. Used ones need ``move_to_id``; sub-categories move up to its parent."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        cat = get_category(s, scope.book_id, category_id)
        _refuse_if_budgeted(s, scope.book_id, cat.id, cat.name)
        used = int(s.scalar(select(func.count(Transaction.id)).where(
            Transaction.book_id == scope.book_id,
            Transaction.category_id == category_id)) or 0)
        moved = 0
        if used:
            if move_to_id is None:
                raise Conflict(f"{cat.name!r} is used by {used} transactions; "
                               "choose a category to move them to")
            if move_to_id == category_id:
                raise ValidationError("move_to", "choose a different category")
            dst = get_category(s, scope.book_id, move_to_id, "move_to")
            if move_to_id in descendant_ids(category_tree(s, scope.book_id), category_id):
                raise ValidationError("move_to", "cannot move into a sub-category being orphaned")
            if dst.kind != cat.kind:
                raise ValidationError("move_to", f"{dst.name!r} is {dst.kind.value}, "
                                                 f"{cat.name!r} is {cat.kind.value}")
            moved = _reassign(s, scope.book_id, category_id, move_to_id)
        _adopt_children(s, scope.book_id, category_id, cat.parent_id)
        updated, disabled = _retarget_rules(s, scope.book_id, category_id,
                                               move_to_id if used else None)
        s.flush()
        s.delete(cat)
        record_for(s, scope, "category.delete", id=category_id, name=cat.name,
                   moved=moved, move_to_id=move_to_id if used else None,
                   rules_updated=updated, rules_disabled=disabled)
        return moved


def _refuse_if_budgeted(s: Session, book_id: int, category_id: int, name: str) -> None:
    """A budget's category cannot vanish under it: the budget would silently cover nothing
    (or, moved along, another category's spending). The user decides what happens to it."""
    budget_id = s.scalar(select(Budget.id).where(Budget.book_id == book_id,
                                                 Budget.category_id == category_id).limit(1))
    if budget_id is not None:
        raise Conflict(f"{name!r} has a budget (#{budget_id}); delete the budget or give it "
                       "another category first")


def _adopt_children(s: Session, book_id: int, old_parent_id: int,
                    new_parent_id: int | None) -> None:
    """Move ``old_parent_id``'s children under ``new_parent_id``; a name clash is a Conflict
    (raised before anything changed, instead of a raw unique-constraint error)."""
    children = s.scalars(select(Category).where(Category.book_id == book_id,
                                                Category.parent_id == old_parent_id)).all()
    for child in children:
        _check_name(s, book_id, child.name, new_parent_id, exclude_id=child.id)
    for child in children:
        child.parent_id = new_parent_id


def _retarget_rules(s: Session, book_id: int, old_id: int,
                    new_id: int | None) -> tuple[list[int], list[int]]:
    """Rules whose ``set_category`` action targets ``old_id`` follow the category to
    ``new_id``; with no new category the action goes, and a rule left without any action is
    disabled (kept, so its conditions are not lost). Returns (updated ids, disabled ids),
    which the caller's audit entry records. Same transaction as the category change."""
    updated: list[int] = []
    disabled: list[int] = []
    for rule in s.scalars(select(Rule).where(Rule.book_id == book_id)):
        actions = json.loads(rule.actions)
        hits = [a for a in actions if a.get("kind") == "set_category"
                and str(a.get("value")) == str(old_id)]
        if not hits:
            continue
        if new_id is not None:
            for action in hits:
                action["value"] = int(new_id)
            updated.append(rule.id)
        else:
            actions = [a for a in actions if a not in hits]
            if not actions:
                rule.enabled = False
                disabled.append(rule.id)
            else:
                updated.append(rule.id)
        rule.actions = json.dumps(actions)
    return updated, disabled


def _reassign(s: Session, book_id: int, source_id: int, target_id: int) -> int:
    result = s.execute(update(Transaction).where(
        Transaction.book_id == book_id, Transaction.category_id == source_id
    ).values(category_id=target_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
