"""Import rules: validated values, the vectorised evaluator, and the book-scoped services.

Evaluator tests carry their rows inline (``rows(...)``) so input and assertion sit together;
service tests use the shared small book plus a few realistic card payments.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from sqlalchemy import select

from fintrack_core.db.models import Transaction
from fintrack_core.errors import NotFound, PermissionDenied, ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import categories as cats
from fintrack_core.ledger import transactions as tx
from fintrack_core.money import to_minor
from fintrack_core.rules import service as rules
from fintrack_core.rules.service import Action, Condition, RuleSpec, RuleView

if TYPE_CHECKING:
    from tests.conftest import SmallBook

Snap = Callable[..., Any]
GROCERIES, SHOPPING, SUBS, SALARY = 101, 102, 103, 104


def rows(text: str) -> pd.DataFrame:
    """An import frame from ``payee;description;amount;currency;account;date[;category;tags]``
    lines; amounts are decimals in the row's currency, as on a statement."""
    raw = pd.read_csv(io.StringIO(text.strip()), sep=";", header=None, dtype=str,
                      keep_default_na=False)
    raw = raw.reindex(columns=range(8), fill_value="")
    frame = pd.DataFrame({
        "payee": raw[0].str.strip(), "description": raw[1].str.strip(),
        "amount_minor": [to_minor(a.strip(), c.strip()) for a, c in zip(raw[2], raw[3],
                                                                         strict=True)],
        "currency": raw[3].str.strip(), "account_id": raw[4].astype(int),
        "date": [dt.date.fromisoformat(d.strip()) for d in raw[5]],
        "category_id": pd.array([int(c) if c.strip() else None for c in raw[6]], "Int64"),
        "tags": raw[7].str.strip(),
    })
    frame["amount_minor"] = frame["amount_minor"].astype("int64")
    return frame


STATEMENT = rows("""
REWE SAGT DANKE 1234 ; Kartenzahlung girocard  ; -64.37 ; EUR ; 1 ; 2024-03-05
AMZN Mktp DE*2K4      ; Amazon Marketplace     ; -19.99 ; EUR ; 1 ; 2024-03-07
Netflix.com           ; NETFLIX.COM Abo        ; -12.99 ; EUR ; 2 ; 2024-03-10
ACME GmbH             ; Gehalt März            ; 2500.00; EUR ; 1 ; 2024-03-28
rewe markt gmbh       ; Lastschrift            ; -5.10  ; EUR ; 1 ; 2024-04-02
AMZN Mktp DE*9Q1      ; Erstattung             ; 19.99  ; EUR ; 1 ; 2024-04-03
""")


def rule(rule_id: int, *conds: Condition, actions: tuple[Action, ...] = (),
         match: str = "all", priority: int | None = None, kind: str = "expense",
         enabled: bool = True) -> RuleView:
    return RuleView(rule_id, f"rule {rule_id}", rule_id if priority is None else priority,
                    match, conds, actions, enabled, kind)


def cat(category_id: int) -> tuple[Action, ...]:
    return (Action("set_category", category_id),)


def hits(frame: pd.DataFrame, *conds: Condition, match: str = "all") -> list[str]:
    """Payees the conditions match (seen through a rule that tags what it matches)."""
    out = rules.apply_rules_frame([rule(1, *conds, actions=(Action("add_tags", "hit"),),
                                    match=match)], frame)
    return list(out.loc[out["rule_id"].notna(), "payee"])


# --- values and validation -----------------------------------------------------------------


@pytest.mark.parametrize(("args", "field", "says"), [
    (("merchant", "contains", "x"), "field", "not a rule field"),
    (("payee", "greater_than", "x"), "op", "does not apply to payee"),
    (("payee", "contains", "   "), "value", "empty"),
    (("payee", "regex", r"(\d+)-\1"), "value", "invalid escape sequence"),
    (("payee", "regex", r"(?=REWE)"), "value", "not a usable regular expression"),
    (("payee", "regex", "[unclosed"), "value", "missing ]"),
    (("amount", "equals", "12,99"), "value", "'12,99' is not a number"),
    (("amount", "equals", "1_000"), "value", "'1_000' is not a number"),
    (("amount", "equals", "١٢٣"), "value", "is not a number"),
    (("amount", "equals", 12.99), "value", "not float"),
    (("amount", "equals", "NaN"), "value", "'NaN' is not a number"),
    (("amount", "equals", Decimal("NaN")), "value", "NaN is not a finite number"),
    (("amount", "greater_than", "1E+999999999"), "value", "is not a number"),
    (("amount", "greater_than", Decimal("1E+999999999")), "value", "is too large"),
    (("amount", "between", "-10", None), "value2", "empty"),
    (("amount", "between", "10", "-10"), "value2", "low to high"),
    (("amount", "less_than", "10", "20"), "value2", "only 'between'"),
    (("date", "after", "31.03.2024"), "value", "not a date"),
    (("date", "before", None), "value", "empty"),
    (("date", "between", "2024-03-31", "2024-03-01"), "value2", "low to high"),
    (("account", "in", []), "value", "at least one account"),
    (("account", "in", None), "value", "at least one account"),
    (("account", "in", ["Girokonto"]), "value", "not a list of account ids"),
])
def test_a_bad_condition_names_what_is_wrong(args: tuple[Any, ...], field: str,
                                             says: str) -> None:
    with pytest.raises(ValidationError, match=says) as err:
        Condition(*args)
    assert err.value.field == field


@pytest.mark.parametrize(("kind", "value", "field"), [
    ("delete_row", 1, "action"), ("set_category", "Groceries", "category"),
    ("rename_payee", "  ", "payee"), ("add_tags", " , ", "tags"),
])
def test_a_bad_action_names_what_is_wrong(kind: str, value: Any, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        Action(kind, value)
    assert err.value.field == field


def test_values_are_normalised_and_survive_json() -> None:
    cond = Condition("Payee", "starts with", "  REWE ")
    assert (cond.field, cond.op, cond.value) == ("payee", "starts_with", "REWE")
    # A list, text ids and repeats are accepted and normalised (the JSON and form inputs).
    assert Condition("account", "in", [3, "1", 3]).value == (1, 3)  # type: ignore[arg-type]
    assert Action("add_tags", "Food, #weekly").value == ("food", "weekly")
    for c in (cond, Condition("amount", "between", "-100", "-0.01"),
              Condition("date", "on", dt.date(2024, 3, 5)), Condition("account", "in", 7)):  # type: ignore[arg-type]
        assert Condition.from_json(c.to_json()) == c


def test_a_spec_must_be_complete_to_save() -> None:
    payee = (Condition("payee", "contains", "rewe"),)
    for spec, field in [(RuleSpec("", payee, cat(1)), "name"),
                        (RuleSpec("REWE", (), cat(1)), "conditions"),
                        (RuleSpec("REWE", payee, ()), "actions"),
                        (RuleSpec("REWE", payee, cat(1) + cat(2)), "actions")]:
        with pytest.raises(ValidationError) as err:
            spec.check()
        assert err.value.field == field
    with pytest.raises(ValidationError, match="'all'"):
        RuleSpec("REWE", payee, cat(1), match="most")


# --- the evaluator: operators --------------------------------------------------------------


def test_text_operators_ignore_case() -> None:
    assert hits(STATEMENT, Condition("payee", "contains", "Rewe")) == [
        "REWE SAGT DANKE 1234", "rewe markt gmbh"]
    assert hits(STATEMENT, Condition("payee", "equals", "NETFLIX.COM")) == ["Netflix.com"]
    assert hits(STATEMENT, Condition("payee", "equals", "netflix")) == []
    assert hits(STATEMENT, Condition("payee", "starts_with", "amzn mktp")) == [
        "AMZN Mktp DE*2K4", "AMZN Mktp DE*9Q1"]
    assert hits(STATEMENT, Condition("payee", "regex", r"^amzn mktp de\*\w+4$")) == [
        "AMZN Mktp DE*2K4"]
    assert hits(STATEMENT, Condition("description", "contains", "abo")) == ["Netflix.com"]


def test_contains_is_literal_not_a_pattern() -> None:
    assert hits(STATEMENT, Condition("payee", "contains", "DE*")) == [
        "AMZN Mktp DE*2K4", "AMZN Mktp DE*9Q1"]
    assert hits(STATEMENT, Condition("payee", "contains", ".com")) == ["Netflix.com"]


def test_amounts_compare_exactly_with_sign_and_currency() -> None:
    assert hits(STATEMENT, Condition("amount", "equals", "-12.99")) == ["Netflix.com"]
    assert hits(STATEMENT, Condition("amount", "equals", "-12.990")) == ["Netflix.com"]
    assert hits(STATEMENT, Condition("amount", "equals", "12.99")) == []
    assert hits(STATEMENT, Condition("amount", "between", "-19.99", "-12.99")) == [
        "AMZN Mktp DE*2K4", "Netflix.com"]
    assert hits(STATEMENT, Condition("amount", "less_than", "-19.99")) == [
        "REWE SAGT DANKE 1234"]
    assert hits(STATEMENT, Condition("amount", "greater_than", "19.99")) == ["ACME GmbH"]
    assert hits(STATEMENT, Condition("amount", "greater_than", "19.985")) == [
        "ACME GmbH", "AMZN Mktp DE*9Q1"]
    mixed = rows("""
    Tokyo Ramen   ; ; -1300  ; JPY ; 1 ; 2024-03-01
    Gulf Air      ; ; -12.345; BHD ; 1 ; 2024-03-01
    Berlin Döner  ; ; -13.00 ; EUR ; 1 ; 2024-03-01
    """)
    assert hits(mixed, Condition("amount", "equals", "-1300")) == ["Tokyo Ramen"]
    assert hits(mixed, Condition("amount", "equals", "-12.345")) == ["Gulf Air"]
    assert hits(mixed, Condition("amount", "between", "-13", "-12.3")) == [
        "Gulf Air", "Berlin Döner"]


def test_account_and_date_conditions() -> None:
    assert hits(STATEMENT, Condition("account", "in", (2, 9))) == ["Netflix.com"]
    assert hits(STATEMENT, Condition("date", "on", "2024-03-10")) == ["Netflix.com"]
    assert hits(STATEMENT, Condition("date", "before", "2024-03-07")) == [
        "REWE SAGT DANKE 1234"]
    assert hits(STATEMENT, Condition("date", "after", "2024-04-02")) == ["AMZN Mktp DE*9Q1"]
    assert hits(STATEMENT, Condition("date", "between", "2024-03-07", "2024-03-28")) == [
        "AMZN Mktp DE*2K4", "Netflix.com", "ACME GmbH"]


def test_all_needs_every_condition_any_needs_one() -> None:
    amzn = Condition("payee", "starts_with", "AMZN")
    money_out = Condition("amount", "less_than", "0")
    assert hits(STATEMENT, amzn, money_out) == ["AMZN Mktp DE*2K4"]
    assert hits(STATEMENT, Condition("payee", "contains", "netflix"),
                Condition("description", "contains", "erstattung"), match="any") == [
        "Netflix.com", "AMZN Mktp DE*9Q1"]


# --- the evaluator: order, modes, actions ---------------------------------------------------


def test_first_mode_the_highest_priority_rule_settles_a_row() -> None:
    general = rule(1, Condition("amount", "less_than", "0"), actions=cat(SHOPPING), priority=20)
    rewe = rule(2, Condition("payee", "contains", "rewe"), actions=cat(GROCERIES), priority=10)
    out = rules.apply_rules_frame([general, rewe], STATEMENT, "first")
    assert list(out["category_id"]) == [GROCERIES, SHOPPING, SHOPPING, pd.NA, GROCERIES, pd.NA]
    assert list(out["rule_id"]) == [2, 1, 1, pd.NA, 2, pd.NA]


def test_all_mode_applies_every_match_in_order_and_later_rules_see_earlier_changes() -> None:
    rename = rule(1, Condition("payee", "starts_with", "AMZN Mktp"),
                  actions=(Action("rename_payee", "Amazon"), Action("add_tags", "online")))
    shopping = rule(2, Condition("payee", "equals", "amazon"), actions=cat(SHOPPING))
    refunds = rule(3, Condition("description", "contains", "erstattung"),
                   actions=(*cat(SALARY), Action("add_tags", "refund")), kind="income")
    out = rules.apply_rules_frame([refunds, shopping, rename], STATEMENT, "all")
    amzn = out.iloc[[1, 5]]
    assert list(amzn["payee"]) == ["Amazon", "Amazon"]
    assert list(amzn["category_id"]) == [SHOPPING, SALARY]  # the later rule has the last word
    assert list(amzn["tags"]) == [",online,", ",online,refund,"]
    assert list(amzn["rule_id"]) == [1, 1]
    first = rules.apply_rules_frame([refunds, shopping, rename], STATEMENT, "first")
    assert list(first.iloc[[1, 5]]["category_id"]) == [pd.NA, pd.NA]  # no chaining


def test_an_income_category_is_skipped_on_money_out_but_other_actions_apply() -> None:
    refund = rule(1, Condition("payee", "starts_with", "amzn"),
                  actions=(*cat(SALARY), Action("add_tags", "amazon")), kind="income")
    out = rules.apply_rules_frame([refund], STATEMENT)
    assert list(out.iloc[[1, 5]]["category_id"]) == [pd.NA, SALARY]
    assert list(out.iloc[[1, 5]]["tags"]) == [",amazon,", ",amazon,"]


def test_transfer_legs_disabled_rules_and_unchanged_rows() -> None:
    # pandas-stubs does not allow None in a list given to assign(); pandas does.
    frame = STATEMENT.assign(transfer_id=[None, None, None, "t1", None, None],  # type: ignore[list-item]
                             category_id=pd.array([None, SHOPPING, None, None, None, None],
                                                  "Int64"))
    everything = rule(1, Condition("amount", "greater_than", "-10000"), actions=cat(SHOPPING))
    off = rule(2, Condition("payee", "contains", "rewe"), actions=cat(GROCERIES), enabled=False)
    out = rules.apply_rules_frame([off, everything], frame, "all")
    assert list(out["category_id"]) == [SHOPPING] * 3 + [pd.NA] + [SHOPPING] * 2
    assert list(out["rule_id"]) == [1, pd.NA, 1, pd.NA, 1, 1]  # row 2 already was Shopping
    assert frame["category_id"].iloc[0] is pd.NA  # the input is left as it was


def test_tags_merge_into_the_canonical_form() -> None:
    frame = STATEMENT.assign(tags=[",weekly,", "", ",food,", "", ",zzz,", ""])
    out = rules.apply_rules_frame([rule(1, Condition("payee", "contains", "rewe"),
                                    actions=(Action("add_tags", ["Food", "#groceries"]),))],  # type: ignore[arg-type]
                              frame)
    assert list(out["tags"]) == [",food,groceries,weekly,", "", ",food,", "",
                                 ",food,groceries,zzz,", ""]


def test_the_frame_and_mode_are_checked() -> None:
    with pytest.raises(ValidationError) as err:
        rules.apply_rules_frame([], STATEMENT, "some")
    assert err.value.field == "mode"
    with pytest.raises(ValidationError, match="tags"):
        rules.apply_rules_frame([], STATEMENT.drop(columns=["tags"]))
    empty = rules.apply_rules_frame([rule(1, Condition("payee", "contains", "x"),
                                          actions=cat(1))], STATEMENT.iloc[:0])
    assert empty.empty
    assert "rule_id" in empty


def test_a_catastrophic_regex_runs_in_linear_time() -> None:
    """``(a+)+$`` backtracks for ever in Python's ``re`` on 'aaa…a!'; RE2 does not."""
    frame = rows("\n".join(f"{'a' * (30 + i % 20)}!;;-1.00;EUR;1;2024-03-01"
                           for i in range(20_000)))
    evil = rule(1, Condition("payee", "regex", "(a+)+$"),
                Condition("description", "regex", "(x+x+)+y"), match="any", actions=cat(1))
    start = time.perf_counter()
    out = rules.apply_rules_frame([evil], frame)
    assert time.perf_counter() - start < 1.0
    assert out["rule_id"].isna().all()


def test_many_rows_are_evaluated_without_a_row_loop() -> None:
    big = pd.concat([STATEMENT] * 20_000, ignore_index=True)  # 120,000 rows
    many = [rule(i, Condition("payee", "contains", f"nomatch{i}"), actions=cat(1))
             for i in range(1, 19)]
    many.append(rule(19, Condition("payee", "regex", r"^rewe\b"), actions=cat(GROCERIES)))
    start = time.perf_counter()
    out = rules.apply_rules_frame(many, big)
    assert time.perf_counter() - start < 2.0
    assert int(out["rule_id"].notna().sum()) == 40_000


# --- services ------------------------------------------------------------------------------


@pytest.fixture
def book(small_book: SmallBook) -> SmallBook:
    """The small book plus uncategorised card payments, as a fresh import leaves them."""
    sb = small_book
    for day, payee, amount in [(20, "REWE SAGT DANKE 1234", "-23.45"),
                               (21, "AMZN Mktp DE*2K4", "-19.99"),
                               (22, "Netflix.com", "-12.99"),
                               (23, "AMZN Mktp DE*9Q1", "19.99")]:
        tx.add_transaction(sb.owner, tx.TransactionInput(sb.checking.id, dt.date(2024, 3, day),
                                                         amount, payee, "Kartenzahlung"))
    return sb


def spec(sb: SmallBook, name: str = "Amazon", payee: str = "amzn mktp",
         category: str = "Electronics", **extra: Any) -> RuleSpec:
    return RuleSpec(name, (Condition("payee", "starts_with", payee),),
                    (Action("set_category", sb.categories[category]),), **extra)


def stored(sb: SmallBook) -> dict[str, tuple[int | None, str, str]]:
    with sb.db.read() as s:
        return {f"{t.payee} {t.amount_minor}": (t.category_id, t.payee, t.tags)
                for t in s.scalars(select(Transaction).where(
                    Transaction.book_id == sb.owner.book_id))}


def test_create_list_update_delete(book: SmallBook) -> None:
    o = book.owner
    amazon = rules.create_rule(o, spec(book))
    netflix = rules.create_rule(o, spec(book, "Netflix", "netflix", "Subscriptions"))
    assert [(r.name, r.priority, r.category_kind) for r in rules.list_rules(o)] == [
        ("Amazon", 1, "expense"), ("Netflix", 2, "expense")]
    changed = rules.update_rule(o, amazon.id, spec(book, "Amazon orders", enabled=False))
    assert (changed.name, changed.enabled, changed.priority) == ("Amazon orders", False, 1)
    rules.delete_rule(o, amazon.id)
    assert [r.id for r in rules.list_rules(o)] == [netflix.id]
    assert rules.load_rules(o) == ([netflix], "first") == rules.rules_for_import(o)


def test_reorder_renumbers_and_wants_every_rule_once(book: SmallBook) -> None:
    o = book.owner
    ids = [rules.create_rule(o, spec(book, f"r{i}")).id for i in range(3)]
    assert [r.id for r in rules.reorder_rules(o, ids[::-1])] == ids[::-1]
    assert [r.priority for r in rules.list_rules(o)] == [1, 2, 3]
    with pytest.raises(ValidationError) as err:
        rules.reorder_rules(o, ids[:2])
    assert err.value.field == "ordered_ids"
    with pytest.raises(NotFound):
        rules.reorder_rules(o, [*ids, 999])


def test_rule_mode(book: SmallBook) -> None:
    assert rules.get_rule_mode(book.owner) == "first"
    rules.set_rule_mode(book.owner, "all")
    assert rules.get_rule_mode(book.viewer) == "all"
    with pytest.raises(ValidationError):
        rules.set_rule_mode(book.owner, "best")


def test_ids_must_be_this_books(book: SmallBook, snapshot: Snap) -> None:
    o, other = book.owner, book.other
    carol_cat = next(c.id for c in cats.list_categories(other) if c.name == "Groceries")
    before = snapshot(book.db)
    with pytest.raises(NotFound):
        rules.create_rule(o, RuleSpec("x", (Condition("payee", "contains", "a"),),
                                  (Action("set_category", carol_cat),)))
    with pytest.raises(NotFound):
        rules.create_rule(o, RuleSpec("x", (Condition("account", "in", (book.carol_account.id,)),),
                                  (Action("rename_payee", "Tesco"),)))
    assert snapshot(book.db) == before
    mine = rules.create_rule(other, RuleSpec("Tesco", (Condition("payee", "contains", "tesco"),),
                                         (Action("set_category", carol_cat),)))
    before = snapshot(book.db)
    for call in (lambda: rules.update_rule(o, mine.id, spec(book)),
                 lambda: rules.delete_rule(o, mine.id), lambda: rules.preview_rule(o, mine.id),
                 lambda: rules.rule_from_transaction(other, _ids(book)["REWE"])):
        with pytest.raises(NotFound):
            call()
    assert snapshot(book.db) == before


def test_transfer_categories_are_not_rule_targets(book: SmallBook) -> None:
    with pytest.raises(ValidationError, match="transfer category") as err:
        rules.create_rule(book.owner, spec(book, category="Credit card payment"))
    assert err.value.field == "category"


def test_a_viewer_reads_but_cannot_write(book: SmallBook, snapshot: Snap) -> None:
    r = rules.create_rule(book.owner, spec(book))
    v = book.viewer
    before = snapshot(book.db)
    for call in (lambda: rules.create_rule(v, spec(book)),
                 lambda: rules.update_rule(v, r.id, spec(book)),
                 lambda: rules.delete_rule(v, r.id), lambda: rules.reorder_rules(v, [r.id]),
                 lambda: rules.set_rule_mode(v, "all"), lambda: rules.reapply_rules(v)):
        with pytest.raises(PermissionDenied, match="viewer"):
            call()
    assert snapshot(book.db) == before
    assert rules.list_rules(v) == [r]
    assert rules.preview_rule(v, r.id).total == 2


def test_preview_shows_before_and_after_and_writes_nothing(book: SmallBook,
                                                           snapshot: Snap) -> None:
    electronics = book.categories["Electronics"]
    r = rules.create_rule(book.owner, RuleSpec(
        "Amazon", (Condition("payee", "starts_with", "amzn"),),
        (Action("set_category", electronics), Action("rename_payee", "Amazon"),
         Action("add_tags", "online")), enabled=False))
    before = snapshot(book.db)
    preview = rules.preview_rule(book.owner, r.id)
    assert snapshot(book.db) == before
    assert preview.total == 2
    newest = preview.changes[0]
    assert (newest.date, newest.amount_minor, newest.payee_before, newest.payee_after) == (
        dt.date(2024, 3, 23), 1999, "AMZN Mktp DE*9Q1", "Amazon")
    assert (newest.category_before, newest.category_after) == (None, electronics)
    assert (newest.tags_before, newest.tags_after) == ("", ",online,")
    assert len(rules.preview_rule(book.owner, r.id, limit=1).changes) == 1
    unsaved = rules.preview_rule(book.owner, spec(book, payee="netflix", category="Subscriptions"))
    assert [c.payee_before for c in unsaved.changes] == ["Netflix.com"]


def test_reapply_updates_existing_transactions_once(book: SmallBook) -> None:
    o = book.owner
    rules.create_rule(o, spec(book))
    rules.create_rule(o, RuleSpec("Shell", (Condition("payee", "equals", "shell"),),
                              (Action("set_category", book.categories["Car"]),
                               Action("add_tags", "auto"))))
    rules.create_rule(o, RuleSpec("Everything", (Condition("amount", "less_than", "100000"),),
                              (Action("add_tags", "seen"),)))
    assert rules.reapply_rules(o, TransactionFilter(uncategorised=True)) == 4
    now = stored(book)
    assert now["AMZN Mktp DE*2K4 -1999"] == (book.categories["Electronics"],
                                              "AMZN Mktp DE*2K4", "")
    assert now["Netflix.com -1299"] == (None, "Netflix.com", ",seen,")
    assert now["Shell -4210"] == (book.categories["Fuel"], "Shell", ",car,")  # not filtered in
    assert now["Girokonto 30000"][2] == ""  # transfer legs are never touched
    assert rules.reapply_rules(o) == 5  # the rest of the book, first mode
    assert stored(book)["Shell -4210"] == (book.categories["Car"], "Shell", ",auto,car,")
    assert rules.reapply_rules(o) == 0
    rules.set_rule_mode(o, "all")
    assert rules.reapply_rules(o) == 4  # the "Everything" rule now tags Amazon and Shell too


def test_rule_from_transaction_suggests_payee_stem_and_category(book: SmallBook) -> None:
    o = book.owner
    ids = _ids(book)
    rewe = rules.rule_from_transaction(o, ids["REWE"])
    assert rewe.conditions == (Condition("payee", "equals", "REWE"),)
    assert rewe.actions == (Action("set_category", book.categories["Groceries"]),)
    card = rules.rule_from_transaction(o, ids["REWE SAGT DANKE 1234"])
    assert card.conditions == (Condition("payee", "contains", "REWE SAGT DANKE"),)
    assert card.actions == ()  # uncategorised: the form asks for the category
    amzn = rules.rule_from_transaction(o, ids["AMZN Mktp DE*2K4"])
    assert amzn.conditions == (Condition("payee", "contains", "AMZN Mktp"),)
    assert rules.rule_from_transaction(book.viewer, ids["Netflix.com"]).conditions == (
        Condition("payee", "equals", "Netflix.com"),)
    with pytest.raises(ValidationError, match="transfer"):
        rules.rule_from_transaction(o, ids["Girokonto"])
    saved = rules.create_rule(o, RuleSpec(card.name, card.conditions, cat(
        book.categories["Groceries"])))
    assert rules.preview_rule(o, saved.id).total == 1


def _ids(sb: SmallBook) -> dict[str, int]:
    with sb.db.read() as s:
        return {t.payee: t.id for t in s.scalars(select(Transaction).where(
            Transaction.book_id == sb.owner.book_id).order_by(Transaction.id))}


def test_a_deleted_category_drops_the_action_not_the_rule(book: SmallBook) -> None:
    o = book.owner
    pets = cats.create_category(o, "Pets", "expense")
    r = rules.create_rule(o, RuleSpec("Fressnapf", (Condition("payee", "contains", "fressnapf"),),
                                  (Action("set_category", pets.id), Action("add_tags", "pet"))))
    cats.delete_category(o, pets.id)
    loaded = rules.list_rules(o)[0]
    assert loaded.id == r.id
    assert loaded.actions == (Action("add_tags", ("pet",)),)
    assert loaded.problems == ()  # the delete removed the action itself (issue 8)


def test_rules_from_the_database_feed_an_import_frame(book: SmallBook) -> None:
    rules.create_rule(book.owner, spec(book))
    rules.create_rule(book.owner, RuleSpec("REWE", (Condition("payee", "contains", "rewe"),),
                                       (Action("set_category", book.categories["Groceries"]),)))
    loaded, mode = rules.load_rules(book.owner)
    out = rules.apply_rules_frame(loaded, STATEMENT, mode)
    c = book.categories
    assert list(out["category_id"]) == [c["Groceries"], c["Electronics"], pd.NA, pd.NA,
                                        c["Groceries"], c["Electronics"]]
