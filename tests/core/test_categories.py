"""The category tree: a default tree per book, any depth, rename, move without cycles, merge,
delete only when unused or with a target; children always share their root's kind."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from fintrack_core.access import Scope
from fintrack_core.db.models import CategoryKind
from fintrack_core.errors import Conflict, NotFound, ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import categories as cats
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.search import list_transactions
from fintrack_core.rules import service as rules
from fintrack_core.rules.spec import Action, Condition, RuleSpec

if TYPE_CHECKING:
    from tests.conftest import SmallBook

DAY = dt.date(2024, 3, 20)


def by_path(scope: Scope) -> dict[str, cats.CategoryView]:
    return {c.path: c for c in cats.list_categories(scope)}


def spend(sb: SmallBook, category: str, amount: str = "-4.80", payee: str = "Café Kranzler"
          ) -> tx.TransactionView:
    return tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, DAY, amount, payee, category_id=sb.categories[category]))


def category_of(sb: SmallBook, transaction_id: int) -> int | None:
    rows = list_transactions(sb.owner, page_size=500).rows
    return next(r.category_id for r in rows if r.id == transaction_id)


def test_a_new_book_has_the_default_tree(small_book: SmallBook) -> None:
    tree = by_path(small_book.other)
    fuel = tree["Transportation → Car → Fuel"]
    assert (fuel.name, fuel.kind, fuel.depth) == ("Fuel", CategoryKind.EXPENSE, 2)
    assert fuel.parent_id == tree["Transportation → Car"].id
    assert tree["Transportation"].parent_id is None
    assert tree["Income → Salary"].kind == CategoryKind.INCOME
    assert tree["Transfers → Credit card payment"].kind == CategoryKind.TRANSFER
    assert tree["Food → Groceries"].color == tree["Food"].color == "#ef6c00"
    assert len(tree) == 48  # 11 roots, 34 children, 3 under Car


def test_list_orders_income_then_expenses_then_transfers(small_book: SmallBook) -> None:
    kinds = [c.kind for c in cats.list_categories(small_book.owner)]
    assert kinds == sorted(kinds, key=[CategoryKind.INCOME, CategoryKind.EXPENSE,
                                       CategoryKind.TRANSFER].index)
    paths = [c.path for c in cats.list_categories(small_book.owner)]
    assert paths[:2] == ["Income", "Income → Bonus"]
    assert paths[-1] == "Transfers → Savings"


def test_sub_categories_can_go_any_depth_and_inherit_kind_and_colour(
        small_book: SmallBook) -> None:
    diesel = cats.create_category(small_book.owner, "Diesel",
                                  parent_id=small_book.categories["Fuel"])
    premium = cats.create_category(small_book.owner, " Premium ", parent_id=diesel.id)
    assert premium.path == "Transportation → Car → Fuel → Diesel → Premium"
    assert (premium.depth, premium.kind, premium.color) == (4, CategoryKind.EXPENSE, "#1565c0")
    assert cats.descendant_ids(cats.list_categories(small_book.owner),
                               small_book.categories["Car"]) >= {diesel.id, premium.id}


def test_a_top_level_category_needs_a_valid_kind(small_book: SmallBook) -> None:
    pets = cats.create_category(small_book.owner, "Pets", "expense", color="#795548")
    assert (pets.path, pets.kind, pets.color, pets.depth) == (
        "Pets", CategoryKind.EXPENSE, "#795548", 0)
    for kind in (None, "spending"):
        with pytest.raises(ValidationError) as err:
            cats.create_category(small_book.owner, "Side job", kind)
        assert err.value.field == "kind"


@pytest.mark.parametrize("kind", ["income", "spending"])
def test_a_sub_category_kind_must_match_its_parent(small_book: SmallBook, kind: str) -> None:
    with pytest.raises(ValidationError) as err:
        cats.create_category(small_book.owner, "Tips", kind,
                             parent_id=small_book.categories["Food"])
    assert err.value.field == "kind"
    assert "Food → Tips" not in by_path(small_book.owner)


def test_sibling_names_are_unique_but_cousins_may_share_a_name(small_book: SmallBook) -> None:
    with pytest.raises(Conflict):
        cats.create_category(small_book.owner, "Fuel", parent_id=small_book.categories["Car"])
    with pytest.raises(Conflict):
        cats.create_category(small_book.owner, "Food", "expense")
    other = cats.create_category(small_book.owner, "Fuel",
                                 parent_id=small_book.categories["Housing"])
    assert other.path == "Housing → Fuel"
    with pytest.raises(ValidationError) as err:
        cats.create_category(small_book.owner, " ", "expense")
    assert err.value.field == "name"


def test_unknown_parent_is_not_found(small_book: SmallBook) -> None:
    with pytest.raises(NotFound) as err:
        cats.create_category(small_book.owner, "Tips", parent_id=999_999)
    assert err.value.kind == "parent"


def test_rename_keeps_place_and_transactions(small_book: SmallBook) -> None:
    sb = small_book
    cats.rename_category(sb.owner, sb.categories["Groceries"], "Supermarket", color="#ff9800")
    tree = by_path(sb.owner)
    assert tree["Food → Supermarket"].id == sb.categories["Groceries"]
    assert tree["Food → Supermarket"].color == "#ff9800"
    assert cats.usage_count(sb.owner, sb.categories["Groceries"]) == 1
    with pytest.raises(Conflict):
        cats.rename_category(sb.owner, sb.categories["Coffee"], "Restaurants")


def test_move_takes_the_subtree_along(small_book: SmallBook) -> None:
    sb = small_book
    cats.move_category(sb.owner, sb.categories["Car"], sb.categories["Housing"])
    tree = by_path(sb.owner)
    assert tree["Housing → Car → Fuel"].id == sb.categories["Fuel"]
    assert "Transportation → Car" not in tree
    cats.move_category(sb.owner, sb.categories["Car"], None)
    assert by_path(sb.owner)["Car → Fuel"].depth == 1


@pytest.mark.parametrize("target", ["Car", "Fuel"])
def test_move_refuses_cycles(small_book: SmallBook, target: str) -> None:
    sb = small_book
    with pytest.raises(ValidationError) as err:
        cats.move_category(sb.owner, sb.categories["Car"], sb.categories[target])
    assert err.value.field == "parent"
    assert "Transportation → Car → Fuel" in by_path(sb.owner)


def test_move_refuses_a_parent_of_another_kind(small_book: SmallBook) -> None:
    sb = small_book
    with pytest.raises(ValidationError) as err:
        cats.move_category(sb.owner, sb.categories["Groceries"], sb.categories["Income"])
    assert err.value.field == "parent"
    with pytest.raises(ValidationError):
        cats.move_category(sb.owner, sb.categories["Salary"], sb.categories["Transfers"])
    assert "Food → Groceries" in by_path(sb.owner)


def test_move_refuses_a_name_clash_at_the_new_place(small_book: SmallBook) -> None:
    sb = small_book
    cats.create_category(sb.owner, "Fuel", parent_id=sb.categories["Housing"])
    with pytest.raises(Conflict):
        cats.move_category(sb.owner, sb.categories["Fuel"], sb.categories["Housing"])


def test_merge_moves_transactions_and_children_then_deletes_the_source(
        small_book: SmallBook) -> None:
    sb = small_book
    latte = spend(sb, "Coffee")
    beans = cats.create_category(sb.owner, "Beans", parent_id=sb.categories["Coffee"])
    moved = cats.merge_categories(sb.owner, sb.categories["Coffee"], sb.categories["Restaurants"])
    assert moved == 1
    assert category_of(sb, latte.id) == sb.categories["Restaurants"]
    tree = by_path(sb.owner)
    assert "Food → Coffee" not in tree
    assert tree["Food → Restaurants → Beans"].id == beans.id
    assert cats.usage_count(sb.owner, sb.categories["Restaurants"]) == 1


def test_merge_refuses_categories_of_different_kinds(small_book: SmallBook) -> None:
    sb = small_book
    with pytest.raises(ValidationError) as err:
        cats.merge_categories(sb.owner, sb.categories["Salary"], sb.categories["Groceries"])
    assert err.value.field == "target"
    assert cats.usage_count(sb.owner, sb.categories["Salary"]) == 1


@pytest.mark.parametrize(("source", "target"), [("Car", "Car"), ("Car", "Fuel")])
def test_merge_refuses_itself_and_its_own_sub_category(small_book: SmallBook, source: str,
                                                       target: str) -> None:
    sb = small_book
    with pytest.raises(ValidationError) as err:
        cats.merge_categories(sb.owner, sb.categories[source], sb.categories[target])
    assert err.value.field == "target"
    assert "Transportation → Car → Fuel" in by_path(sb.owner)


def test_merge_with_a_clashing_child_name_is_a_conflict_and_changes_nothing(
        small_book: SmallBook) -> None:
    sb = small_book
    vehicle = cats.create_category(sb.owner, "Vehicle", parent_id=sb.categories["Transportation"])
    cats.create_category(sb.owner, "Fuel", parent_id=vehicle.id)
    before = by_path(sb.owner)
    with pytest.raises(Conflict, match="Fuel"):
        cats.merge_categories(sb.owner, sb.categories["Car"], vehicle.id)
    assert by_path(sb.owner) == before
    assert cats.usage_count(sb.owner, sb.categories["Fuel"]) == 2


def test_delete_an_unused_category(small_book: SmallBook) -> None:
    sb = small_book
    assert cats.delete_category(sb.owner, sb.categories["Coffee"]) == 0
    assert "Food → Coffee" not in by_path(sb.owner)


def test_delete_a_used_category_needs_a_target(small_book: SmallBook) -> None:
    sb = small_book
    with pytest.raises(Conflict, match="used by 1 transactions"):
        cats.delete_category(sb.owner, sb.categories["Groceries"])
    assert cats.usage_count(sb.owner, sb.categories["Groceries"]) == 1
    assert cats.delete_category(sb.owner, sb.categories["Groceries"],
                                move_to_id=sb.categories["Restaurants"]) == 1
    assert cats.usage_count(sb.owner, sb.categories["Restaurants"]) == 1
    assert "Food → Groceries" not in by_path(sb.owner)


@pytest.mark.parametrize(("target", "field"), [("Salary", "move_to"), ("Fuel", "move_to")])
def test_delete_refuses_a_target_of_another_kind_or_itself(small_book: SmallBook, target: str,
                                                           field: str) -> None:
    sb = small_book
    with pytest.raises(ValidationError) as err:
        cats.delete_category(sb.owner, sb.categories["Fuel"], move_to_id=sb.categories[target])
    assert err.value.field == field
    assert cats.usage_count(sb.owner, sb.categories["Fuel"]) == 2


def test_delete_moves_sub_categories_up_to_the_parent(small_book: SmallBook) -> None:
    sb = small_book
    cats.delete_category(sb.owner, sb.categories["Car"])
    tree = by_path(sb.owner)
    assert tree["Transportation → Fuel"].id == sb.categories["Fuel"]
    assert tree["Transportation → Parking"].depth == 1
    assert cats.usage_count(sb.owner, sb.categories["Fuel"]) == 2


def test_delete_with_a_clashing_child_name_is_a_conflict(small_book: SmallBook) -> None:
    sb = small_book
    cats.create_category(sb.owner, "Parking", parent_id=sb.categories["Transportation"])
    with pytest.raises(Conflict, match="Parking"):
        cats.delete_category(sb.owner, sb.categories["Car"])
    assert "Transportation → Car → Parking" in by_path(sb.owner)


def test_usage_count_counts_only_the_category_itself(small_book: SmallBook) -> None:
    sb = small_book
    assert cats.usage_count(sb.owner, sb.categories["Fuel"]) == 2
    assert cats.usage_count(sb.owner, sb.categories["Car"]) == 0
    rows = list_transactions(sb.owner, TransactionFilter(category_ids=(sb.categories["Car"],))).rows
    assert len(rows) == 2


def test_categories_of_another_book_are_not_found(small_book: SmallBook) -> None:
    carol_fuel = by_path(small_book.other)["Transportation → Car → Fuel"].id
    for call in (lambda: cats.usage_count(small_book.owner, carol_fuel),
                 lambda: cats.rename_category(small_book.owner, carol_fuel, "Petrol"),
                 lambda: cats.delete_category(small_book.owner, carol_fuel)):
        with pytest.raises(NotFound):
            call()
    assert by_path(small_book.other)["Transportation → Car → Fuel"].id == carol_fuel


# --- rules follow their category -----------------------------------------------------------


def _rule(book: SmallBook, name: str, *actions: Action) -> int:
    return rules.create_rule(book.owner, RuleSpec(
        name, (Condition("payee", "contains", name),), actions)).id


def _rule_actions(book: SmallBook) -> dict[str, tuple[tuple[str, object], ...]]:
    return {r.name: tuple((a.kind, a.value) for a in r.actions)
            for r in rules.list_rules(book.owner)}


def test_merging_a_category_points_its_rules_at_the_target(small_book: SmallBook) -> None:
    c = small_book.categories
    _rule(small_book, "Shell", Action("set_category", c["Fuel"]), Action("add_tags", "car"))
    _rule(small_book, "REWE", Action("set_category", c["Groceries"]))
    cats.merge_categories(small_book.owner, c["Fuel"], c["Groceries"])
    assert _rule_actions(small_book) == {
        "Shell": (("set_category", c["Groceries"]), ("add_tags", ("car",))),
        "REWE": (("set_category", c["Groceries"]),)}
    assert all(not r.problems for r in rules.list_rules(small_book.owner))


def test_deleting_a_used_category_points_its_rules_at_the_move_target(
        small_book: SmallBook) -> None:
    c = small_book.categories
    _rule(small_book, "Shell", Action("set_category", c["Fuel"]))
    cats.delete_category(small_book.owner, c["Fuel"], move_to_id=c["Groceries"])
    assert _rule_actions(small_book) == {"Shell": (("set_category", c["Groceries"]),)}


def test_deleting_an_unused_category_drops_the_action_and_disables_a_rule_left_empty(
        small_book: SmallBook) -> None:
    c = small_book.categories
    unused = cats.create_category(small_book.owner, "Parking", "expense").id
    tagged = _rule(small_book, "Garage", Action("set_category", unused),
                   Action("add_tags", "car"))
    only = _rule(small_book, "Meter", Action("set_category", unused))
    other = _rule(small_book, "REWE", Action("set_category", c["Groceries"]))
    cats.delete_category(small_book.owner, unused)
    by_id = {r.id: r for r in rules.list_rules(small_book.owner)}
    assert [(a.kind, a.value) for a in by_id[tagged].actions] == [("add_tags", ("car",))]
    assert by_id[tagged].enabled
    assert by_id[only].actions == ()
    assert not by_id[only].enabled  # kept with its conditions, but no longer applied
    assert by_id[other].enabled
    assert all(not r.problems for r in by_id.values())
