"""Categories page: tree, add under a parent, merge, delete with a target."""

from __future__ import annotations

from fintrack_core.ledger.categories import list_categories, usage_count
from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

PAGE = "pages/categories.py"


def paths(scope) -> set[str]:  # type: ignore[no-untyped-def]
    return {c.path for c in list_categories(scope)}


def test_shows_the_tree_with_paths(small_book: SmallBook, as_owner: OpenPage) -> None:
    table = as_owner(PAGE).dataframe[0].value
    assert "Transportation → Car → Fuel" in set(table["Path"])
    assert table["Path"].iloc[0] == "Income"


def test_add_a_sub_category(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    next(t for t in at.text_input if t.form_id == "add_category").input("EV charging")
    next(s for s in at.selectbox if s.form_id == "add_category").set_value(
        small_book.categories["Car"])
    next(b for b in at.button if b.label == "Add category").click().run()
    assert not at.exception
    assert "Transportation → Car → EV charging" in paths(small_book.owner)


def test_merge_moves_transactions(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.selectbox(key="mg_src").set_value(small_book.categories["Fuel"])
    at.selectbox(key="mg_dst").set_value(small_book.categories["Car"])
    next(b for b in at.button if b.label == "Merge").click().run()
    assert at.success[0].value == md("Merged; 2 transaction(s) moved.")
    assert usage_count(small_book.owner, small_book.categories["Car"]) == 2
    assert "Transportation → Car → Fuel" not in paths(small_book.owner)


def test_delete_a_used_category_asks_where_its_transactions_go(small_book: SmallBook,
                                                              as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.selectbox(key="del_cat").set_value(small_book.categories["Groceries"]).run()
    assert "used by 1 transaction(s)" in at.warning[0].value
    at.selectbox(key="del_target").set_value(small_book.categories["Restaurants"]).run()
    next(b for b in at.button if b.label == "Delete category").click().run()
    assert not at.exception
    assert usage_count(small_book.owner, small_book.categories["Restaurants"]) == 1
    assert "Food → Groceries" not in paths(small_book.owner)


def test_viewer_sees_the_tree_only(small_book: SmallBook, as_viewer: OpenPage) -> None:
    at = as_viewer(PAGE)
    assert len(at.dataframe[0].value) == len(list_categories(small_book.owner))
    assert not at.tabs
